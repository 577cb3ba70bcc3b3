//! The intake warnings of the home page, for every active admission of the centre.

use chrono::NaiveDate;
use sea_orm::{
    Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::rules::{self, AdmissionType, Presence, Warning, WarningFacts};
use super::store::{self, ACTIVE};
use crate::entities::{admission, admission_event, resident};
use crate::error::AppResult;

pub struct WarningRow {
    pub resident: resident::Model,
    pub admission: admission::Model,
    pub warning: Warning,
    /// Days counted toward the term today.
    pub served_days: i64,
}

impl WarningRow {
    /// Lower is more urgent: deadlines first, then absences, then reviews.
    pub fn urgency(&self) -> u8 {
        match self.warning {
            Warning::DeterminationDue { .. } => 0,
            Warning::EndOfTermSoon { .. } => 1,
            Warning::VoluntaryAbsent { .. } => 2,
            Warning::LongHospitalStay { .. } => 3,
            Warning::ReductionCandidate => 4,
        }
    }

    /// Catalogue key and the value for its `{n}` placeholder.
    pub fn message(&self) -> (&'static str, i64) {
        match self.warning {
            Warning::EndOfTermSoon { days_left } => ("warning.end_of_term", days_left),
            Warning::VoluntaryAbsent { working_days } => ("warning.voluntary_absent", working_days),
            Warning::LongHospitalStay { days } => ("warning.long_hospital_stay", days),
            Warning::ReductionCandidate => ("warning.reduction_candidate", 0),
            Warning::DeterminationDue { days_left } => ("warning.determination_due", days_left),
        }
    }
}

/// Every warning of every active admission (the quarterly reduction review needs them
/// all). Three queries; events grouped once.
pub async fn for_centre<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> AppResult<Vec<WarningRow>> {
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?;
    warnings_of(conn, active, today).await
}

/// The warnings of these admissions, most urgent first.
async fn warnings_of<C: ConnectionTrait>(
    conn: &C,
    admissions: Vec<admission::Model>,
    today: NaiveDate,
) -> AppResult<Vec<WarningRow>> {
    if admissions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = admissions.iter().map(|a| a.id).collect();
    let mut events = store::events_by_admission(conn, &ids).await?;
    let people = store::residents_by_id(conn, admissions.iter().map(|a| a.resident_id)).await?;
    let mut out = Vec::new();
    for a in admissions {
        let (Some(person), own) = (
            people.get(&a.resident_id),
            events.remove(&a.id).unwrap_or_default(),
        ) else {
            continue;
        };
        out.extend(admission_warnings(person, &a, &own, today));
    }
    out.sort_by_key(order);
    Ok(out)
}

/// The rules' warnings for one admission (`rules::warnings`).
fn admission_warnings(
    person: &resident::Model,
    a: &admission::Model,
    own: &[admission_event::Model],
    today: NaiveDate,
) -> Vec<WarningRow> {
    let Some(t) = AdmissionType::parse(&a.admission_type) else {
        return Vec::new();
    };
    let te = store::term_events(own);
    let facts = WarningFacts {
        admission_type: t,
        presence: Presence::parse(&a.presence).unwrap_or(Presence::Present),
        presence_since: a.presence_since,
        admitted_on: a.admitted_on,
        // While escaped the end moves every day: the stored date is the one computed
        // when the escape was recorded.
        expected_end: if a.presence == Presence::Escaped.as_str() {
            store::compute_end(a, own, today)
        } else {
            a.expected_end
        },
        term_months: a.term_months,
        served_days: rules::served_days(a.admitted_on, i64::from(a.temp_days), &te, today),
        reduced_already: te.iter().any(|e| e.kind == rules::EventKind::TermReduction),
    };
    rules::warnings(&facts, today)
        .into_iter()
        .map(|w| WarningRow {
            resident: person.clone(),
            admission: a.clone(),
            warning: w,
            served_days: facts.served_days,
        })
        .collect()
}

/// What the home page shows: the most urgent warnings, how many there are, and how
/// many residents qualify for a reduction.
pub struct HomeWarnings {
    pub shown: Vec<WarningRow>,
    pub total: usize,
    pub reduction_candidates: usize,
}

/// The home page's warnings without reading every admission: the admissions that can
/// carry a dated warning (end within 15 days, or not present) are read and judged by
/// the rules; residents present whose stored half-term day has passed are counted in
/// SQL, and only as many of them read as the page shows. Same answer as
/// [`for_centre`] (a test holds them together).
pub async fn for_home<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    shown: usize,
) -> AppResult<HomeWarnings> {
    let soon = today + chrono::Duration::days(15);
    let dated = Condition::any()
        .add(admission::COLUMN.expected_end.lte(soon))
        .add(admission::COLUMN.presence.ne(Presence::Present.as_str()));
    let urgent = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .filter(dated)
        .all(conn)
        .await?;
    let mut rows = warnings_of(conn, urgent, today).await?;
    let half_passed = || {
        admission::Entity::find()
            .filter(admission::COLUMN.status.eq(ACTIVE))
            .filter(admission::COLUMN.half_term_on.lte(today))
            .filter(admission::COLUMN.admission_type.is_in(compulsory_codes()))
            .filter(admission::COLUMN.presence.eq(Presence::Present.as_str()))
            .filter(
                Condition::any()
                    .add(admission::COLUMN.expected_end.is_null())
                    .add(admission::COLUMN.expected_end.gt(soon)),
            )
    };
    let others = half_passed().count(conn).await?;
    let others = usize::try_from(others).unwrap_or(usize::MAX);
    let reduction_candidates = others
        + rows
            .iter()
            .filter(|w| w.warning == Warning::ReductionCandidate)
            .count();
    let total = rows.len() + others;
    if rows.len() < shown && others > 0 {
        let first = half_passed()
            .order_by_asc(admission::COLUMN.expected_end)
            .order_by_asc(admission::COLUMN.id)
            .limit(u64::try_from(shown).unwrap_or(u64::MAX))
            .all(conn)
            .await?;
        rows.extend(warnings_of(conn, first, today).await?);
        rows.sort_by_key(order);
    }
    rows.truncate(shown);
    Ok(HomeWarnings {
        shown: rows,
        total,
        reduction_candidates,
    })
}

/// Most urgent first, then the nearest end, then the record (a stable order).
fn order(w: &WarningRow) -> (u8, Option<NaiveDate>, i32) {
    (w.urgency(), w.admission.expected_end, w.admission.id)
}

fn compulsory_codes() -> Vec<&'static str> {
    AdmissionType::ALL
        .iter()
        .filter(|t| t.is_compulsory())
        .map(|t| t.as_str())
        .collect()
}
