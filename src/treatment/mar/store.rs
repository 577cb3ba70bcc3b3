//! The medication administration record's storage: orders (doctors only), each dose
//! recorded once, doses given without an order acknowledged by a doctor, and the
//! nightly marking of scheduled doses nobody recorded. Every write is audited.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::json;

use super::rules::{self, Kind};
use crate::audit::{self, Actor};
use crate::entities::{medication_dose, medication_order};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::intake::store::{ACTIVE, get_admission};
use crate::schedule::recurrence::epoch_minutes;

pub const GIVEN: &str = "given";
pub const NOT_GIVEN: &str = "not_given";
pub const MISSED: &str = "missed";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    pub drug: String,
    pub dose: String,
    pub route: String,
    pub kind: String,
    /// Regular orders: `08:00, 20:00`.
    pub times: String,
    pub indication: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoseForm {
    /// The order, and the scheduled instant for regular and STAT doses.
    pub order: String,
    pub due_at: String,
    /// `given` or `not_given`.
    pub status: String,
    pub reason: String,
    /// HH:MM today (Hanoi); now when empty.
    pub given_time: String,
    /// Without an order: what was given.
    pub drug: String,
    pub dose: String,
    pub route: String,
}

fn text(e: &mut FieldErrors, field: &'static str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        e.add(field, "error.required");
    } else if v.chars().count() > max {
        e.add(field, "error.too_long");
    }
    v.to_owned()
}

/// A doctor's order. Regular orders need their times; as-needed ones an indication.
pub async fn create_order<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &OrderForm,
    today: NaiveDate,
) -> AppResult<i32> {
    if get_admission(conn, admission_id).await?.status != ACTIVE {
        return Err(AppError::invalid("drug", "error.admission_not_active"));
    }
    let mut e = FieldErrors::new();
    let drug = text(&mut e, "drug", &f.drug, 200);
    let dose = text(&mut e, "dose", &f.dose, 100);
    if !rules::ROUTES.contains(&f.route.trim()) {
        e.add("route", "error.required");
    }
    let kind = Kind::parse(f.kind.trim());
    let times = match kind {
        Some(Kind::Regular) => rules::parse_times(&f.times).map_or_else(
            || {
                e.add("times", "mar.error.times");
                String::new()
            },
            |t| rules::store_times(&t),
        ),
        Some(_) => String::new(),
        None => {
            e.add("kind", "error.required");
            String::new()
        }
    };
    if kind == Some(Kind::AsNeeded) && f.indication.trim().is_empty() {
        e.add("indication", "mar.error.indication");
    }
    let starts_on = match f.starts_on.trim() {
        "" => Some(today),
        v => parse_date(v).or_else(|| {
            e.add("starts_on", "error.date_format");
            None
        }),
    };
    let ends_on = match f.ends_on.trim() {
        "" => None,
        v => parse_date(v).or_else(|| {
            e.add("ends_on", "error.date_format");
            None
        }),
    };
    if let (Some(s), Some(x)) = (starts_on, ends_on)
        && x < s
    {
        e.add("ends_on", "chart.error.before_start");
    }
    e.into_result()?;
    let kind = kind.ok_or(AppError::BadRequest("error.invalid"))?;
    let order = medication_order::ActiveModel {
        admission_id: Set(admission_id),
        drug: Set(drug),
        dose: Set(dose),
        route: Set(f.route.trim().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        times: Set(times),
        indication: Set(f.indication.trim().to_owned()),
        // A STAT order is for now: it starts and ends today.
        starts_on: Set(if kind == Kind::Once {
            today
        } else {
            starts_on.unwrap_or(today)
        }),
        ends_on: Set(if kind == Kind::Once {
            Some(today)
        } else {
            ends_on
        }),
        stopped_at: Set(None),
        stop_reason: Set(String::new()),
        ordered_by_name: Set(actor.username.clone()),
        ordered_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "mar.order",
        "admission",
        admission_id,
        // Ids only: a drug's name can reveal a diagnosis, and the log is read more widely.
        json!({ "order": order.id, "kind": order.kind }),
    )
    .await?;
    Ok(order.id)
}

/// A doctor stops an order now: its doses due from now on are no longer due.
pub async fn stop_order<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    order: medication_order::Model,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    if reason.trim().is_empty() {
        return Err(AppError::invalid("stop_reason", "error.required"));
    }
    if order.stopped_at.is_some() {
        return Err(AppError::invalid("stop_reason", "mar.error.stopped"));
    }
    let id = order.id;
    let admission_id = order.admission_id;
    let mut am = order.into_active_model();
    am.stopped_at = Set(Some(now));
    am.stop_reason = Set(reason.trim().to_owned());
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "mar.stop",
        "admission",
        admission_id,
        json!({ "order": id }),
    )
    .await?;
    Ok(())
}

/// The scheduled doses of an order on `day`: regular times from when it was written,
/// or a STAT order's moment; none from the moment it was stopped.
pub fn due_of(o: &medication_order::Model, day: NaiveDate) -> Vec<i64> {
    let ordered = o.ordered_at.timestamp() / 60;
    let due = match Kind::parse(&o.kind) {
        Some(Kind::Regular) => {
            rules::due_on(&rules::stored_times(&o.times), o.starts_on, o.ends_on, day)
        }
        Some(Kind::Once) => {
            let on = crate::schedule::recurrence::local_time(ordered).date();
            if on == day { vec![ordered] } else { Vec::new() }
        }
        _ => Vec::new(),
    };
    due.into_iter()
        .filter(|d| *d >= ordered && o.stopped_at.is_none_or(|s| *d < s))
        .collect()
}

/// The order may be given now (`now` minutes since the epoch): started, not ended,
/// not stopped.
pub fn in_force(o: &medication_order::Model, today: NaiveDate, now: i64) -> bool {
    o.starts_on <= today
        && o.ends_on.is_none_or(|e| e >= today)
        && o.stopped_at.is_none_or(|s| now < s)
}

/// Minutes after the due time before a dose counts as late (and before one may be
/// recorded early, and before an unrecorded one is marked missed).
pub async fn late_window<C: ConnectionTrait>(conn: &C) -> AppResult<i64> {
    crate::schedule::store::setting(conn, "mar_late_minutes", 60).await
}

/// Records one dose: a scheduled one once (given or not given with a reason), an
/// as-needed one with its reason, or one given without an order (a doctor must then
/// acknowledge it). `now` is minutes since the epoch.
pub async fn record_dose<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &DoseForm,
    (today, now): (NaiveDate, i64),
) -> AppResult<()> {
    if get_admission(conn, admission_id).await?.status != ACTIVE {
        return Err(AppError::invalid("status", "error.admission_not_active"));
    }
    let mut e = FieldErrors::new();
    let given = match f.status.trim() {
        GIVEN => true,
        NOT_GIVEN => false,
        _ => {
            e.add("status", "error.required");
            true
        }
    };
    let order = match f.order.trim() {
        "" => None,
        v => {
            let o = match v.parse::<i32>() {
                Ok(id) => medication_order::Entity::find_by_id(id).one(conn).await?,
                Err(_) => None,
            };
            Some(
                o.filter(|o| o.admission_id == admission_id)
                    .ok_or(AppError::NotFound)?,
            )
        }
    };
    let window = late_window(conn).await?;
    let due_at = match (&order, f.due_at.trim()) {
        (Some(o), v) if o.kind != Kind::AsNeeded.as_str() => {
            let due = v.parse::<i64>().ok();
            let day_due = due_of(o, today);
            let yesterday = due_of(o, today - Duration::days(1));
            if due.is_none_or(|d| !day_due.contains(&d) && !yesterday.contains(&d)) {
                e.add("status", "mar.error.not_due");
            } else if due.is_some_and(|d| d > now + window) {
                // A later dose is not recorded ahead: the next shift would withhold it.
                e.add("status", "mar.error.early");
            }
            due
        }
        _ => None,
    };
    // A stopped or ended order is not given (not given may still close a due dose).
    if given && order.as_ref().is_some_and(|o| !in_force(o, today, now)) {
        e.add("status", "mar.error.stopped");
    }
    // A typed time is read on the dose's own day (a dose due before midnight is given
    // at 23:50 even when recorded after it).
    let base = due_at.map_or(today, |d| crate::schedule::recurrence::local_time(d).date());
    let given_at = match f.given_time.trim() {
        "" => now,
        v => match rules::parse_times(v).as_deref() {
            Some([t]) => epoch_minutes(base, *t),
            _ => {
                e.add("given_time", "mar.error.time");
                now
            }
        },
    };
    if given_at > now + 5 {
        e.add("given_time", "mar.error.future");
    } else if due_at.is_some_and(|d| given_at < d - window) {
        e.add("given_time", "mar.error.early");
    }
    let reason = f.reason.trim();
    let as_needed = order
        .as_ref()
        .is_some_and(|o| o.kind == Kind::AsNeeded.as_str());
    if (!given || as_needed || order.is_none()) && reason.is_empty() {
        e.add("reason", "mar.error.reason");
    }
    let (drug, dose, route) = if order.is_none() {
        let drug = text(&mut e, "drug", &f.drug, 200);
        let dose = text(&mut e, "dose", &f.dose, 100);
        if !rules::ROUTES.contains(&f.route.trim()) {
            e.add("route", "error.required");
        }
        (drug, dose, f.route.trim().to_owned())
    } else {
        Default::default()
    };
    e.into_result()?;
    let row = medication_dose::ActiveModel {
        admission_id: Set(admission_id),
        order_id: Set(order.as_ref().map(|o| o.id)),
        due_at: Set(due_at),
        status: Set(if given { GIVEN } else { NOT_GIVEN }.to_owned()),
        reason: Set(reason.to_owned()),
        given_at: Set(given.then_some(given_at)),
        late: Set(given && due_at.is_some_and(|d| rules::is_late(d, given_at, window))),
        drug: Set(drug),
        dose: Set(dose),
        route: Set(route),
        needs_ack: Set(order.is_none()),
        acked_by_name: Set(String::new()),
        acked_at: Set(None),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| {
        if crate::error::is_unique_violation(&err) {
            AppError::invalid("status", "mar.error.recorded")
        } else {
            err.into()
        }
    })?;
    audit::record(
        conn,
        actor,
        "mar.dose",
        "admission",
        admission_id,
        json!({ "dose": row.id, "order": row.order_id, "status": row.status, "late": row.late,
                "without_order": row.needs_ack }),
    )
    .await?;
    Ok(())
}

/// A doctor acknowledges a dose given without an order.
pub async fn acknowledge<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    dose: medication_dose::Model,
) -> AppResult<()> {
    if !dose.needs_ack || dose.acked_at.is_some() {
        return Err(AppError::invalid("ack", "mar.error.acknowledged"));
    }
    let (id, admission_id) = (dose.id, dose.admission_id);
    let mut am = dose.into_active_model();
    am.acked_by_name = Set(actor.username.clone());
    am.acked_at = Set(Some(Utc::now()));
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "mar.ack",
        "admission",
        admission_id,
        json!({ "dose": id }),
    )
    .await?;
    Ok(())
}

/// Marks as missed every scheduled dose of the last days before today (Hanoi) whose
/// window has closed by `now` (minutes since the epoch) with nothing recorded: the
/// nightly check (run hourly, it acts after midnight; a dose due today stays open all
/// day, late once past its window). Running it again writes nothing. Returns how many
/// were marked.
pub async fn mark_missed<C: ConnectionTrait>(conn: &C, now: i64) -> AppResult<usize> {
    let window = late_window(conn).await?;
    let today = crate::schedule::recurrence::local_time(now).date();
    let first = today - Duration::days(2);
    let orders = medication_order::Entity::find()
        .filter(
            medication_order::COLUMN
                .kind
                .is_in([Kind::Regular.as_str(), Kind::Once.as_str()]),
        )
        .filter(medication_order::COLUMN.starts_on.lte(today))
        .filter(
            medication_order::COLUMN
                .ends_on
                .is_null()
                .or(medication_order::COLUMN.ends_on.gte(first)),
        )
        .all(conn)
        .await?;
    let actor = Actor::system("mar");
    let backend = conn.get_database_backend();
    let mut n = 0;
    for o in orders {
        let due: Vec<i64> = first
            .iter_days()
            .take(3)
            .flat_map(|d| due_of(&o, d))
            .filter(|d| d + window < now && *d < epoch_minutes(today, 0))
            .collect();
        if due.is_empty() {
            continue;
        }
        let recorded: Vec<i64> = medication_dose::Entity::find()
            .select_only()
            .column(medication_dose::Column::DueAt)
            .filter(medication_dose::COLUMN.order_id.eq(o.id))
            .filter(medication_dose::COLUMN.due_at.is_in(due.clone()))
            .into_tuple::<Option<i64>>()
            .all(conn)
            .await?
            .into_iter()
            .flatten()
            .collect();
        for d in rules::unrecorded(&due, &recorded) {
            // A dose recorded by a nurse in the meantime wins: nothing is written then.
            let done = conn
                .execute_raw(crate::db::statement(
                    backend,
                    &format!(
                        "INSERT INTO medication_dose (admission_id, order_id, due_at, status, \
                           reason, late, drug, dose, route, needs_ack, acked_by_name, \
                           recorded_by_name, recorded_at) \
                         VALUES (?, ?, ?, '{MISSED}', '', FALSE, '', '', '', FALSE, '', \
                           'system', ?) ON CONFLICT (order_id, due_at) DO NOTHING"
                    ),
                    [
                        o.admission_id.into(),
                        o.id.into(),
                        d.into(),
                        Utc::now().into(),
                    ],
                ))
                .await?;
            if done.rows_affected() > 0 {
                audit::record(
                    conn,
                    &actor,
                    "mar.missed",
                    "admission",
                    o.admission_id,
                    json!({ "order": o.id, "due_at": d }),
                )
                .await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// An admission's orders (latest first) and its doses recorded for `day`.
pub async fn day_of<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    day: NaiveDate,
) -> AppResult<(Vec<medication_order::Model>, Vec<medication_dose::Model>)> {
    // Every order still running, and the latest 50 that are not.
    let running = medication_order::COLUMN.stopped_at.is_null().and(
        medication_order::COLUMN
            .ends_on
            .is_null()
            .or(medication_order::COLUMN.ends_on.gte(day)),
    );
    let mut orders = medication_order::Entity::find()
        .filter(medication_order::COLUMN.admission_id.eq(admission_id))
        .filter(running.clone())
        .order_by_desc(medication_order::COLUMN.id)
        .all(conn)
        .await?;
    orders.extend(
        medication_order::Entity::find()
            .filter(medication_order::COLUMN.admission_id.eq(admission_id))
            .filter(running.not())
            .order_by_desc(medication_order::COLUMN.id)
            .limit(50)
            .all(conn)
            .await?,
    );
    let (from, to) = (
        epoch_minutes(day, 0),
        epoch_minutes(day + Duration::days(1), 0),
    );
    let doses = medication_dose::Entity::find()
        .filter(medication_dose::COLUMN.admission_id.eq(admission_id))
        .filter(
            (medication_dose::COLUMN
                .due_at
                .gte(from)
                .and(medication_dose::COLUMN.due_at.lt(to)))
            .or(medication_dose::COLUMN
                .due_at
                .is_null()
                .and(medication_dose::COLUMN.given_at.gte(from))
                .and(medication_dose::COLUMN.given_at.lt(to)))
            .or(medication_dose::COLUMN
                .needs_ack
                .eq(true)
                .and(medication_dose::COLUMN.acked_at.is_null())),
        )
        .order_by_asc(medication_dose::COLUMN.id)
        .all(conn)
        .await?;
    Ok((orders, doses))
}

/// At release, the admission's orders still running stop at the release (now, or the
/// end of the release day when it is recorded later), each stop audited.
pub async fn on_release<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    on: NaiveDate,
) -> AppResult<()> {
    let stop = std::cmp::min(
        Utc::now().timestamp() / 60,
        epoch_minutes(on + Duration::days(1), 0),
    );
    let running = medication_order::Entity::find()
        .filter(medication_order::COLUMN.admission_id.eq(admission_id))
        .filter(medication_order::COLUMN.stopped_at.is_null())
        .all(conn)
        .await?;
    for o in running
        .into_iter()
        .filter(|o| o.ends_on.is_none_or(|e| e >= on))
    {
        let id = o.id;
        let mut am = o.into_active_model();
        am.ends_on = Set(Some(on));
        am.stopped_at = Set(Some(stop));
        am.stop_reason = Set("release".into());
        am.update(conn).await?;
        audit::record(
            conn,
            actor,
            "mar.stop",
            "admission",
            admission_id,
            json!({ "order": id, "release": true }),
        )
        .await?;
    }
    Ok(())
}
