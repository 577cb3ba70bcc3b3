//! Synthetic residents for the demo (never for `serve`): deterministic names, documents
//! and admissions that obey the legal rules in force, so that the demo's lists, warnings
//! and occupancy look like a working centre. No real person's data.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::json;

use super::rules::{self, AdmissionType, Presence, ReleaseReason, TermEvent};
use super::store::{self, ACTIVE, RELEASED};
use crate::audit::{self, Actor};
use crate::entities::{admission, admission_event, resident};
use crate::error::AppResult;
use crate::i18n::fold_for_search;

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý",
    "Phan", "Đinh", "Trịnh",
];
const MIDDLE_M: &[&str] = &[
    "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Công", "Mạnh", "Tiến",
];
const MIDDLE_F: &[&str] = &["Thị", "Thu", "Ngọc", "Thanh", "Minh"];
const GIVEN_M: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Lâm", "Long", "Nam", "Phong", "Quân",
    "Sơn", "Thắng", "Tuấn", "Việt", "Hiếu", "Tùng", "Đạt", "Kiên",
];
const GIVEN_F: &[&str] = &["Hoa", "Lan", "Mai", "Hương", "Hằng", "Linh", "Trang", "Yến"];
/// Home communes: most as older papers write them (with the district), a few with the
/// names in force since 01/07/2025 (no district).
const COMMUNES: &[(&str, &str)] = &[
    ("Ba Vì", "Xã Tản Lĩnh"),
    ("Ba Vì", "Xã Yên Bài"),
    ("Sóc Sơn", "Xã Tân Minh"),
    ("Sóc Sơn", "Xã Phù Linh"),
    ("Sơn Tây", "Phường Xuân Khanh"),
    ("Nam Từ Liêm", "Phường Xuân Phương"),
    ("Đống Đa", "Phường Văn Miếu - Quốc Tử Giám"),
    ("Hoàng Mai", "Phường Tương Mai"),
    ("Long Biên", "Phường Bồ Đề"),
    ("Gia Lâm", "Xã Kiêu Kỵ"),
    ("Hoàn Kiếm", "Phường Hàng Bông"),
    ("", "Phường Hoàn Kiếm"),
    ("", "Xã Sóc Sơn"),
    ("", "Phường Hà Đông"),
];

/// The deciding court named after the home district (district courts until 30/06/2025;
/// regional courts since).
fn court(district: &str) -> String {
    match district.split_once(' ') {
        Some((kind, name)) => format!("TAND {} {name}", kind.to_lowercase()),
        None => "TAND khu vực 1 - Hà Nội".into(),
    }
}

/// A demo home commune resolved as registration resolves it: canonical names and unit.
fn home(rng: &mut Lcg) -> (String, String, String, Option<String>) {
    let (district, commune) = COMMUNES[rng.below(COMMUNES.len() as u64) as usize];
    match crate::divisions::Divisions::shipped().resolve(
        "Hà Nội",
        district,
        commune,
        crate::divisions::reform_2025(),
    ) {
        Ok(p) => (p.province, p.district, p.commune, Some(p.unit)),
        Err(_) => (
            "Thành phố Hà Nội".into(),
            district.into(),
            commune.into(),
            None,
        ),
    }
}
const SUBSTANCES: &[&str] = &[
    "Heroin",
    "Ma túy tổng hợp (methamphetamine)",
    "Heroin, methamphetamine",
    "Cần sa",
    "Ketamine",
];

/// A small deterministic generator (same demo every run; the benchmark data set uses it
/// too).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Creates `count` residents with an active admission (and some past ones) when the
/// centre has no residents yet. Returns how many were created.
pub async fn seed<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    count: usize,
    today: NaiveDate,
) -> AppResult<usize> {
    if resident::Entity::find().count(conn).await? > 0 {
        return Ok(0);
    }
    let rules_all = store::load_rules(conn).await?;
    let mut rng = Lcg(centre_code
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let now = Utc::now();
    let mut admitted_dates = Vec::with_capacity(count);
    let mut admitted_types = Vec::with_capacity(count);
    for i in 0..count {
        let female = rng.chance(6);
        // About 3% are minors, and at least one in every fifty (a small demo has some).
        let minor = rng.chance(3) || i % 50 == 7;
        let age = if minor {
            15 + rng.below(3) as i32
        } else {
            19 + rng.below(32) as i32
        };
        let dob = NaiveDate::from_ymd_opt(
            today.year() - age,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap_or(today);
        let dob = if rules::age_on(dob, today) < age {
            dob - Duration::days(366)
        } else {
            dob
        };
        let name = format!(
            "{} {} {}",
            rng.pick(FAMILY),
            rng.pick(if female { MIDDLE_F } else { MIDDLE_M }),
            rng.pick(if female { GIVEN_F } else { GIVEN_M })
        );
        let century = if dob.year() >= 2000 { 2 } else { 0 };
        let cccd = format!(
            "001{}{:02}{:06}",
            century + u32::from(female),
            dob.year() % 100,
            (i + 1) * 7 % 1_000_000
        );
        let (province, district, commune, unit) = home(&mut rng);
        let street = format!("Thôn {}", 1 + rng.below(12));
        let r = resident::ActiveModel {
            code: Set(format!("{centre_code}-{:06}", i + 1)),
            full_name: Set(name.clone()),
            name_search: Set(fold_for_search(&name)),
            date_of_birth: Set(dob),
            sex: Set(if female { "female" } else { "male" }.into()),
            id_kind: Set("cccd".into()),
            id_number: Set(cccd),
            // Living at home: the current residence is the permanent one.
            current_province: Set(province.clone()),
            current_district: Set(district.clone()),
            current_commune: Set(commune.clone()),
            current_unit: Set(unit.clone()),
            home_province: Set(province),
            home_district: Set(district.clone()),
            home_commune: Set(commune),
            home_unit: Set(unit),
            home_address: Set(street.clone()),
            current_address: Set(street),
            family_contact: Set(format!("Gia đình: 09{:08}", rng.below(100_000_000))),
            substances: Set(rng.pick(SUBSTANCES).into()),
            education: Set(format!("{}/12", 5 + rng.below(8))),
            occupation: Set(["Lao động tự do", "Không nghề", "Lái xe", "Thợ xây"]
                [rng.below(4) as usize]
                .into()),
            created_at: Set(now),
            created_by: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;

        let t = match rng.below(100) {
            _ if minor => AdmissionType::CompulsoryMinor,
            0..=75 => AdmissionType::CompulsoryAdult,
            76..=95 => AdmissionType::Voluntary,
            96..=98 => AdmissionType::Temporary,
            _ => AdmissionType::Determination,
        };
        let max_ago: i64 = match t {
            AdmissionType::Determination => 4,
            AdmissionType::Temporary => 20,
            AdmissionType::Voluntary | AdmissionType::CompulsoryMinor => 170,
            _ => 340,
        };
        let ago = 1 + rng.below(max_ago as u64) as i64;
        let admitted = today - Duration::days(ago);
        admitted_dates.push(admitted);
        admitted_types.push(t);
        // Some people were here before: a completed earlier course that ended shortly
        // before this admission.
        let mut prior = 0;
        if t.is_rehabilitation() && rng.chance(8) {
            let released = admitted - Duration::days(10 + rng.below(70) as i64);
            let started = released - Duration::days(365);
            if let Some(rule) = rules::rule_for(
                &rules_all,
                AdmissionType::CompulsoryAdult,
                started - Duration::days(3),
            ) {
                if rules::age_on(dob, started) >= 18 {
                    admission::ActiveModel {
                        resident_id: Set(r.id),
                        admission_type: Set(AdmissionType::CompulsoryAdult.as_str().into()),
                        status: Set(RELEASED.into()),
                        presence: Set(Presence::Present.as_str().into()),
                        presence_since: Set(started),
                        admitted_on: Set(started),
                        document_number: Set(format!(
                            "{}/{}/QĐ-TA",
                            1 + rng.below(400),
                            started.year()
                        )),
                        document_date: Set(started - Duration::days(3)),
                        issuing_body: Set(court(&district)),
                        guardian_name: Set(String::new()),
                        term_months: Set(Some(12)),
                        prior_rehabilitations: Set(0),
                        rule_id: Set(Some(rule.id)),
                        regime_code: Set(rule.regime_code.clone()),
                        temp_days: Set(0),
                        expected_end: Set(Some(released)),
                        zone: Set("Khu bắt buộc nam".into()),
                        stage: Set(5),
                        health_on_arrival: Set(String::new()),
                        documents_received: Set(String::new()),
                        belongings: Set(String::new()),
                        released_on: Set(Some(released)),
                        release_reason: Set(Some(ReleaseReason::Completion.as_str().into())),
                        release_document: Set(String::new()),
                        from_centre: Set(None),
                        to_centre: Set(None),
                        created_at: Set(now),
                        created_by: Set(None),
                        ..Default::default()
                    }
                    .insert(conn)
                    .await?;
                    prior = 1;
                }
            }
        }

        let decided = admitted - Duration::days(2);
        let Some(rule) = rules::rule_for(&rules_all, t, decided) else {
            continue;
        };
        let range = if prior > 0 {
            rule.repeat_term
        } else {
            rule.first_term
        };
        let term = range.map(|(lo, hi)| lo + rng.below((hi - lo + 1) as u64) as i32);
        let zone = match (t, female) {
            (AdmissionType::CompulsoryMinor, _) => "Khu người chưa thành niên",
            (AdmissionType::Temporary | AdmissionType::Determination, false) => {
                "Khu lưu trú tạm thời nam"
            }
            (AdmissionType::Temporary | AdmissionType::Determination, true) => {
                "Khu lưu trú tạm thời nữ"
            }
            (AdmissionType::Voluntary, false) => "Khu tự nguyện nam",
            (AdmissionType::Voluntary, true) => "Khu tự nguyện nữ",
            (_, false) => "Khu bắt buộc nam",
            (_, true) => "Khu bắt buộc nữ",
        };
        let stage = match ago {
            0..=14 => 1,
            15..=45 => 2,
            46..=120 => 3,
            121..=280 => 4,
            _ => 5,
        };
        let mut a = admission::ActiveModel {
            resident_id: Set(r.id),
            admission_type: Set(t.as_str().into()),
            status: Set(ACTIVE.into()),
            presence: Set(Presence::Present.as_str().into()),
            presence_since: Set(admitted),
            admitted_on: Set(admitted),
            document_number: Set(match t {
                AdmissionType::Voluntary => {
                    format!("HĐ-{}/{}", 1 + rng.below(900), admitted.year())
                }
                AdmissionType::Temporary => format!("{}/QĐ-QL", 1 + rng.below(300)),
                AdmissionType::Determination => format!("YC-{}", 1 + rng.below(300)),
                _ => format!("{}/{}/QĐ-TA", 1 + rng.below(400), decided.year()),
            }),
            document_date: Set(decided),
            issuing_body: Set(if t.is_compulsory() {
                court(&district)
            } else {
                String::new()
            }),
            guardian_name: Set(if age < 18 {
                "Cha/mẹ (ghi trong hồ sơ)".into()
            } else {
                String::new()
            }),
            term_months: Set(term),
            prior_rehabilitations: Set(prior),
            rule_id: Set(Some(rule.id)),
            regime_code: Set(rule.regime_code.clone()),
            temp_days: Set(0),
            expected_end: Set(None),
            zone: Set(zone.into()),
            stage: Set(if t.is_rehabilitation() { stage } else { 1 }),
            health_on_arrival: Set("Tỉnh táo".into()),
            documents_received: Set("Quyết định/hợp đồng; lý lịch tóm tắt".into()),
            belongings: Set(String::new()),
            released_on: Set(None),
            release_reason: Set(None),
            release_document: Set(String::new()),
            from_centre: Set(None),
            to_centre: Set(None),
            created_at: Set(now),
            created_by: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        // A few are away: escaped or in hospital.
        let away = match rng.below(100) {
            0 if ago > 10 => Some((rules::EventKind::Escape, Presence::Escaped, "")),
            1..=2 if ago > 10 => Some((
                rules::EventKind::HospitalOut,
                Presence::InHospital,
                "Bệnh viện đa khoa huyện",
            )),
            _ => None,
        };
        let mut events = Vec::new();
        if let Some((kind, presence, place)) = away {
            // Escaped any time in the last three months (still away); in hospital lately.
            let window = if kind == rules::EventKind::Escape {
                90
            } else {
                14
            };
            let on = today - Duration::days(1 + rng.below(ago.min(window) as u64) as i64);
            admission_event::ActiveModel {
                admission_id: Set(a.id),
                kind: Set(kind.as_str().into()),
                occurred_on: Set(on),
                occurred_time: Set(String::new()),
                document_ref: Set(String::new()),
                reason: Set(String::new()),
                months: Set(0),
                travel_days: Set(0),
                place: Set(place.into()),
                corrects_id: Set(None),
                recorded_by: Set(None),
                recorded_by_name: Set("demo".into()),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            events.push(TermEvent {
                kind,
                on,
                months: 0,
                travel_days: 0,
            });
            let mut am: admission::ActiveModel = a.clone().into();
            am.presence = Set(presence.as_str().into());
            am.presence_since = Set(on);
            a = am.update(conn).await?;
        }
        let end = match (t, term) {
            (AdmissionType::Determination, _) => Some(admitted + Duration::days(5)),
            (_, Some(m)) => Some(rules::expected_end(admitted, m, 0, &events, today).expected_end),
            _ => None,
        };
        let mut am: admission::ActiveModel = a.into();
        am.expected_end = Set(end);
        am.update(conn).await?;
    }
    store::fill_half_terms(conn).await?;
    let mut stays = bed_predecessors(&mut rng, &admitted_dates);
    stays.extend(short_stays(&mut rng, &admitted_types, today));
    let former = seed_former(conn, centre_code, &mut rng, &stays, count, today).await?;
    audit::record(
        conn,
        &Actor::system("demo"),
        "demo.residents",
        "resident",
        "",
        json!({ "count": count, "former": former }),
    )
    .await?;
    Ok(count)
}

/// An earlier stay to record as a released admission.
struct FormerStay {
    t: AdmissionType,
    started: NaiveDate,
    released: NaiveDate,
    /// An escape and the return, within the stay.
    escape: Option<(NaiveDate, NaiveDate)>,
}

/// Most beds had an earlier occupant who completed a course and left shortly before the
/// current one arrived. Without them the year's occupancy history, reconstructed from
/// the records, would climb from nothing to today's figure. A few of them escaped once
/// and came back, so escapes are spread over the year as they are in life.
fn bed_predecessors(rng: &mut Lcg, admitted_dates: &[NaiveDate]) -> Vec<FormerStay> {
    let mut out = Vec::new();
    for next_admitted in admitted_dates {
        if !rng.chance(85) {
            continue;
        }
        let released = *next_admitted - Duration::days(1 + rng.below(6) as i64);
        let voluntary = rng.chance(15);
        // A voluntary contract runs about six months; a compulsory term 12 or 24.
        let stay = if voluntary {
            150 + rng.below(60) as i64
        } else {
            330 + rng.below(400) as i64
        };
        let started = released - Duration::days(stay);
        let escape = rng.chance(4).then(|| {
            let away = started + Duration::days(30 + rng.below((stay - 90) as u64) as i64);
            (away, away + Duration::days(2 + rng.below(19) as i64))
        });
        let t = if voluntary {
            AdmissionType::Voluntary
        } else {
            AdmissionType::CompulsoryAdult
        };
        out.push(FormerStay {
            t,
            started,
            released,
            escape,
        });
    }
    out
}

/// Temporary stays and addiction determinations of the past year, at the rate today's
/// ones imply (a temporary stay lasts up to about 20 days, a determination up to 5), so
/// the year's intakes do not jump in the current month.
fn short_stays(rng: &mut Lcg, now: &[AdmissionType], today: NaiveDate) -> Vec<FormerStay> {
    let count = |t| now.iter().filter(|x| **x == t).count() as u64;
    // Arrivals per 1,000 days.
    let rates = [
        (
            AdmissionType::Temporary,
            count(AdmissionType::Temporary) * 1000 / 20,
            7,
            20,
        ),
        (
            AdmissionType::Determination,
            count(AdmissionType::Determination) * 1000 / 4,
            2,
            5,
        ),
    ];
    let mut out = Vec::new();
    for ago in 2..365 {
        let day = today - Duration::days(ago);
        for (t, per_mille, shortest, longest) in rates {
            let n = per_mille / 1000 + u64::from(rng.below(1000) < per_mille % 1000);
            for _ in 0..n {
                let days = (shortest + rng.below(longest - shortest + 1)) as i64;
                // Those still here are today's residents, made by `seed`.
                if day + Duration::days(days) >= today {
                    continue;
                }
                out.push(FormerStay {
                    t,
                    started: day,
                    released: day + Duration::days(days),
                    escape: None,
                });
            }
        }
    }
    out
}

async fn seed_former<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    rng: &mut Lcg,
    stays: &[FormerStay],
    first_index: usize,
    today: NaiveDate,
) -> AppResult<usize> {
    let rules_all = store::load_rules(conn).await?;
    let now = Utc::now();
    let mut n = 0;
    for (k, stay) in stays.iter().enumerate() {
        let (t, started, released) = (stay.t, stay.started, stay.released);
        let Some(rule) = rules::rule_for(&rules_all, t, started - Duration::days(3)) else {
            continue;
        };
        let female = rng.chance(6);
        let age = 20 + rng.below(30) as i32;
        let dob = NaiveDate::from_ymd_opt(
            today.year() - age,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .unwrap_or(today);
        let name = format!(
            "{} {} {}",
            rng.pick(FAMILY),
            rng.pick(if female { MIDDLE_F } else { MIDDLE_M }),
            rng.pick(if female { GIVEN_F } else { GIVEN_M })
        );
        let serial = first_index + k + 1;
        let century = if dob.year() >= 2000 { 2 } else { 0 };
        let (province, district, commune, unit) = home(rng);
        let street = format!("Thôn {}", 1 + rng.below(12));
        let r = resident::ActiveModel {
            // Provisional: the code is the record number, known after the insert (as
            // registration does), so later registrations never collide with it.
            code: Set(format!("{centre_code}-F{serial:06}")),
            full_name: Set(name.clone()),
            name_search: Set(fold_for_search(&name)),
            date_of_birth: Set(dob),
            sex: Set(if female { "female" } else { "male" }.into()),
            id_kind: Set("cccd".into()),
            id_number: Set(format!(
                "001{}{:02}{:06}",
                century + u32::from(female),
                dob.year() % 100,
                serial * 7 % 1_000_000
            )),
            // Living at home: the current residence is the permanent one.
            current_province: Set(province.clone()),
            current_district: Set(district.clone()),
            current_commune: Set(commune.clone()),
            current_unit: Set(unit.clone()),
            home_province: Set(province),
            home_district: Set(district.clone()),
            home_commune: Set(commune),
            home_unit: Set(unit),
            home_address: Set(street.clone()),
            current_address: Set(street),
            family_contact: Set(String::new()),
            substances: Set(rng.pick(SUBSTANCES).into()),
            education: Set(String::new()),
            occupation: Set(String::new()),
            created_at: Set(now),
            created_by: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let mut am: resident::ActiveModel = r.clone().into();
        am.code = Set(format!("{centre_code}-{:06}", r.id));
        let r = am.update(conn).await?;
        let a = admission::ActiveModel {
            resident_id: Set(r.id),
            admission_type: Set(t.as_str().into()),
            status: Set(RELEASED.into()),
            presence: Set(Presence::Present.as_str().into()),
            presence_since: Set(started),
            admitted_on: Set(started),
            document_number: Set(match t {
                AdmissionType::Voluntary => {
                    format!("HĐ-{}/{}", 1 + rng.below(900), started.year())
                }
                AdmissionType::Temporary => format!("{}/QĐ-QL", 1 + rng.below(300)),
                AdmissionType::Determination => format!("YC-{}", 1 + rng.below(300)),
                _ => format!("{}/{}/QĐ-TA", 1 + rng.below(400), started.year()),
            }),
            document_date: Set(started - Duration::days(3)),
            issuing_body: Set(if t.is_compulsory() {
                court(&district)
            } else {
                String::new()
            }),
            guardian_name: Set(String::new()),
            term_months: Set(match t {
                AdmissionType::Voluntary => Some(6),
                AdmissionType::Temporary | AdmissionType::Determination => None,
                _ if (released - started).num_days() <= 450 => Some(12),
                _ => Some(24),
            }),
            prior_rehabilitations: Set(0),
            rule_id: Set(Some(rule.id)),
            regime_code: Set(rule.regime_code.clone()),
            temp_days: Set(0),
            expected_end: Set(Some(released)),
            zone: Set(String::new()),
            stage: Set(5),
            health_on_arrival: Set(String::new()),
            documents_received: Set(String::new()),
            belongings: Set(String::new()),
            released_on: Set(Some(released)),
            release_reason: Set(Some(
                match t {
                    AdmissionType::Voluntary => ReleaseReason::VoluntaryCompletion,
                    AdmissionType::Temporary => ReleaseReason::TemporaryEnded,
                    AdmissionType::Determination => ReleaseReason::DeterminationDone,
                    _ => ReleaseReason::Completion,
                }
                .as_str()
                .into(),
            )),
            release_document: Set(String::new()),
            from_centre: Set(None),
            to_centre: Set(None),
            created_at: Set(now),
            created_by: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        if let Some((away, back)) = stay.escape {
            for (kind, on) in [
                (rules::EventKind::Escape, away),
                (rules::EventKind::EscapeReturn, back),
            ] {
                past_event(a.id, kind, on, now).insert(conn).await?;
            }
        }
        n += 1;
    }
    Ok(n)
}

/// A movement recorded at the time by the desk (demo data).
fn past_event(
    admission_id: i32,
    kind: rules::EventKind,
    on: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> admission_event::ActiveModel {
    admission_event::ActiveModel {
        admission_id: Set(admission_id),
        kind: Set(kind.as_str().into()),
        occurred_on: Set(on),
        occurred_time: Set(String::new()),
        document_ref: Set(String::new()),
        reason: Set(String::new()),
        months: Set(0),
        travel_days: Set(0),
        place: Set(String::new()),
        corrects_id: Set(None),
        recorded_by: Set(None),
        recorded_by_name: Set("demo".into()),
        recorded_at: Set(now),
        ..Default::default()
    }
}

/// Splits `total` over centres in proportion to their receiving capacity (largest
/// remainder), so the parts add up exactly.
pub fn split(total: usize, capacities: &[i32]) -> Vec<usize> {
    let sum: i64 = capacities.iter().map(|c| i64::from(*c)).sum();
    if sum <= 0 {
        return vec![0; capacities.len()];
    }
    let exact: Vec<f64> = capacities
        .iter()
        .map(|c| total as f64 * f64::from(*c) / sum as f64)
        .collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut rest = total - parts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor()))
    });
    for i in order {
        if rest == 0 {
            break;
        }
        parts[i] += 1;
        rest -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's history has temporary stays and escapes in every month, at about the
    /// rate today's figures imply, not only in the current month.
    #[test]
    fn past_short_stays_and_escapes_are_spread_over_the_year() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let mut rng = Lcg(7);
        let now = vec![AdmissionType::Temporary; 20];
        let stays = short_stays(&mut rng, &now, today);
        // One arrival a day on average, for about 363 days, less those still here.
        assert!((300..=380).contains(&stays.len()), "{}", stays.len());
        assert!(
            stays
                .iter()
                .all(|s| s.released < today && s.started < s.released)
        );
        let months: std::collections::BTreeSet<_> = stays
            .iter()
            .map(|s| (s.started.year(), s.started.month()))
            .collect();
        assert!(months.len() >= 12, "{months:?}");
        let dates: Vec<NaiveDate> = (0..2000).map(|i| today - Duration::days(i % 340)).collect();
        let beds = bed_predecessors(&mut rng, &dates);
        let escapes: Vec<_> = beds
            .iter()
            .filter_map(|s| s.escape.map(|e| (s, e)))
            .collect();
        assert!(escapes.len() > 30, "{}", escapes.len());
        for (s, (away, back)) in escapes {
            assert!(s.started < away && away < back && back < s.released);
        }
    }

    #[test]
    fn split_adds_up() {
        let caps = [700, 560, 480, 520, 450, 495, 419];
        let parts = split(2773, &caps);
        assert_eq!(parts.iter().sum::<usize>(), 2773);
        assert_eq!(parts[0], 536);
    }

    #[test]
    fn demo_home_communes_are_in_the_reference_data() {
        let d = crate::divisions::Divisions::shipped();
        for (district, commune) in COMMUNES {
            let p = d
                .resolve("Hà Nội", district, commune, crate::divisions::reform_2025())
                .unwrap_or_else(|e| panic!("{commune}, {district}: {e:?}"));
            assert_eq!(p.district.is_empty(), district.is_empty());
        }
        assert_eq!(court("Huyện Ba Vì"), "TAND huyện Ba Vì");
    }
}
