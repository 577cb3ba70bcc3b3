//! Intake rules as plain functions over plain types: identity documents, ages, the legal
//! regime in force on a decision date, admission terms, the expected release date, movement
//! transitions, releases and after-care. No database, no HTTP.
//!
//! Sources are named with each rule (domain.md §1, §3, §9, §10, §11).

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Msg};

str_enum!(
    /// Legal basis of an admission (domain.md §1.1).
    AdmissionType {
        /// Bắt buộc, người từ đủ 18 tuổi (court decision).
        CompulsoryAdult = "compulsory_adult",
        /// Bắt buộc, người từ đủ 12 đến dưới 18 tuổi.
        CompulsoryMinor = "compulsory_minor",
        /// Tự nguyện tại cơ sở (service contract).
        Voluntary = "voluntary",
        /// Quản lý trong thời gian lập hồ sơ đề nghị áp dụng biện pháp bắt buộc.
        Temporary = "temporary",
        /// Xác định tình trạng nghiện.
        Determination = "determination",
    }
);

impl AdmissionType {
    pub fn label_key(self) -> String {
        format!("admission_type.{}", self.as_str())
    }
    /// Counts as a rehabilitation for the first/repeat distinction of Law 120/2025.
    pub fn is_rehabilitation(self) -> bool {
        matches!(
            self,
            Self::CompulsoryAdult | Self::CompulsoryMinor | Self::Voluntary
        )
    }
    pub fn is_compulsory(self) -> bool {
        matches!(self, Self::CompulsoryAdult | Self::CompulsoryMinor)
    }
}

str_enum!(
    Sex {
        Male = "male",
        Female = "female",
    }
);

impl Sex {
    pub fn label_key(self) -> String {
        format!("sex.{}", self.as_str())
    }
}

str_enum!(
    /// Identity document: CCCD (12 digits), passport, or birth certificate for those
    /// without either (minors).
    IdKind {
        Cccd = "cccd",
        Passport = "passport",
        BirthCertificate = "birth_certificate",
    }
);

impl IdKind {
    pub fn label_key(self) -> String {
        format!("id_kind.{}", self.as_str())
    }
}

/// Checks an identity number and returns it normalised (upper case, no spaces).
///
/// CCCD (căn cước công dân, 12 digits): digits 1–3 are the province of registration
/// (001–096), digit 4 encodes sex and century (0/1 male/female 1900s, 2/3 2000s,
/// 4/5 2100s), digits 5–6 are the last two digits of the birth year. When the birth date
/// and sex are known they must agree with the number.
pub fn check_id_number(
    kind: IdKind,
    raw: &str,
    dob: Option<NaiveDate>,
    sex: Option<Sex>,
) -> Result<String, Msg> {
    let n: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if n.is_empty() {
        return Err(Msg::new("error.required"));
    }
    match kind {
        IdKind::Cccd => {
            if n.len() != 12 || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Msg::new("error.cccd_format"));
            }
            let d = |i: usize| u32::from(n.as_bytes()[i] - b'0');
            let province = d(0) * 100 + d(1) * 10 + d(2);
            if !(1..=96).contains(&province) {
                return Err(Msg::new("error.cccd_province"));
            }
            let code = d(3);
            if code > 5 {
                return Err(Msg::new("error.cccd_format"));
            }
            let century = 1900 + 100 * (code / 2) as i32;
            let female = code % 2 == 1;
            let year = century + (d(4) * 10 + d(5)) as i32;
            if let Some(dob) = dob {
                if dob.year() != year {
                    return Err(Msg::new("error.cccd_birth_year").arg("year", year));
                }
            }
            if let Some(sex) = sex {
                if (sex == Sex::Female) != female {
                    return Err(Msg::new("error.cccd_sex"));
                }
            }
            Ok(n)
        }
        IdKind::Passport => {
            let ok = (6..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric());
            if ok {
                Ok(n)
            } else {
                Err(Msg::new("error.passport_format"))
            }
        }
        IdKind::BirthCertificate => {
            let ok = (1..=30).contains(&n.chars().count())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.'));
            if ok {
                Ok(n)
            } else {
                Err(Msg::new("error.birth_certificate_format"))
            }
        }
    }
}

/// Age in whole years on `on`.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age
}

/// Nobody younger than 12 can be admitted under any regime (L 73/2021 Art 33, N116 Art 35).
pub const MIN_AGE: i32 = 12;

/// Checks a birth date: not in the future, not absurd, and the person at least 12 today.
pub fn check_birth_date(dob: NaiveDate, today: NaiveDate) -> Result<(), Msg> {
    if dob > today {
        return Err(Msg::new("error.dob_future"));
    }
    if age_on(dob, today) > 110 {
        return Err(Msg::new("error.dob_impossible"));
    }
    if age_on(dob, today) < MIN_AGE {
        return Err(Msg::new("error.age_below_12"));
    }
    Ok(())
}

/// A legal regime's rule for one admission type, as dated data (seeded, editable by an
/// administrator). Terms are in months; `None` means the type has no term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalRule {
    pub id: i32,
    pub regime_code: String,
    /// Short citation shown in messages, e.g. "Luật PCMT 73/2021".
    pub regime_name: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub admission_type: AdmissionType,
    pub min_age: i32,
    /// Exclusive upper age bound (18 for minors).
    pub max_age: Option<i32>,
    pub first_term: Option<(i32, i32)>,
    pub repeat_term: Option<(i32, i32)>,
    pub source: String,
}

/// The rule in force for `t` on `on` (the decision date).
pub fn rule_for(rules: &[LegalRule], t: AdmissionType, on: NaiveDate) -> Option<&LegalRule> {
    rules
        .iter()
        .filter(|r| {
            r.admission_type == t
                && r.effective_from <= on
                && r.effective_to.is_none_or(|to| on < to)
        })
        .max_by_key(|r| r.effective_from)
}

/// What the intake form says about an admission, already parsed.
#[derive(Clone, Debug)]
pub struct AdmissionFacts {
    pub admission_type: AdmissionType,
    pub dob: NaiveDate,
    /// Date of the court decision, contract or management decision.
    pub decision_date: NaiveDate,
    pub admitted_on: NaiveDate,
    pub term_months: Option<i32>,
    /// Earlier rehabilitations on the person's record (Law 120: first vs repeat).
    pub prior_rehabilitations: u32,
    pub document_number: String,
    pub issuing_body: String,
    pub guardian_name: String,
    pub today: NaiveDate,
}

/// The outcome of checking an admission: the rule applied, or field errors that name it.
pub fn check_admission<'a>(
    f: &AdmissionFacts,
    rules: &'a [LegalRule],
) -> Result<&'a LegalRule, FieldErrors> {
    let mut e = FieldErrors::new();
    if f.decision_date > f.today {
        e.add("decision_date", "error.date_in_future");
    }
    if f.admitted_on > f.today {
        e.add("admitted_on", "error.date_in_future");
    }
    if f.admitted_on < f.decision_date && f.admission_type.is_compulsory() {
        e.add("admitted_on", "error.admitted_before_decision");
    }
    if f.document_number.trim().is_empty() {
        e.add("document_number", "error.required");
    }
    if f.admission_type.is_compulsory() && f.issuing_body.trim().is_empty() {
        e.add("issuing_body", "error.required");
    }
    let Some(rule) = rule_for(rules, f.admission_type, f.decision_date) else {
        e.add(
            "decision_date",
            Msg::new("error.no_rule_in_force")
                .arg("date", crate::i18n::format_date(f.decision_date)),
        );
        return Err(e);
    };
    let age = age_on(f.dob, f.decision_date);
    if age < rule.min_age || rule.max_age.is_some_and(|max| age >= max) {
        let range = match rule.max_age {
            Some(max) => format!("{}–{}", rule.min_age, max - 1),
            None => format!("≥ {}", rule.min_age),
        };
        e.add(
            "admission_type",
            Msg::new("error.age_outside_rule")
                .arg("age", age)
                .arg("range", range)
                .arg("rule", format!("{} ({})", rule.regime_name, rule.source)),
        );
    }
    // Under 18: a parent or guardian is on record (L 73 Art 33; N116 Art 35, 51).
    if age < 18 && f.guardian_name.trim().is_empty() {
        e.add("guardian_name", "error.guardian_required");
    }
    let range = if f.prior_rehabilitations > 0 {
        rule.repeat_term
    } else {
        rule.first_term
    };
    match (range, f.term_months) {
        (Some(_), None) => e.add("term_months", "error.required"),
        (Some((min, max)), Some(t)) if t < min || t > max => e.add(
            "term_months",
            Msg::new("error.term_outside_rule")
                .arg("term", t)
                .arg("min", min)
                .arg("max", max)
                .arg("rule", format!("{} ({})", rule.regime_name, rule.source))
                .arg(
                    "count",
                    if f.prior_rehabilitations > 0 {
                        "repeat"
                    } else {
                        "first"
                    },
                ),
        ),
        (None, Some(_)) => e.add("term_months", "error.no_term_for_type"),
        _ => {}
    }
    if e.is_empty() { Ok(rule) } else { Err(e) }
}

str_enum!(
    /// Movements and status changes of an admission (domain.md §1.2).
    EventKind {
        Escape = "escape",
        EscapeReturn = "escape_return",
        HospitalOut = "hospital_out",
        HospitalReturn = "hospital_return",
        FuneralLeave = "funeral_leave",
        FuneralReturn = "funeral_return",
        CriminalRemoval = "criminal_removal",
        CriminalReturn = "criminal_return",
        TermReduction = "term_reduction",
        StageChange = "stage_change",
    }
);

impl EventKind {
    pub fn label_key(self) -> String {
        format!("event.{}", self.as_str())
    }
}

str_enum!(
    /// Where an admitted resident is. Escape is a status, not a release.
    Presence {
        Present = "present",
        Escaped = "escaped",
        InHospital = "in_hospital",
        OnFuneralLeave = "on_funeral_leave",
        RemovedForProceedings = "removed_for_proceedings",
    }
);

impl Presence {
    pub fn label_key(self) -> String {
        format!("presence.{}", self.as_str())
    }
}

/// The presence after `kind`, or why the event cannot happen now.
pub fn next_presence(current: Presence, kind: EventKind) -> Result<Presence, &'static str> {
    use EventKind as K;
    use Presence as P;
    match (current, kind) {
        (P::Present, K::Escape) => Ok(P::Escaped),
        (P::Escaped, K::EscapeReturn) => Ok(P::Present),
        (P::Present, K::HospitalOut) => Ok(P::InHospital),
        (P::InHospital, K::HospitalReturn) => Ok(P::Present),
        (P::Present, K::FuneralLeave) => Ok(P::OnFuneralLeave),
        (P::OnFuneralLeave, K::FuneralReturn) => Ok(P::Present),
        (P::Present, K::CriminalRemoval) => Ok(P::RemovedForProceedings),
        (P::RemovedForProceedings, K::CriminalReturn) => Ok(P::Present),
        (p, K::TermReduction | K::StageChange) => Ok(p),
        _ => Err("error.event_not_possible_now"),
    }
}

/// An event as the term computation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermEvent {
    pub kind: EventKind,
    pub on: NaiveDate,
    /// Months of a court-ordered reduction.
    pub months: i32,
    /// Travel days allowed on top of funeral leave (not counted as overstay).
    pub travel_days: i32,
}

/// Funeral leave counts toward the term up to 5 days, travel excluded (N116 Art 70).
pub const FUNERAL_LEAVE_DAYS: i64 = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermComputation {
    pub expected_end: NaiveDate,
    /// Days not counted because the resident had escaped (N116 Art 56.4).
    pub escape_days: i64,
    /// Funeral-leave days beyond the allowance, not counted.
    pub overstay_days: i64,
    pub reduction_months: i32,
    /// Still escaped: the end date moves every day until the return.
    pub open_escape: bool,
}

/// Expected release date (domain.md §10 rule 4): start + term − days already spent in
/// temporary management at a facility + escape days + funeral-leave overstay − court
/// reductions. Hospital and funeral-leave days count. An escape without a return counts
/// up to `today`.
pub fn expected_end(
    start: NaiveDate,
    term_months: i32,
    temp_days_at_facility: i64,
    events: &[TermEvent],
    today: NaiveDate,
) -> TermComputation {
    let mut sorted: Vec<&TermEvent> = events.iter().collect();
    sorted.sort_by_key(|e| e.on);
    let mut escape_days = 0;
    let mut overstay_days = 0;
    let mut reduction_months = 0;
    let mut escaped_since: Option<NaiveDate> = None;
    let mut leave_since: Option<(NaiveDate, i32)> = None;
    for e in sorted {
        match e.kind {
            EventKind::Escape => escaped_since = Some(e.on),
            EventKind::EscapeReturn => {
                if let Some(s) = escaped_since.take() {
                    escape_days += (e.on - s).num_days().max(0);
                }
            }
            EventKind::FuneralLeave => leave_since = Some((e.on, e.travel_days)),
            EventKind::FuneralReturn => {
                if let Some((s, travel)) = leave_since.take() {
                    let days = (e.on - s).num_days();
                    overstay_days += (days - FUNERAL_LEAVE_DAYS - i64::from(travel.max(0))).max(0);
                }
            }
            EventKind::TermReduction => reduction_months += e.months,
            _ => {}
        }
    }
    let open_escape = escaped_since.is_some();
    if let Some(s) = escaped_since {
        escape_days += (today - s).num_days().max(0);
    }
    let months = u32::try_from((term_months - reduction_months).max(0)).unwrap_or(0);
    let base = start
        .checked_add_months(Months::new(months))
        .unwrap_or(start);
    let expected_end = base - chrono::Duration::days(temp_days_at_facility)
        + chrono::Duration::days(escape_days + overstay_days);
    TermComputation {
        expected_end,
        escape_days,
        overstay_days,
        reduction_months,
        open_escape,
    }
}

/// Days served on `on`: time at the centre since `start`, plus temporary management at a
/// facility, less escape days up to `on`.
pub fn served_days(start: NaiveDate, temp_days: i64, events: &[TermEvent], on: NaiveDate) -> i64 {
    let before: Vec<TermEvent> = events.iter().filter(|e| e.on <= on).cloned().collect();
    let c = expected_end(start, 0, 0, &before, on);
    (on - start).num_days() + temp_days - c.escape_days - c.overstay_days
}

/// The first day on which half the term has been served (N116 Art 58.1: from then a
/// reduction may be proposed), given the movements recorded so far. Served days never
/// fall, so `served_days(on) * 2 >= term_days` exactly when `on >=` this day. None when
/// half is not reached with the movements so far (an open escape stops the count until
/// the return is recorded, which recomputes it).
pub fn half_term_on(
    start: NaiveDate,
    term_months: i32,
    temp_days: i64,
    events: &[TermEvent],
) -> Option<NaiveDate> {
    let need = term_days(start, term_months);
    let reached = |d: NaiveDate| served_days(start, temp_days, events, d) * 2 >= need;
    let last = events
        .iter()
        .map(|e| e.on)
        .max()
        .unwrap_or(start)
        .max(start);
    // After the last movement a day served is a day counted, so by `last + need` half
    // the term is served unless an escape is still open.
    let (mut lo, mut hi) = (start, last + chrono::Duration::days(need.max(0) + 1));
    if !reached(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + chrono::Duration::days((hi - lo).num_days() / 2);
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid + chrono::Duration::days(1);
        }
    }
    Some(lo)
}

/// Length of the whole term in days.
pub fn term_days(start: NaiveDate, term_months: i32) -> i64 {
    let end = start
        .checked_add_months(Months::new(u32::try_from(term_months.max(0)).unwrap_or(0)))
        .unwrap_or(start);
    (end - start).num_days()
}

/// A court-ordered reduction (N116 Art 58.1): 1–3 months, or up to 6 with a
/// meritorious act (lập công); only once at least half of the term has been served; and
/// never so large that the term would already have ended on the decision date.
pub fn check_reduction(
    start: NaiveDate,
    term_months: i32,
    temp_days: i64,
    events: &[TermEvent],
    decision_on: NaiveDate,
    months: i32,
    merit: bool,
) -> Result<(), Msg> {
    let max = if merit { 6 } else { 3 };
    if !(1..=max).contains(&months) {
        return Err(Msg::new(if merit {
            "error.reduction_months_merit"
        } else {
            "error.reduction_months"
        }));
    }
    let served = served_days(start, temp_days, events, decision_on);
    let half = (term_days(start, term_months) + 1) / 2;
    if served < half {
        return Err(Msg::new("error.reduction_before_half")
            .arg("served", served)
            .arg("half", half));
    }
    let mut with = events.to_vec();
    with.push(TermEvent {
        kind: EventKind::TermReduction,
        on: decision_on,
        months,
        travel_days: 0,
    });
    if expected_end(start, term_months, temp_days, &with, decision_on).expected_end < decision_on {
        return Err(Msg::new("error.reduction_past_end"));
    }
    Ok(())
}

str_enum!(
    /// Why an admission ended (domain.md §10 rule 8). Escape is not among them.
    ReleaseReason {
        Completion = "completion",
        Reduction = "reduction",
        Exemption = "exemption",
        Suspension = "suspension",
        TransferCentre = "transfer_centre",
        TransferEducation = "transfer_education",
        TransferSocialProtection = "transfer_social_protection",
        CriminalProceedings = "criminal_proceedings",
        Death = "death",
        VoluntaryCompletion = "voluntary_completion",
        SelfTermination = "self_termination",
        DeterminationDone = "determination_done",
        TemporaryEnded = "temporary_ended",
    }
);

impl ReleaseReason {
    pub fn label_key(self) -> String {
        format!("release_reason.{}", self.as_str())
    }
    /// Reasons that fit an admission type.
    pub fn fits(self, t: AdmissionType) -> bool {
        use ReleaseReason as R;
        match t {
            AdmissionType::Voluntary => matches!(
                self,
                R::VoluntaryCompletion | R::SelfTermination | R::TransferCentre | R::Death
            ),
            AdmissionType::Temporary => {
                matches!(self, R::TemporaryEnded | R::TransferCentre | R::Death)
            }
            AdmissionType::Determination => matches!(self, R::DeterminationDone | R::Death),
            _ => !matches!(
                self,
                R::VoluntaryCompletion
                    | R::SelfTermination
                    | R::DeterminationDone
                    | R::TemporaryEnded
            ),
        }
    }
    /// The reason ends a completed course (certificate, after-care).
    pub fn is_completion(self) -> bool {
        matches!(
            self,
            Self::Completion | Self::Reduction | Self::VoluntaryCompletion
        )
    }
}

pub fn check_release(
    admitted_on: NaiveDate,
    released_on: NaiveDate,
    today: NaiveDate,
    reason: Option<ReleaseReason>,
    t: AdmissionType,
) -> FieldErrors {
    let mut e = FieldErrors::new();
    if released_on < admitted_on {
        e.add(
            "released_on",
            Msg::new("error.release_before_admission")
                .arg("date", crate::i18n::format_date(admitted_on)),
        );
    }
    if released_on > today {
        e.add("released_on", "error.date_in_future");
    }
    match reason {
        None => e.add("reason", "error.release_reason_required"),
        Some(r) if !r.fits(t) => e.add("reason", "error.release_reason_not_for_type"),
        _ => {}
    }
    e
}

/// After-care (quản lý sau cai nghiện, L 73 Art 40): 2 years for adults who completed
/// compulsory rehabilitation, 1 year for voluntary completers and minors; none otherwise.
pub fn aftercare_years(
    t: AdmissionType,
    age_at_release: i32,
    reason: ReleaseReason,
) -> Option<i32> {
    if !reason.is_completion() {
        return None;
    }
    match t {
        AdmissionType::CompulsoryAdult if age_at_release >= 18 => Some(2),
        AdmissionType::CompulsoryAdult
        | AdmissionType::CompulsoryMinor
        | AdmissionType::Voluntary => Some(1),
        _ => None,
    }
}

/// Monday–Friday days in (from, to].
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap_or(d);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        if d == NaiveDate::MAX {
            break;
        }
    }
    n
}

/// Warnings the intake desk and director see (domain.md §10, warnings only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// End of term within 15 days: notices to court, commune and family are due.
    EndOfTermSoon { days_left: i64 },
    /// A voluntary resident absent ≥ 5 working days: self-termination.
    VoluntaryAbsent { working_days: i64 },
    /// In hospital for more than 10 days: suspension candidate.
    LongHospitalStay { days: i64 },
    /// At least half the term served: candidate for the quarterly reduction review.
    ReductionCandidate,
    /// Addiction-status determination result due (5 days, TT18 Art 5.2).
    DeterminationDue { days_left: i64 },
}

/// What the warnings need to know of an active admission.
pub struct WarningFacts {
    pub admission_type: AdmissionType,
    pub presence: Presence,
    /// When the current presence started (escape or hospital date).
    pub presence_since: NaiveDate,
    pub admitted_on: NaiveDate,
    pub expected_end: Option<NaiveDate>,
    pub term_months: Option<i32>,
    pub served_days: i64,
    pub reduced_already: bool,
}

pub fn warnings(f: &WarningFacts, today: NaiveDate) -> Vec<Warning> {
    let mut w = Vec::new();
    if let Some(end) = f.expected_end {
        let left = (end - today).num_days();
        if f.admission_type == AdmissionType::Determination {
            if left <= 2 {
                w.push(Warning::DeterminationDue { days_left: left });
            }
        } else if left <= 15 {
            w.push(Warning::EndOfTermSoon { days_left: left });
        }
    }
    if f.admission_type == AdmissionType::Voluntary && f.presence == Presence::Escaped {
        let wd = working_days_between(f.presence_since, today);
        if wd >= 5 {
            w.push(Warning::VoluntaryAbsent { working_days: wd });
        }
    }
    if f.presence == Presence::InHospital {
        let days = (today - f.presence_since).num_days();
        if days > 10 {
            w.push(Warning::LongHospitalStay { days });
        }
    }
    if f.admission_type.is_compulsory() && !f.reduced_already {
        if let Some(t) = f.term_months {
            if f.served_days * 2 >= term_days(f.admitted_on, t) {
                w.push(Warning::ReductionCandidate);
            }
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn half_term_is_the_first_day_half_the_term_is_served() {
        let start = d(2025, 1, 10);
        let check = |events: &[TermEvent], temp: i64| {
            let on = half_term_on(start, 12, temp, events).expect("reached");
            let need = term_days(start, 12);
            assert!(served_days(start, temp, events, on) * 2 >= need);
            let before = on - chrono::Duration::days(1);
            assert!(on == start || served_days(start, temp, events, before) * 2 < need);
            on
        };
        // 365 days: half is 182.5, reached after 183 days served.
        assert_eq!(check(&[], 0), start + chrono::Duration::days(183));
        // Days at a facility before admission count; a closed escape does not.
        assert_eq!(check(&[], 30), start + chrono::Duration::days(153));
        let ev = |kind, on| TermEvent {
            kind,
            on,
            months: 0,
            travel_days: 0,
        };
        let escape = [
            ev(EventKind::Escape, d(2025, 2, 1)),
            ev(EventKind::EscapeReturn, d(2025, 2, 11)),
        ];
        assert_eq!(check(&escape, 0), start + chrono::Duration::days(193));
        // While an escape is open there is no such day yet.
        assert_eq!(half_term_on(start, 12, 0, &escape[..1]), None);
    }

    pub fn seed_rules() -> Vec<LegalRule> {
        let mk =
            |id, code: &str, name: &str, from, to, t, min_age, max_age, first, repeat| LegalRule {
                id,
                regime_code: code.into(),
                regime_name: name.into(),
                effective_from: from,
                effective_to: to,
                admission_type: t,
                min_age,
                max_age,
                first_term: first,
                repeat_term: repeat,
                source: "test".into(),
            };
        let l73 = (d(2022, 1, 1), Some(d(2026, 7, 1)));
        let l120 = (d(2026, 7, 1), None);
        vec![
            mk(
                1,
                "L73",
                "Luật 73/2021",
                l73.0,
                l73.1,
                AdmissionType::CompulsoryAdult,
                18,
                None,
                Some((12, 24)),
                Some((12, 24)),
            ),
            mk(
                2,
                "L73",
                "Luật 73/2021",
                l73.0,
                l73.1,
                AdmissionType::CompulsoryMinor,
                12,
                Some(18),
                Some((6, 12)),
                Some((6, 12)),
            ),
            mk(
                3,
                "L73",
                "Luật 73/2021",
                l73.0,
                l73.1,
                AdmissionType::Voluntary,
                12,
                None,
                Some((6, 12)),
                Some((6, 12)),
            ),
            mk(
                4,
                "L120",
                "Luật 120/2025",
                l120.0,
                l120.1,
                AdmissionType::CompulsoryAdult,
                18,
                None,
                Some((24, 24)),
                Some((36, 36)),
            ),
            mk(
                5,
                "L120",
                "Luật 120/2025",
                l120.0,
                l120.1,
                AdmissionType::Voluntary,
                12,
                None,
                Some((24, 24)),
                Some((36, 36)),
            ),
            mk(
                6,
                "L73",
                "Luật 73/2021",
                l73.0,
                None,
                AdmissionType::Temporary,
                12,
                None,
                None,
                None,
            ),
        ]
    }

    fn facts(
        t: AdmissionType,
        dob: NaiveDate,
        decision: NaiveDate,
        term: Option<i32>,
        prior: u32,
    ) -> AdmissionFacts {
        AdmissionFacts {
            admission_type: t,
            dob,
            decision_date: decision,
            admitted_on: decision,
            term_months: term,
            prior_rehabilitations: prior,
            document_number: "123/QĐ-TA".into(),
            issuing_body: "TAND huyện Ba Vì".into(),
            guardian_name: String::new(),
            today: d(2026, 11, 23),
        }
    }

    /// domain.md §10 rule 1; XLVPHC Art 95 §2: compulsory adult term 12–24 months.
    #[test]
    fn compulsory_adult_term_12_to_24_months_under_law_73() {
        let rules = seed_rules();
        let ok = facts(
            AdmissionType::CompulsoryAdult,
            d(1990, 5, 1),
            d(2025, 6, 1),
            Some(18),
            0,
        );
        assert_eq!(check_admission(&ok, &rules).unwrap().regime_code, "L73");
        let e = check_admission(
            &facts(
                AdmissionType::CompulsoryAdult,
                d(1990, 5, 1),
                d(2025, 6, 1),
                Some(25),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("term_months"), Some("error.term_outside_rule"));
        let m = e.get("term_months").unwrap();
        assert!(
            m.args
                .iter()
                .any(|(k, v)| *k == "rule" && v.contains("Luật 73/2021")),
            "the message names the rule"
        );
        let e = check_admission(
            &facts(
                AdmissionType::CompulsoryAdult,
                d(1990, 5, 1),
                d(2025, 6, 1),
                Some(11),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("term_months"), Some("error.term_outside_rule"));
    }

    /// domain.md §10 rule 1: compulsory adult must be ≥ 18 on the decision date.
    #[test]
    fn compulsory_adult_must_be_18_on_the_decision_date() {
        let rules = seed_rules();
        let e = check_admission(
            &facts(
                AdmissionType::CompulsoryAdult,
                d(2007, 6, 2),
                d(2025, 6, 1),
                Some(12),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("admission_type"), Some("error.age_outside_rule"));
        assert!(
            check_admission(
                &facts(
                    AdmissionType::CompulsoryAdult,
                    d(2007, 6, 1),
                    d(2025, 6, 1),
                    Some(12),
                    0
                ),
                &rules
            )
            .is_ok()
        );
    }

    /// domain.md §10 rule 2; L 73 Art 33.3: minors 12 ≤ age < 18, 6–12 months, guardian present.
    #[test]
    fn compulsory_minor_rules() {
        let rules = seed_rules();
        let mut f = facts(
            AdmissionType::CompulsoryMinor,
            d(2010, 1, 1),
            d(2025, 6, 1),
            Some(9),
            0,
        );
        let e = check_admission(&f, &rules).unwrap_err();
        assert_eq!(e.key("guardian_name"), Some("error.guardian_required"));
        f.guardian_name = "Nguyễn Văn Bố (bố)".into();
        assert!(check_admission(&f, &rules).is_ok());
        f.term_months = Some(13);
        assert_eq!(
            check_admission(&f, &rules).unwrap_err().key("term_months"),
            Some("error.term_outside_rule")
        );
        let adult = AdmissionFacts {
            dob: d(2000, 1, 1),
            term_months: Some(9),
            ..f
        };
        assert_eq!(
            check_admission(&adult, &rules)
                .unwrap_err()
                .key("admission_type"),
            Some("error.age_outside_rule")
        );
    }

    /// domain.md §11; Law 120/2025: 24 months first, 36 months repeat, from 01/07/2026.
    #[test]
    fn law_120_applies_from_1_july_2026_with_first_and_repeat_terms() {
        let rules = seed_rules();
        let f = facts(
            AdmissionType::CompulsoryAdult,
            d(1990, 5, 1),
            d(2026, 7, 1),
            Some(24),
            0,
        );
        assert_eq!(check_admission(&f, &rules).unwrap().regime_code, "L120");
        let repeat = facts(
            AdmissionType::CompulsoryAdult,
            d(1990, 5, 1),
            d(2026, 7, 1),
            Some(24),
            1,
        );
        let e = check_admission(&repeat, &rules).unwrap_err();
        assert_eq!(e.key("term_months"), Some("error.term_outside_rule"));
        assert!(
            check_admission(
                &facts(
                    AdmissionType::CompulsoryAdult,
                    d(1990, 5, 1),
                    d(2026, 7, 1),
                    Some(36),
                    1
                ),
                &rules
            )
            .is_ok()
        );
        // The day before, Law 73 still governs: 18 months is fine.
        assert!(
            check_admission(
                &facts(
                    AdmissionType::CompulsoryAdult,
                    d(1990, 5, 1),
                    d(2026, 6, 30),
                    Some(18),
                    1
                ),
                &rules
            )
            .is_ok()
        );
    }

    /// domain.md §10 rule 3: voluntary age ≥ 12; under 18 needs a legal representative.
    #[test]
    fn voluntary_minimum_age_and_representative() {
        let rules = seed_rules();
        let e = check_admission(
            &facts(
                AdmissionType::Voluntary,
                d(2014, 1, 1),
                d(2025, 6, 1),
                Some(6),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("admission_type"), Some("error.age_outside_rule"));
        let e = check_admission(
            &facts(
                AdmissionType::Voluntary,
                d(2010, 1, 1),
                d(2025, 6, 1),
                Some(6),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("guardian_name"), Some("error.guardian_required"));
    }

    #[test]
    fn types_without_a_term_refuse_one() {
        let rules = seed_rules();
        let e = check_admission(
            &facts(
                AdmissionType::Temporary,
                d(1990, 1, 1),
                d(2025, 6, 1),
                Some(6),
                0,
            ),
            &rules,
        )
        .unwrap_err();
        assert_eq!(e.key("term_months"), Some("error.no_term_for_type"));
        assert!(
            check_admission(
                &facts(
                    AdmissionType::Temporary,
                    d(1990, 1, 1),
                    d(2025, 6, 1),
                    None,
                    0
                ),
                &rules
            )
            .is_ok()
        );
    }

    #[test]
    fn birth_dates() {
        let today = d(2026, 11, 23);
        assert_eq!(
            check_birth_date(d(2027, 1, 1), today).unwrap_err().key,
            "error.dob_future"
        );
        assert_eq!(
            check_birth_date(d(2015, 1, 1), today).unwrap_err().key,
            "error.age_below_12"
        );
        assert_eq!(
            check_birth_date(d(1900, 1, 1), today).unwrap_err().key,
            "error.dob_impossible"
        );
        assert!(check_birth_date(d(2014, 11, 23), today).is_ok());
        assert_eq!(age_on(d(2008, 11, 24), today), 17);
        assert_eq!(age_on(d(2008, 11, 23), today), 18);
    }

    #[test]
    fn cccd_numbers() {
        // 001 Hà Nội, 0 = male 1900s, 90 = 1990.
        assert_eq!(
            check_id_number(
                IdKind::Cccd,
                "001 090 012345",
                Some(d(1990, 3, 4)),
                Some(Sex::Male)
            )
            .unwrap(),
            "001090012345"
        );
        assert_eq!(
            check_id_number(IdKind::Cccd, "00109001234", None, None)
                .unwrap_err()
                .key,
            "error.cccd_format"
        );
        assert_eq!(
            check_id_number(IdKind::Cccd, "099090012345", None, None)
                .unwrap_err()
                .key,
            "error.cccd_province"
        );
        assert_eq!(
            check_id_number(IdKind::Cccd, "001090012345", Some(d(1991, 3, 4)), None)
                .unwrap_err()
                .key,
            "error.cccd_birth_year"
        );
        assert_eq!(
            check_id_number(IdKind::Cccd, "001090012345", None, Some(Sex::Female))
                .unwrap_err()
                .key,
            "error.cccd_sex"
        );
        // 3 = female 2000s.
        assert!(
            check_id_number(
                IdKind::Cccd,
                "001308012345",
                Some(d(2008, 1, 1)),
                Some(Sex::Female)
            )
            .is_ok()
        );
        assert!(check_id_number(IdKind::Passport, "c1234567", None, None).is_ok());
        assert!(check_id_number(IdKind::BirthCertificate, "12/2010", None, None).is_ok());
        assert_eq!(
            check_id_number(IdKind::Passport, "", None, None)
                .unwrap_err()
                .key,
            "error.required"
        );
    }

    fn ev(kind: EventKind, on: NaiveDate) -> TermEvent {
        TermEvent {
            kind,
            on,
            months: 0,
            travel_days: 0,
        }
    }

    /// domain.md §10 rule 4; N116 Art 44.3, 56.4, 67.4, 70.
    #[test]
    fn expected_end_through_temporary_escape_hospital_leave_and_reduction() {
        let start = d(2025, 1, 10);
        let today = d(2026, 11, 23);
        // 12 months, nothing else: 10/01/2026.
        assert_eq!(
            expected_end(start, 12, 0, &[], today).expected_end,
            d(2026, 1, 10)
        );
        // 20 days of temporary management at a facility are deducted.
        assert_eq!(
            expected_end(start, 12, 20, &[], today).expected_end,
            d(2025, 12, 21)
        );
        // Escape 01/03 → return 11/03: 10 days added. Hospital days count (no change).
        let events = vec![
            ev(EventKind::Escape, d(2025, 3, 1)),
            ev(EventKind::EscapeReturn, d(2025, 3, 11)),
            ev(EventKind::HospitalOut, d(2025, 4, 1)),
            ev(EventKind::HospitalReturn, d(2025, 4, 20)),
        ];
        let c = expected_end(start, 12, 0, &events, today);
        assert_eq!((c.expected_end, c.escape_days), (d(2026, 1, 20), 10));
        // Funeral leave of 8 days with 1 travel day: 2 days overstay.
        let mut with_leave = events.clone();
        with_leave.push(TermEvent {
            kind: EventKind::FuneralLeave,
            on: d(2025, 5, 1),
            months: 0,
            travel_days: 1,
        });
        with_leave.push(ev(EventKind::FuneralReturn, d(2025, 5, 9)));
        assert_eq!(
            expected_end(start, 12, 0, &with_leave, today).expected_end,
            d(2026, 1, 22)
        );
        // A 2-month court reduction.
        with_leave.push(TermEvent {
            kind: EventKind::TermReduction,
            on: d(2025, 8, 1),
            months: 2,
            travel_days: 0,
        });
        let c = expected_end(start, 12, 0, &with_leave, today);
        assert_eq!((c.expected_end, c.reduction_months), (d(2025, 11, 22), 2));
        // An open escape counts up to today.
        let open = vec![ev(EventKind::Escape, d(2025, 12, 1))];
        let c = expected_end(start, 12, 0, &open, d(2025, 12, 11));
        assert!(c.open_escape);
        assert_eq!(c.expected_end, d(2026, 1, 20));
    }

    /// domain.md §10 rule 4; N116 Art 58.1: reduction only once half the term is served.
    #[test]
    fn reduction_needs_half_the_term_served() {
        let start = d(2025, 1, 1);
        let e = check_reduction(start, 12, 0, &[], d(2025, 5, 1), 2, false).unwrap_err();
        assert_eq!(e.key, "error.reduction_before_half");
        assert!(check_reduction(start, 12, 0, &[], d(2025, 7, 3), 2, false).is_ok());
        // Escape days do not count as served.
        let esc = vec![
            ev(EventKind::Escape, d(2025, 2, 1)),
            ev(EventKind::EscapeReturn, d(2025, 3, 1)),
        ];
        assert!(check_reduction(start, 12, 0, &esc, d(2025, 7, 3), 2, false).is_err());
        // Temporary management at a facility does.
        assert!(check_reduction(start, 12, 40, &esc, d(2025, 7, 3), 2, false).is_ok());
        // 1–3 months; up to 6 only with a meritorious act.
        assert_eq!(
            check_reduction(start, 12, 0, &[], d(2025, 8, 1), 4, false)
                .unwrap_err()
                .key,
            "error.reduction_months"
        );
        assert!(check_reduction(start, 12, 0, &[], d(2025, 8, 1), 4, true).is_ok());
        assert_eq!(
            check_reduction(start, 12, 0, &[], d(2025, 8, 1), 7, true)
                .unwrap_err()
                .key,
            "error.reduction_months_merit"
        );
        // Not so much that the term would have ended before the decision.
        let earlier = vec![TermEvent {
            kind: EventKind::TermReduction,
            on: d(2025, 7, 10),
            months: 3,
            travel_days: 0,
        }];
        assert_eq!(
            check_reduction(start, 12, 0, &earlier, d(2025, 9, 15), 3, false)
                .unwrap_err()
                .key,
            "error.reduction_past_end"
        );
    }

    /// domain.md §10 rule 8: escape is a status; release needs a reason that fits.
    #[test]
    fn escape_is_a_status_and_release_needs_a_reason() {
        assert_eq!(
            next_presence(Presence::Present, EventKind::Escape),
            Ok(Presence::Escaped)
        );
        assert!(next_presence(Presence::Present, EventKind::EscapeReturn).is_err());
        assert!(next_presence(Presence::Escaped, EventKind::HospitalOut).is_err());
        assert!(ReleaseReason::parse("escape").is_none());
        let e = check_release(
            d(2025, 1, 1),
            d(2024, 12, 31),
            d(2026, 1, 1),
            Some(ReleaseReason::Completion),
            AdmissionType::CompulsoryAdult,
        );
        assert_eq!(e.key("released_on"), Some("error.release_before_admission"));
        let e = check_release(
            d(2025, 1, 1),
            d(2025, 6, 1),
            d(2026, 1, 1),
            None,
            AdmissionType::CompulsoryAdult,
        );
        assert_eq!(e.key("reason"), Some("error.release_reason_required"));
        let e = check_release(
            d(2025, 1, 1),
            d(2025, 6, 1),
            d(2026, 1, 1),
            Some(ReleaseReason::SelfTermination),
            AdmissionType::CompulsoryAdult,
        );
        assert_eq!(e.key("reason"), Some("error.release_reason_not_for_type"));
        assert!(
            check_release(
                d(2025, 1, 1),
                d(2025, 6, 1),
                d(2026, 1, 1),
                Some(ReleaseReason::SelfTermination),
                AdmissionType::Voluntary
            )
            .is_empty()
        );
    }

    /// domain.md §9; L 73 Art 40.
    #[test]
    fn aftercare_duration() {
        assert_eq!(
            aftercare_years(
                AdmissionType::CompulsoryAdult,
                30,
                ReleaseReason::Completion
            ),
            Some(2)
        );
        assert_eq!(
            aftercare_years(
                AdmissionType::CompulsoryMinor,
                17,
                ReleaseReason::Completion
            ),
            Some(1)
        );
        assert_eq!(
            aftercare_years(
                AdmissionType::Voluntary,
                30,
                ReleaseReason::VoluntaryCompletion
            ),
            Some(1)
        );
        assert_eq!(
            aftercare_years(AdmissionType::CompulsoryAdult, 30, ReleaseReason::Death),
            None
        );
    }

    #[test]
    fn every_label_has_a_catalogue_entry() {
        for lang in crate::i18n::Lang::ALL {
            let cat = lang.catalog();
            let mut keys: Vec<String> = Vec::new();
            keys.extend(AdmissionType::ALL.iter().map(|v| v.label_key()));
            keys.extend(Sex::ALL.iter().map(|v| v.label_key()));
            keys.extend(IdKind::ALL.iter().map(|v| v.label_key()));
            keys.extend(EventKind::ALL.iter().map(|v| v.label_key()));
            keys.extend(Presence::ALL.iter().map(|v| v.label_key()));
            keys.extend(ReleaseReason::ALL.iter().map(|v| v.label_key()));
            keys.extend((1..=5).map(|s| format!("stage.s{s}")));
            for k in keys {
                assert!(cat.has(&k), "{k} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn warnings_for_the_home_page() {
        let today = d(2026, 11, 23); // Monday
        let base = WarningFacts {
            admission_type: AdmissionType::CompulsoryAdult,
            presence: Presence::Present,
            presence_since: d(2026, 1, 1),
            admitted_on: d(2025, 12, 1),
            expected_end: Some(d(2026, 12, 1)),
            term_months: Some(12),
            served_days: 357,
            reduced_already: false,
        };
        let w = warnings(&base, today);
        assert!(w.contains(&Warning::EndOfTermSoon { days_left: 8 }));
        assert!(w.contains(&Warning::ReductionCandidate));
        let vol = WarningFacts {
            admission_type: AdmissionType::Voluntary,
            presence: Presence::Escaped,
            presence_since: d(2026, 11, 16),
            expected_end: None,
            ..base
        };
        assert_eq!(
            warnings(&vol, today),
            vec![Warning::VoluntaryAbsent { working_days: 5 }]
        );
        let hosp = WarningFacts {
            presence: Presence::InHospital,
            presence_since: d(2026, 11, 12),
            expected_end: None,
            reduced_already: true,
            ..vol
        };
        assert_eq!(
            warnings(&hosp, today),
            vec![Warning::LongHospitalStay { days: 11 }]
        );
        assert_eq!(working_days_between(d(2026, 11, 20), d(2026, 11, 23)), 1);
    }
}
