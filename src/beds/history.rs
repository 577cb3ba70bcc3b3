//! Occupancy over time: the daily record, the 12-month history, capacity changes,
//! planned intakes and the 90-day forecast.

use std::collections::HashSet;

use chrono::{Days, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::occupancy::{self, CapacityChange, Forecast, Planned, Stay};
use super::store::IN_SERVICE;
use crate::audit::{self, Actor};
use crate::centres::capacity;
use crate::entities::{admission, centre, centre_capacity, occupancy_day, planned_intake};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::intake::rules::{AdmissionType, Presence};
use crate::intake::store::ACTIVE;

/// Days of history kept on screen and reconstructed when missing.
pub const HISTORY_DAYS: u64 = 365;
/// Days ahead in the forecast.
pub const FORECAST_DAYS: u32 = 90;

pub const LIVE: &str = "live";
pub const RECONSTRUCTED: &str = "reconstructed";

/// Dated capacity of one centre: `(effective_from, design scale, receiving capacity)`.
async fn dated_capacity<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
) -> AppResult<Vec<centre_capacity::Model>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    // One statement: the centre is found by its code inside it.
    let centre_id = Query::select()
        .column(centre::Column::Id)
        .from(centre::Entity)
        .and_where(Expr::col(centre::Column::Code).eq(centre_code))
        .to_owned();
    Ok(centre_capacity::Entity::find()
        .filter(Expr::col(centre_capacity::Column::CentreId).in_subquery(centre_id))
        .order_by_asc(centre_capacity::COLUMN.effective_from)
        .order_by_asc(centre_capacity::COLUMN.id)
        .all(conn)
        .await?)
}

fn figures_on(rows: &[centre_capacity::Model], day: NaiveDate) -> (i32, i32) {
    rows.first()
        .and_then(|r| capacity::in_force(rows, r.centre_id, day))
        .map_or((0, 0), |r| (r.design_scale, r.receiving_capacity))
}

async fn upsert_day<C: ConnectionTrait>(
    conn: &C,
    row: occupancy_day::ActiveModel,
    day: NaiveDate,
) -> AppResult<()> {
    match occupancy_day::Entity::find()
        .filter(occupancy_day::COLUMN.day.eq(day))
        .one(conn)
        .await?
    {
        Some(existing) => {
            let mut am = row;
            am.id = Set(existing.id);
            am.update(conn).await?;
        }
        None => {
            row.insert(conn).await?;
        }
    }
    Ok(())
}

/// The centre's figures at this moment, in one statement of four counts: the one
/// source of "residents on the register" for the home page, the occupancy headline and
/// today's line of the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Now {
    pub occupancy: i64,
    pub present: i64,
    pub working_beds: i64,
    pub beds_used: i64,
}

pub async fn now<C: ConnectionTrait>(conn: &C) -> AppResult<Now> {
    let sql = format!(
        "SELECT \
           (SELECT COUNT(*) FROM admission WHERE status = '{ACTIVE}') AS occupancy, \
           (SELECT COUNT(*) FROM admission WHERE status = '{ACTIVE}' AND presence = '{present}') AS present, \
           (SELECT COUNT(*) FROM bed WHERE state = '{IN_SERVICE}') AS working_beds, \
           (SELECT COUNT(*) FROM bed_assignment WHERE to_at IS NULL) AS beds_used",
        present = Presence::Present.as_str()
    );
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql);
    <Now as sea_orm::FromQueryResult>::find_by_statement(stmt)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no row from the figures query")))
}

/// Whether today's stored line says what the register and the capacity in force today
/// (`(design scale, receiving capacity)`) say now.
pub fn line_is_current(line: &occupancy_day::Model, now: Now, capacity: (i32, i32)) -> bool {
    i64::from(line.occupancy) == now.occupancy
        && i64::from(line.present) == now.present
        && line.working_beds.map(i64::from) == Some(now.working_beds)
        && line.beds_used.map(i64::from) == Some(now.beds_used)
        && (line.design_scale, line.receiving_capacity) == capacity
}

/// The stored days from `from` to `today`, today's line first rewritten when a movement
/// or a capacity change since the last hourly record has made it differ from the
/// register: every reader of the history (the occupancy page, its CSV, the API) shows
/// what the home page shows. Days the centre was not running are reconstructed in the
/// same write. A read writes only when the line is missing or out of date, so readers
/// rarely queue behind a write.
pub async fn days_current(
    db: &sea_orm::DatabaseConnection,
    centre_code: &str,
    from: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<occupancy_day::Model>> {
    let rows = days(db, from, today).await?;
    let n = now(db).await?;
    let capacity = figures_on(&dated_capacity(db, centre_code).await?, today);
    let current = rows
        .last()
        .is_some_and(|r| r.day == today && line_is_current(r, n, capacity));
    if current {
        return Ok(rows);
    }
    let txn = crate::db::begin_write(db).await?;
    record_today(&txn, centre_code, today).await?;
    fill_gaps(&txn, centre_code, today).await?;
    txn.commit().await?;
    days(db, from, today).await
}

/// Writes today's line from the register as it is now.
pub async fn record_today<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    today: NaiveDate,
) -> AppResult<()> {
    let n = now(conn).await?;
    let caps = dated_capacity(conn, centre_code).await?;
    let (design, receiving) = figures_on(&caps, today);
    let count = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    upsert_day(
        conn,
        occupancy_day::ActiveModel {
            day: Set(today),
            occupancy: Set(count(n.occupancy)),
            present: Set(count(n.present)),
            working_beds: Set(Some(count(n.working_beds))),
            beds_used: Set(Some(count(n.beds_used))),
            design_scale: Set(design),
            receiving_capacity: Set(receiving),
            source: Set(LIVE.into()),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        },
        today,
    )
    .await
}

/// Fills the days of the last year that have no record (the centre was not running)
/// from the admission records. Returns how many days were filled.
pub async fn fill_gaps<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    today: NaiveDate,
) -> AppResult<usize> {
    let Some(first) = today.checked_sub_days(Days::new(HISTORY_DAYS)) else {
        return Ok(0);
    };
    let have: HashSet<NaiveDate> = occupancy_day::Entity::find()
        .filter(occupancy_day::COLUMN.day.gte(first))
        .select_only()
        .column(occupancy_day::Column::Day)
        .into_tuple::<NaiveDate>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let missing: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| *d < today)
        .filter(|d| !have.contains(d))
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    let stays: Vec<Stay> = admission::Entity::find()
        .select_only()
        .column(admission::Column::AdmittedOn)
        .column(admission::Column::ReleasedOn)
        .into_tuple::<(NaiveDate, Option<NaiveDate>)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(admitted_on, released_on)| Stay {
            admitted_on,
            released_on,
        })
        .collect();
    let caps = dated_capacity(conn, centre_code).await?;
    let now = Utc::now();
    let rows: Vec<occupancy_day::ActiveModel> = missing
        .iter()
        .map(|d| {
            let (design, receiving) = figures_on(&caps, *d);
            let n = occupancy::occupancy_on(&stays, *d) as i32;
            occupancy_day::ActiveModel {
                day: Set(*d),
                occupancy: Set(n),
                // Presence is not kept per day in the records: the reconstruction
                // counts the register only.
                present: Set(n),
                working_beds: Set(None),
                beds_used: Set(None),
                design_scale: Set(design),
                receiving_capacity: Set(receiving),
                source: Set(RECONSTRUCTED.into()),
                recorded_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    let filled = rows.len();
    for chunk in rows.chunks(200) {
        occupancy_day::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(filled)
}

/// The stored days from `from` to `to`, oldest first.
pub async fn days<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<occupancy_day::Model>> {
    Ok(occupancy_day::Entity::find()
        .filter(occupancy_day::COLUMN.day.gte(from))
        .filter(occupancy_day::COLUMN.day.lte(to))
        .order_by_asc(occupancy_day::COLUMN.day)
        .all(conn)
        .await?)
}

/// The forecast from the records: expected release dates, planned intakes and the
/// dated receiving capacity.
pub async fn forecast<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    today: NaiveDate,
) -> AppResult<Forecast> {
    let ends: Vec<Option<NaiveDate>> = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .select_only()
        .column(admission::Column::ExpectedEnd)
        .into_tuple::<Option<NaiveDate>>()
        .all(conn)
        .await?;
    let planned: Vec<Planned> = planned_intakes(conn, today)
        .await?
        .iter()
        .map(|p| Planned {
            on: p.expected_on,
            count: i64::from(p.count),
        })
        .collect();
    let caps: Vec<(NaiveDate, i64)> = dated_capacity(conn, centre_code)
        .await?
        .iter()
        .map(|r| (r.effective_from, i64::from(r.receiving_capacity)))
        .collect();
    Ok(occupancy::forecast(
        today,
        FORECAST_DAYS,
        &ends,
        &planned,
        &caps,
    ))
}

/// Planned intakes still ahead (not cancelled), soonest first.
pub async fn planned_intakes<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> AppResult<Vec<planned_intake::Model>> {
    Ok(planned_intake::Entity::find()
        .filter(planned_intake::COLUMN.cancelled_at.is_null())
        .filter(planned_intake::COLUMN.expected_on.gt(today))
        .order_by_asc(planned_intake::COLUMN.expected_on)
        .order_by_asc(planned_intake::COLUMN.id)
        .all(conn)
        .await?)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlannedIntakeForm {
    /// dd/mm/yyyy, after today.
    #[schema(required = true)]
    pub expected_on: String,
    #[schema(required = true)]
    pub count: String,
    /// compulsory_adult, compulsory_minor, voluntary, temporary or determination.
    #[schema(required = true)]
    pub admission_type: String,
    pub note: String,
}

pub async fn add_planned_intake<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    f: &PlannedIntakeForm,
    today: NaiveDate,
) -> AppResult<planned_intake::Model> {
    let mut e = FieldErrors::new();
    let on = parse_date(&f.expected_on);
    match on {
        None if f.expected_on.trim().is_empty() => e.add("expected_on", "error.required"),
        None => e.add("expected_on", "error.date_format"),
        Some(d) if d <= today => e.add("expected_on", "error.date_not_ahead"),
        Some(d) if d > today + Days::new(366) => e.add("expected_on", "error.date_too_far"),
        Some(_) => {}
    }
    let count = f
        .count
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=1000).contains(n));
    if count.is_none() {
        e.add("count", "error.planned_count");
    }
    let kind = AdmissionType::parse(&f.admission_type);
    if kind.is_none() {
        e.add("admission_type", "error.required");
    }
    if f.note.chars().count() > 500 {
        e.add("note", "error.too_long");
    }
    let (Some(on), Some(count), Some(kind), true) = (on, count, kind, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let row = planned_intake::ActiveModel {
        expected_on: Set(on),
        count: Set(count),
        admission_type: Set(kind.as_str().into()),
        note: Set(f.note.trim().to_owned()),
        created_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        cancelled_at: Set(None),
        cancelled_by: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "planned_intake.create",
        "planned_intake",
        row.id,
        json!({ "after": { "expected_on": on, "count": count, "type": row.admission_type } }),
    )
    .await?;
    Ok(row)
}

/// Cancels a planned intake (kept, marked cancelled).
pub async fn cancel_planned_intake<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    id: i32,
) -> AppResult<()> {
    let row = planned_intake::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.cancelled_at.is_some() {
        return Ok(());
    }
    let mut am = row.into_active_model();
    am.cancelled_at = Set(Some(Utc::now()));
    am.cancelled_by = Set(actor.username.clone());
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "planned_intake.cancel",
        "planned_intake",
        id,
        json!({}),
    )
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CapacityForm {
    /// dd/mm/yyyy: the day the new figures take effect.
    #[schema(required = true)]
    pub effective_from: String,
    /// Quy mô thiết kế.
    #[schema(required = true)]
    pub design_scale: String,
    /// Khả năng tiếp nhận.
    #[schema(required = true)]
    pub receiving_capacity: String,
    /// Why (a decision number, a renovation): required.
    pub reason: String,
}

/// Records a dated capacity change for this centre (director only), refused below the
/// residents on the register.
pub async fn change_capacity<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    f: &CapacityForm,
    today: NaiveDate,
) -> AppResult<centre_capacity::Model> {
    let mut e = FieldErrors::new();
    let from = parse_date(&f.effective_from);
    if from.is_none() {
        e.add(
            "effective_from",
            if f.effective_from.trim().is_empty() {
                "error.required"
            } else {
                "error.date_format"
            },
        );
    }
    let num = |s: &str| s.trim().replace(['.', ' '], "").parse::<i64>().ok();
    let design = num(&f.design_scale);
    let receiving = num(&f.receiving_capacity);
    if design.is_none() {
        e.add("design_scale", "error.positive_number");
    }
    if receiving.is_none() {
        e.add("receiving_capacity", "error.positive_number");
    }
    let c = centre::Entity::find()
        .filter(centre::COLUMN.code.eq(centre_code))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let occupancy = now(conn).await?.occupancy;
    let rows = dated_capacity(conn, centre_code).await?;
    let latest = rows.iter().map(|r| r.effective_from).max();
    let (Some(from), Some(design), Some(receiving)) = (from, design, receiving) else {
        return Err(AppError::Invalid(e));
    };
    let change = CapacityChange {
        effective_from: from,
        design_scale: design,
        receiving_capacity: receiving,
    };
    occupancy::check_capacity_change(&change, &f.reason, occupancy, latest, today)
        .map_err(AppError::Invalid)?;
    let before =
        capacity::in_force(&rows, c.id, from).map(|r| (r.design_scale, r.receiving_capacity));
    let row = centre_capacity::ActiveModel {
        centre_id: Set(c.id),
        effective_from: Set(from),
        design_scale: Set(design as i32),
        receiving_capacity: Set(receiving as i32),
        reason: Set(f.reason.trim().to_owned()),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "capacity.change",
        "centre",
        c.id,
        json!({
            "before": before.map(|(d, r)| json!({ "design_scale": d, "receiving_capacity": r })),
            "after": { "effective_from": from, "design_scale": design, "receiving_capacity": receiving },
            "reason": row.reason,
        }),
    )
    .await?;
    Ok(row)
}

/// The centre's capacity rows, newest first (the change log).
pub async fn capacity_log<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
) -> AppResult<Vec<centre_capacity::Model>> {
    let mut rows = dated_capacity(conn, centre_code).await?;
    rows.reverse();
    Ok(rows)
}
