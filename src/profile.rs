//! The benchmark data set (`--profile large`): the largest centre over five years —
//! 1,500 residents present, 20,000 admissions with their movements, beds for 2,000 and
//! five years of daily occupancy — and a department with seven centres × five years of
//! day figures. Deterministic (a fixed seed), scaled by `scale` (CI uses a small one),
//! written in batches inside the caller's transaction.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use crate::entities::{admission, admission_event, bed, bed_assignment, centre_day, occupancy_day};
use crate::entities::{received_summary, resident, room, zone};
use crate::error::{AppError, AppResult};
use crate::i18n::fold_for_search;
use crate::intake::rules::{self, AdmissionType, EventKind, TermEvent};

/// Five years of history.
pub const YEARS: i64 = 5;
const BATCH: usize = 150;

/// What the progress callback is told: a step's name, done and total.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// The largest centre at full scale.
pub struct CentreSize {
    pub present: usize,
    pub admissions: usize,
    pub beds: i32,
}

impl CentreSize {
    pub fn at(scale: f64) -> CentreSize {
        let n = |full: f64| ((full * scale).round() as usize).max(1);
        CentreSize {
            present: n(1_500.0),
            admissions: n(20_000.0).max(n(1_500.0)),
            beds: i32::try_from(n(2_000.0)).unwrap_or(i32::MAX),
        }
    }
}

use crate::intake::demo::Lcg;

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
];
const MIDDLE: &[&str] = &["Văn", "Đức", "Minh", "Quang", "Thị", "Hữu", "Thanh"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Sơn", "Tuấn", "Việt",
];

struct Stay {
    resident: resident::ActiveModel,
    admission: admission::ActiveModel,
    events: Vec<admission_event::ActiveModel>,
    present: bool,
    kind: &'static str,
    sex: &'static str,
    admitted_on: NaiveDate,
    released_on: Option<NaiveDate>,
}

/// One admission of one person (`n` numbers people and admissions alike).
fn stay(rng: &mut Lcg, n: usize, present: bool, today: NaiveDate) -> Stay {
    let female = rng.chance(7);
    let sex = if female { "female" } else { "male" };
    let t = match rng.below(100) {
        0..=3 => AdmissionType::CompulsoryMinor,
        4..=23 => AdmissionType::Voluntary,
        24..=26 if !present => AdmissionType::Determination,
        _ => AdmissionType::CompulsoryAdult,
    };
    let term = match t {
        AdmissionType::Voluntary => Some(6 + 6 * rng.below(2) as i32),
        AdmissionType::Determination => None,
        _ => Some(12 + 12 * rng.below(2) as i32),
    };
    let days_back = if present {
        rng.below(u64::try_from(term.unwrap_or(1) * 30).unwrap_or(30).max(1)) as i64
    } else {
        30 + rng.below(u64::try_from(YEARS * 365 - 30).unwrap_or(1)) as i64
    };
    let admitted_on = today - Duration::days(days_back);
    let age: i32 = if t == AdmissionType::CompulsoryMinor {
        15 + rng.below(3) as i32
    } else {
        19 + rng.below(35) as i32
    };
    let dob = NaiveDate::from_ymd_opt(
        admitted_on.year() - age,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or(admitted_on);
    let name = format!(
        "{} {} {}",
        rng.pick(FAMILY),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    );
    let id = i32::try_from(n).unwrap_or(i32::MAX);
    let mut events = Vec::new();
    let mut term_events = Vec::new();
    let mut ev = |kind: EventKind, on: NaiveDate| {
        term_events.push(TermEvent {
            kind,
            on,
            months: 0,
            travel_days: 0,
        });
        events.push(admission_event::ActiveModel {
            admission_id: Set(id),
            kind: Set(kind.as_str().into()),
            occurred_on: Set(on),
            occurred_time: Set(String::new()),
            document_ref: Set(String::new()),
            reason: Set("Dữ liệu đo hiệu năng".into()),
            months: Set(0),
            travel_days: Set(0),
            place: Set(String::new()),
            corrects_id: Set(None),
            recorded_by: Set(None),
            recorded_by_name: Set("profile".into()),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        });
    };
    let span = (today - admitted_on).num_days().max(3);
    if rng.chance(12) {
        let out = admitted_on
            + Duration::days(1 + rng.below(u64::try_from(span - 2).unwrap_or(1)) as i64);
        ev(EventKind::HospitalOut, out);
        ev(
            EventKind::HospitalReturn,
            (out + Duration::days(1 + rng.below(9) as i64)).min(today),
        );
    }
    let mut presence = "present";
    if present && t == AdmissionType::CompulsoryAdult && rng.chance(2) {
        ev(
            EventKind::Escape,
            today - Duration::days(1 + rng.below(20) as i64),
        );
        presence = "escaped";
    }
    let computed =
        term.map(|m| rules::expected_end(admitted_on, m, 0, &term_events, today).expected_end);
    let expected_end = match t {
        AdmissionType::Determination => Some(admitted_on + Duration::days(5)),
        _ => computed,
    };
    let released_on = if present {
        None
    } else {
        Some(
            expected_end
                .unwrap_or(admitted_on + Duration::days(5))
                .min(today - Duration::days(1)),
        )
    };
    let half_term_on = match (t.is_compulsory(), term) {
        (true, Some(m)) => rules::half_term_on(admitted_on, m, 0, &term_events),
        _ => None,
    };
    let kind = match t {
        AdmissionType::CompulsoryAdult => "compulsory",
        AdmissionType::CompulsoryMinor => "minors",
        AdmissionType::Voluntary => "voluntary",
        _ => "temporary",
    };
    Stay {
        resident: resident::ActiveModel {
            id: Set(id),
            code: Set(format!("P-{n:06}")),
            name_search: Set(fold_for_search(&name)),
            full_name: Set(name),
            date_of_birth: Set(dob),
            sex: Set(sex.into()),
            id_kind: Set("cccd".into()),
            id_number: Set(format!("001{}{:08}", if female { 3 } else { 2 }, n)),
            home_province: Set("Thành phố Hà Nội".into()),
            home_district: Set(String::new()),
            home_commune: Set("Phường Hoàn Kiếm".into()),
            home_unit: Set(None),
            home_address: Set(format!("Số {} phố Hàng Bạc", 1 + n % 90)),
            current_address: Set(String::new()),
            current_province: Set(String::new()),
            current_district: Set(String::new()),
            current_commune: Set(String::new()),
            current_unit: Set(None),
            family_contact: Set("Mẹ: 0912 000 000".into()),
            substances: Set("Heroin".into()),
            education: Set("9/12".into()),
            occupation: Set("Lao động tự do".into()),
            created_at: Set(Utc::now()),
            created_by: Set(None),
        },
        admission: admission::ActiveModel {
            id: Set(id),
            resident_id: Set(id),
            admission_type: Set(t.as_str().into()),
            status: Set(if present { "active" } else { "released" }.into()),
            presence: Set(if present { presence } else { "present" }.into()),
            presence_since: Set(admitted_on),
            admitted_on: Set(admitted_on),
            document_number: Set(format!("{}/{}/QĐ-TA", 1 + n % 400, admitted_on.year())),
            document_date: Set(admitted_on - Duration::days(3)),
            issuing_body: Set("TAND khu vực 1 - Hà Nội".into()),
            guardian_name: Set(String::new()),
            term_months: Set(term),
            prior_rehabilitations: Set(0),
            rule_id: Set(None),
            regime_code: Set("L73_2021".into()),
            temp_days: Set(0),
            expected_end: Set(expected_end),
            half_term_on: Set(half_term_on),
            zone: Set(String::new()),
            stage: Set(1 + (span / 90).min(4) as i32),
            stage_since: Set(None),
            health_on_arrival: Set("Tỉnh táo".into()),
            documents_received: Set("Quyết định; lý lịch tóm tắt".into()),
            belongings: Set(String::new()),
            released_on: Set(released_on),
            release_reason: Set((!present).then(|| {
                if t == AdmissionType::Determination {
                    "determination_done"
                } else {
                    "completion"
                }
                .to_owned()
            })),
            release_document: Set(String::new()),
            from_centre: Set(None),
            to_centre: Set(None),
            created_at: Set(Utc::now()),
            created_by: Set(None),
            infectious: Set(false),
            transfer_package_id: Set(None),
            transfer_record: Set(String::new()),
        },
        events,
        present,
        kind,
        sex,
        admitted_on,
        released_on,
    }
}

async fn insert_batches<C, E, A>(conn: &C, rows: Vec<A>) -> AppResult<()>
where
    C: ConnectionTrait,
    E: EntityTrait<ActiveModel = A>,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(BATCH));
        E::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// PostgreSQL identity columns do not move when ids are given: set them past the data.
async fn reset_sequences<C: ConnectionTrait>(conn: &C, tables: &[&str]) -> AppResult<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for t in tables {
        conn.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
        ))
        .await?;
    }
    Ok(())
}

/// Seeds the largest centre at `scale` (on an empty register). Returns the admissions
/// written.
pub async fn seed_centre<C: ConnectionTrait>(
    conn: &C,
    scale: f64,
    today: NaiveDate,
    progress: Progress<'_>,
) -> AppResult<usize> {
    if resident::Entity::find().count(conn).await? > 0 {
        return Err(AppError::Conflict("error.profile_not_empty"));
    }
    let size = CentreSize::at(scale);
    crate::beds::demo::seed(conn, size.beds, today).await?;
    let mut rng = Lcg(0x5eed_2026);
    let total = size.admissions;
    let mut stays = Vec::with_capacity(total);
    for n in 1..=total {
        stays.push(stay(&mut rng, n, n <= size.present, today));
    }
    let mut written = 0u64;
    for chunk in stays.chunks(1_000) {
        insert_batches(conn, chunk.iter().map(|s| s.resident.clone()).collect()).await?;
        insert_batches(conn, chunk.iter().map(|s| s.admission.clone()).collect()).await?;
        let events: Vec<_> = chunk.iter().flat_map(|s| s.events.clone()).collect();
        insert_batches(conn, events).await?;
        written += chunk.len() as u64;
        progress("admissions", written, total as u64);
    }
    reset_sequences(conn, &["resident", "admission"]).await?;
    place_in_beds(conn, &stays, today).await?;
    progress("beds", 1, 1);
    occupancy_history(conn, &stays, today, size.beds).await?;
    progress("occupancy history", 1, 1);
    // Five years of the weekly programme with its attendance (design.md §2's timetable
    // at the size the calendar and attendance pages must serve).
    let five_years = today - chrono::Duration::days(5 * 365);
    crate::treatment::demo::seed_programme_since(conn, today, five_years).await?;
    progress("programme", 1, 1);
    Ok(total)
}

/// Present residents (not escaped) in a free bed of a zone of their kind and sex.
async fn place_in_beds<C: ConnectionTrait>(
    conn: &C,
    stays: &[Stay],
    today: NaiveDate,
) -> AppResult<()> {
    let zones: HashMap<i32, zone::Model> = zone::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|z| (z.id, z))
        .collect();
    let rooms: HashMap<i32, i32> = room::Entity::find()
        .select_only()
        .column(room::Column::Id)
        .column(room::Column::ZoneId)
        .into_tuple::<(i32, i32)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut free: HashMap<(String, String), Vec<(i32, String)>> = HashMap::new();
    for b in bed::Entity::find().all(conn).await? {
        let Some(z) = rooms.get(&b.room_id).and_then(|r| zones.get(r)) else {
            continue;
        };
        if b.state == crate::beds::store::IN_SERVICE {
            free.entry((z.kind.clone(), z.sex.clone()))
                .or_default()
                .push((b.id, z.name.clone()));
        }
    }
    let mut assignments = Vec::new();
    let mut zone_of: Vec<(i32, String)> = Vec::new();
    for s in stays.iter().filter(|s| s.present) {
        if s.admission.presence.as_ref() != "present" {
            continue;
        }
        let Some((bed_id, zone_name)) = free
            .get_mut(&(s.kind.to_owned(), s.sex.to_owned()))
            .and_then(Vec::pop)
        else {
            continue;
        };
        let admission_id = *s.admission.id.as_ref();
        zone_of.push((admission_id, zone_name));
        assignments.push(bed_assignment::ActiveModel {
            bed_id: Set(bed_id),
            admission_id: Set(admission_id),
            from_at: Set(s
                .admitted_on
                .and_hms_opt(9, 0, 0)
                .unwrap_or_default()
                .and_utc()),
            to_at: Set(None),
            reason: Set(String::new()),
            override_reason: Set(String::new()),
            assigned_by: Set("profile".into()),
            ended_by: Set(String::new()),
            ..Default::default()
        });
    }
    insert_batches(conn, assignments).await?;
    // The admission's zone is the bed's.
    let mut by_zone: HashMap<String, Vec<i32>> = HashMap::new();
    for (id, z) in zone_of {
        by_zone.entry(z).or_default().push(id);
    }
    for (z, ids) in by_zone {
        for chunk in ids.chunks(500) {
            admission::Entity::update_many()
                .col_expr(
                    admission::Column::Zone,
                    sea_orm::sea_query::Expr::value(z.clone()),
                )
                .filter(admission::COLUMN.id.is_in(chunk.to_vec()))
                .exec(conn)
                .await?;
        }
    }
    let _ = today;
    Ok(())
}

/// Five years of daily occupancy, reconstructed from the stays.
async fn occupancy_history<C: ConnectionTrait>(
    conn: &C,
    stays: &[Stay],
    today: NaiveDate,
    beds: i32,
) -> AppResult<()> {
    let first = today - Duration::days(YEARS * 365);
    let mut delta: HashMap<NaiveDate, i64> = HashMap::new();
    for s in stays {
        *delta.entry(s.admitted_on).or_default() += 1;
        if let Some(r) = s.released_on {
            *delta.entry(r + Duration::days(1)).or_default() -= 1;
        }
    }
    let mut n: i64 = delta
        .iter()
        .filter(|(d, _)| **d < first)
        .map(|(_, v)| v)
        .sum();
    let now = Utc::now();
    let mut rows = Vec::new();
    for d in first.iter_days().take_while(|d| *d < today) {
        n += delta.get(&d).copied().unwrap_or(0);
        let v = i32::try_from(n).unwrap_or(0);
        rows.push(occupancy_day::ActiveModel {
            day: Set(d),
            occupancy: Set(v),
            present: Set(v),
            working_beds: Set(Some(beds)),
            beds_used: Set(None),
            design_scale: Set(beds),
            receiving_capacity: Set(beds),
            source: Set(crate::beds::history::RECONSTRUCTED.into()),
            recorded_at: Set(now),
            ..Default::default()
        });
    }
    insert_batches(conn, rows).await
}

/// Seeds a department with seven centres × five years of day figures (and, with
/// `summaries`, the daily summaries they came from).
pub async fn seed_department<C: ConnectionTrait>(
    conn: &C,
    scale: f64,
    today: NaiveDate,
    summaries: bool,
    progress: Progress<'_>,
) -> AppResult<usize> {
    let centres = crate::seed::centres()?;
    let first = today - Duration::days(YEARS * 365);
    let mut rng = Lcg(0xdead_2026);
    let mut written = 0;
    for (i, c) in centres.iter().enumerate() {
        let capacity = (f64::from(c.receiving_capacity) * scale.max(0.01)).round() as i64;
        let mut occupancy = capacity * 9 / 10;
        let mut days = Vec::new();
        let mut bodies = Vec::new();
        for (seq, d) in first.iter_days().take_while(|d| *d < today).enumerate() {
            let intakes = rng.below(6) as i64;
            let releases = rng.below(6) as i64;
            occupancy = (occupancy + intakes - releases).clamp(0, capacity);
            let s = day_summary(
                &c.code,
                seq as i64 + 1,
                d,
                c.design_scale,
                capacity,
                occupancy,
                intakes,
                releases,
            );
            days.push(centre_day::ActiveModel {
                centre_code: Set(c.code.clone()),
                day: Set(d),
                sequence: Set(s.sequence),
                kind: Set(s.period.kind.clone()),
                design_scale: Set(c.design_scale),
                receiving_capacity: Set(i32::try_from(capacity).unwrap_or(i32::MAX)),
                working_beds: Set(None),
                occupancy: Set(i32::try_from(occupancy).unwrap_or(i32::MAX)),
                residents: Set(
                    serde_json::to_string(&crate::department::days::resident_cells(&s))
                        .unwrap_or_default(),
                ),
                intakes: Set(serde_json::to_string(&s.movements.intakes).unwrap_or_default()),
                releases: Set(serde_json::to_string(&s.movements.releases).unwrap_or_default()),
                escapes: Set(0),
                escape_returns: Set(0),
                intakes_total: Set(intakes),
                releases_total: Set(releases),
                ..Default::default()
            });
            if summaries {
                let body = serde_json::to_string(&s).unwrap_or_default();
                bodies.push(received_summary::ActiveModel {
                    centre_code: Set(c.code.clone()),
                    sequence: Set(s.sequence),
                    schema: Set(s.schema.clone()),
                    kind: Set(s.period.kind.clone()),
                    as_of: Set(s.as_of),
                    period_from: Set(d),
                    period_to: Set(d),
                    body_sha256: Set(crate::auth::session::sha256_hex(&body)),
                    body: Set(body),
                    received_at: Set(s.as_of),
                    ..Default::default()
                });
            }
        }
        written += days.len();
        insert_batches(conn, days).await?;
        insert_batches(conn, bodies).await?;
        progress("centre days", i as u64 + 1, centres.len() as u64);
    }
    reset_sequences(conn, &["centre_day", "received_summary"]).await?;
    Ok(written)
}

#[allow(clippy::too_many_arguments)]
fn day_summary(
    centre: &str,
    sequence: i64,
    day: NaiveDate,
    design: i32,
    capacity: i64,
    occupancy: i64,
    intakes: i64,
    releases: i64,
) -> crate::summary::schema::OccupancySummary {
    use crate::summary::schema::{
        Capacity, Movements, OccupancySummary, Period, ResidentCell, SCHEMA,
    };
    let cell = |t: &str, sex: &str, n: i64| ResidentCell {
        admission_type: t.into(),
        sex: sex.into(),
        age_band: "adult".into(),
        count: n,
    };
    let women = occupancy / 15;
    let voluntary = occupancy / 5;
    OccupancySummary {
        schema: SCHEMA.into(),
        centre: centre.into(),
        sequence,
        as_of: day.and_hms_opt(16, 59, 0).unwrap_or_default().and_utc(),
        period: Period {
            kind: "daily".into(),
            from: day,
            to: day,
        },
        capacity: Capacity {
            design_scale: i64::from(design),
            receiving_capacity: capacity,
            working_beds: None,
            occupancy,
        },
        residents: vec![
            cell("compulsory_adult", "male", occupancy - women - voluntary),
            cell("compulsory_adult", "female", women),
            cell("voluntary", "male", voluntary),
        ],
        presence: Default::default(),
        movements: Movements {
            intakes: [("compulsory_adult".to_owned(), intakes)]
                .into_iter()
                .collect(),
            releases: [("completion".to_owned(), releases)].into_iter().collect(),
            escapes: 0,
            escape_returns: 0,
        },
        methadone: None,
        vocational: None,
        labour: None,
        areas: std::collections::BTreeMap::new(),
    }
}
