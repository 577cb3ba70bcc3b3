//! The nightly roll count (điểm danh): a snapshot of who is where, taken from the
//! records, then confirmed by staff who mark anyone not found.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::occupancy::RollStatus;
use super::store::open_assignments;
use crate::audit::{self, Actor};
use crate::entities::{admission, bed, roll_call, roll_call_line};
use crate::error::{AppError, AppResult};
use crate::intake::rules::Presence;
use crate::intake::store::ACTIVE;

/// Counts of one roll count.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RollCounts {
    pub on_register: i64,
    pub in_bed: i64,
    pub no_bed: i64,
    pub out: i64,
    pub arrivals: i64,
    pub departures: i64,
    pub missing: i64,
}

pub fn counts(lines: &[roll_call_line::Model]) -> RollCounts {
    let mut c = RollCounts::default();
    for l in lines {
        match l.status.as_str() {
            "in_bed" => c.in_bed += 1,
            "no_bed" => c.no_bed += 1,
            "out" => c.out += 1,
            _ => c.departures += 1,
        }
        if l.status != RollStatus::Departed.as_str() {
            c.on_register += 1;
        }
        if l.arrived {
            c.arrivals += 1;
        }
        if l.missing {
            c.missing += 1;
        }
    }
    c
}

/// Takes the roll count for `day` from the records (or returns the one already taken).
pub async fn take<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    day: NaiveDate,
) -> AppResult<roll_call::Model> {
    if let Some(existing) = roll_call::Entity::find()
        .filter(roll_call::COLUMN.day.eq(day))
        .one(conn)
        .await?
    {
        return Ok(existing);
    }
    let previous = roll_call::Entity::find()
        .filter(roll_call::COLUMN.day.lt(day))
        .order_by_desc(roll_call::COLUMN.day)
        .one(conn)
        .await?;
    let previous_ids: HashSet<i32> = match &previous {
        Some(p) => roll_call_line::Entity::find()
            .filter(roll_call_line::COLUMN.roll_call_id.eq(p.id))
            .filter(
                roll_call_line::COLUMN
                    .status
                    .ne(RollStatus::Departed.as_str()),
            )
            .all(conn)
            .await?
            .into_iter()
            .map(|l| l.admission_id)
            .collect(),
        None => HashSet::new(),
    };
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?;
    let beds: HashMap<i32, String> = bed::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.code))
        .collect();
    let bed_of: HashMap<i32, String> = open_assignments(conn)
        .await?
        .into_iter()
        .filter_map(|o| Some((o.admission_id, beds.get(&o.bed_id)?.clone())))
        .collect();
    let rc = roll_call::ActiveModel {
        day: Set(day),
        taken_at: Set(Utc::now()),
        taken_by: Set(actor.username.clone()),
        confirmed_at: Set(None),
        confirmed_by: Set(String::new()),
        note: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut lines = Vec::new();
    let active_ids: HashSet<i32> = active.iter().map(|a| a.id).collect();
    for a in &active {
        let bed_code = bed_of.get(&a.id).cloned().unwrap_or_default();
        let status = RollStatus::classify(
            a.presence == Presence::Present.as_str(),
            !bed_code.is_empty(),
        );
        lines.push(roll_call_line::ActiveModel {
            roll_call_id: Set(rc.id),
            admission_id: Set(a.id),
            status: Set(status.as_str().into()),
            presence: Set(a.presence.clone()),
            bed_code: Set(bed_code),
            zone: Set(a.zone.clone()),
            // With no earlier count, nobody is an arrival.
            arrived: Set(previous.is_some() && !previous_ids.contains(&a.id)),
            missing: Set(false),
            remark: Set(String::new()),
            ..Default::default()
        });
    }
    for id in previous_ids.difference(&active_ids) {
        lines.push(roll_call_line::ActiveModel {
            roll_call_id: Set(rc.id),
            admission_id: Set(*id),
            status: Set(RollStatus::Departed.as_str().into()),
            presence: Set(String::new()),
            bed_code: Set(String::new()),
            zone: Set(String::new()),
            arrived: Set(false),
            missing: Set(false),
            remark: Set(String::new()),
            ..Default::default()
        });
    }
    let n = lines.len();
    for chunk in lines.chunks(200) {
        roll_call_line::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    audit::record(
        conn,
        actor,
        "roll_call.take",
        "roll_call",
        rc.id,
        json!({ "day": day, "lines": n }),
    )
    .await?;
    Ok(rc)
}

/// One line as shown: the line with the resident's name and code.
pub struct RollLine {
    pub line: roll_call_line::Model,
    pub resident_id: i32,
    pub name: String,
    pub code: String,
}

pub async fn get<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> AppResult<(roll_call::Model, Vec<RollLine>)> {
    let rc = roll_call::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = roll_call_line::Entity::find()
        .filter(roll_call_line::COLUMN.roll_call_id.eq(id))
        .all(conn)
        .await?;
    let people =
        super::store::residents_by_admission(conn, lines.iter().map(|l| l.admission_id).collect())
            .await?;
    let mut out: Vec<RollLine> = lines
        .into_iter()
        .map(|l| {
            let p = people.get(&l.admission_id);
            RollLine {
                resident_id: p.map(|p| p.id).unwrap_or_default(),
                name: p.map(|p| p.full_name.clone()).unwrap_or_default(),
                code: p.map(|p| p.code.clone()).unwrap_or_default(),
                line: l,
            }
        })
        .collect();
    // Zone, then bed, then name: the order staff walk the wards in.
    out.sort_by(|a, b| {
        (
            &a.line.status == "departed",
            &a.line.zone,
            &a.line.bed_code,
            &a.name,
        )
            .cmp(&(
                &b.line.status == "departed",
                &b.line.zone,
                &b.line.bed_code,
                &b.name,
            ))
    });
    Ok((rc, out))
}

/// The roll counts, newest first, with their counts.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    limit: u64,
) -> AppResult<Vec<(roll_call::Model, RollCounts)>> {
    use sea_orm::QuerySelect;
    let calls = roll_call::Entity::find()
        .order_by_desc(roll_call::COLUMN.day)
        .limit(limit)
        .all(conn)
        .await?;
    let lines = roll_call_line::Entity::find()
        .filter(
            roll_call_line::COLUMN
                .roll_call_id
                .is_in(calls.iter().map(|c| c.id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    let mut by_call: HashMap<i32, Vec<roll_call_line::Model>> = HashMap::new();
    for l in lines {
        by_call.entry(l.roll_call_id).or_default().push(l);
    }
    Ok(calls
        .into_iter()
        .map(|c| {
            let n = counts(by_call.get(&c.id).map(Vec::as_slice).unwrap_or_default());
            (c, n)
        })
        .collect())
}

/// Staff confirm the count: the listed lines were not found. A confirmed count is
/// final; a second confirmation is refused.
pub async fn confirm<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    id: i32,
    missing_line_ids: &[i32],
    note: &str,
) -> AppResult<roll_call::Model> {
    let rc = roll_call::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if rc.confirmed_at.is_some() {
        return Err(AppError::invalid("note", "error.roll_call_confirmed"));
    }
    if note.chars().count() > 2000 {
        return Err(AppError::invalid("note", "error.too_long"));
    }
    let lines = roll_call_line::Entity::find()
        .filter(roll_call_line::COLUMN.roll_call_id.eq(id))
        .all(conn)
        .await?;
    let wanted: HashSet<i32> = missing_line_ids.iter().copied().collect();
    let mut missing = Vec::new();
    for l in lines {
        // Only residents expected in the centre can be missing from it.
        if wanted.contains(&l.id) && matches!(l.status.as_str(), "in_bed" | "no_bed") {
            missing.push(l.admission_id);
            let mut am = l.into_active_model();
            am.missing = Set(true);
            am.update(conn).await?;
        }
    }
    let mut am = rc.into_active_model();
    am.confirmed_at = Set(Some(Utc::now()));
    am.confirmed_by = Set(actor.username.clone());
    am.note = Set(note.trim().to_owned());
    let rc = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "roll_call.confirm",
        "roll_call",
        id,
        json!({ "day": rc.day, "missing_admissions": missing, "note": rc.note }),
    )
    .await?;
    Ok(rc)
}
