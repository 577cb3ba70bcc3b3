//! Beds storage and services: the structure, assignments (assign, transfer, vacate),
//! suggestions and the occupancy board.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use serde_json::json;

use super::rules::{self, Occupant, ZoneKind};
use crate::audit::{self, Actor};
use crate::entities::{admission, bed, bed_assignment, resident, room, zone};
use crate::error::{AppError, AppResult, FieldErrors, Msg, is_unique_violation};
use crate::intake::rules::{AdmissionType, Sex, age_on};
use crate::intake::store::ACTIVE;

pub const IN_SERVICE: &str = "in_service";
pub const OUT_OF_SERVICE: &str = "out_of_service";

pub struct Structure {
    pub zones: Vec<zone::Model>,
    pub rooms: Vec<room::Model>,
    pub beds: Vec<bed::Model>,
}

pub async fn structure<C: ConnectionTrait>(conn: &C) -> AppResult<Structure> {
    Ok(Structure {
        zones: zone::Entity::find()
            .order_by_asc(zone::COLUMN.code)
            .all(conn)
            .await?,
        rooms: room::Entity::find()
            .order_by_asc(room::COLUMN.code)
            .all(conn)
            .await?,
        beds: bed::Entity::find()
            .order_by_asc(bed::COLUMN.code)
            .all(conn)
            .await?,
    })
}

pub async fn open_assignments<C: ConnectionTrait>(
    conn: &C,
) -> AppResult<Vec<bed_assignment::Model>> {
    Ok(bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .all(conn)
        .await?)
}

/// The bed an admission is in now, with its room and zone.
pub async fn current_bed<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<Option<(bed::Model, room::Model, zone::Model)>> {
    let Some(a) = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.admission_id.eq(admission_id))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let Some(b) = bed::Entity::find_by_id(a.bed_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(r) = room::Entity::find_by_id(b.room_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(z) = zone::Entity::find_by_id(r.zone_id).one(conn).await? else {
        return Ok(None);
    };
    Ok(Some((b, r, z)))
}

fn occupant(a: &admission::Model, p: &resident::Model, today: NaiveDate) -> Option<Occupant> {
    Some(Occupant {
        admission_type: AdmissionType::parse(&a.admission_type)?,
        sex: Sex::parse(&p.sex)?,
        age: age_on(p.date_of_birth, today),
        infectious: a.infectious,
    })
}

/// A free bed that fits every rule.
#[derive(Clone, Debug)]
pub struct BedChoice {
    pub bed_id: i32,
    pub label: String,
}

/// Free, in-service beds that satisfy every rule, best first: the admission type's own
/// zone before medical/infectious ones, then the emptiest room, then the bed code.
pub async fn suggestions<C: ConnectionTrait>(
    conn: &C,
    a: &admission::Model,
    p: &resident::Model,
    today: NaiveDate,
    limit: usize,
) -> AppResult<Vec<BedChoice>> {
    let Some(o) = occupant(a, p, today) else {
        return Ok(Vec::new());
    };
    let s = structure(conn).await?;
    let taken: HashMap<i32, ()> = open_assignments(conn)
        .await?
        .into_iter()
        .map(|x| (x.bed_id, ()))
        .collect();
    let mut per_room_used: HashMap<i32, usize> = HashMap::new();
    for b in &s.beds {
        if taken.contains_key(&b.id) {
            *per_room_used.entry(b.room_id).or_default() += 1;
        }
    }
    let home = if o.infectious {
        ZoneKind::Infectious
    } else {
        ZoneKind::home_of(o.admission_type)
    };
    let mut choices: Vec<(u8, usize, String, BedChoice)> = Vec::new();
    for b in &s.beds {
        if b.state != IN_SERVICE || taken.contains_key(&b.id) {
            continue;
        }
        let Some(r) = s.rooms.iter().find(|r| r.id == b.room_id) else {
            continue;
        };
        let Some(z) = s.zones.iter().find(|z| z.id == r.zone_id && z.active) else {
            continue;
        };
        let (Some(kind), Some(zsex)) = (ZoneKind::parse(&z.kind), Sex::parse(&z.sex)) else {
            continue;
        };
        if rules::check_zone(kind, zsex, &o).is_err() {
            continue;
        }
        let rank = if kind == home { 0 } else { 1 };
        choices.push((
            rank,
            per_room_used.get(&r.id).copied().unwrap_or(0),
            b.code.clone(),
            BedChoice {
                bed_id: b.id,
                label: format!("{} · {} · {}", z.name, r.code, b.code),
            },
        ));
    }
    choices.sort_by(|x, y| (x.0, x.1, &x.2).cmp(&(y.0, y.1, &y.2)));
    Ok(choices.into_iter().take(limit).map(|c| c.3).collect())
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssignForm {
    pub bed_id: String,
    pub reason: String,
    /// A director's written reason for placing outside the zone rules.
    pub override_reason: String,
}

/// Puts an admission in a bed (a transfer when it already has one). Rule violations are
/// refused unless a director gives a written reason; a taken bed is always refused.
pub async fn assign<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    is_director: bool,
    admission_id: i32,
    f: &AssignForm,
    today: NaiveDate,
) -> AppResult<bed_assignment::Model> {
    let mut e = FieldErrors::new();
    let a = admission::Entity::find_by_id(admission_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.status != ACTIVE {
        return Err(AppError::invalid("bed_id", "error.admission_not_active"));
    }
    let p = resident::Entity::find_by_id(a.resident_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let Ok(bed_id) = f.bed_id.trim().parse::<i32>() else {
        return Err(AppError::invalid("bed_id", "error.required"));
    };
    let b = bed::Entity::find_by_id(bed_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid("bed_id", "error.bed_unknown"))?;
    if b.state != IN_SERVICE {
        return Err(AppError::invalid("bed_id", "error.bed_out_of_service"));
    }
    let r = room::Entity::find_by_id(b.room_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let z = zone::Entity::find_by_id(r.zone_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = occupant(&a, &p, today).ok_or(AppError::Internal(anyhow::anyhow!(
        "admission {} cannot be placed",
        a.id
    )))?;
    let kind = ZoneKind::parse(&z.kind)
        .ok_or(AppError::Internal(anyhow::anyhow!("zone kind {}", z.kind)))?;
    let zsex =
        Sex::parse(&z.sex).ok_or(AppError::Internal(anyhow::anyhow!("zone sex {}", z.sex)))?;
    let override_reason = f.override_reason.trim();
    if let Err(m) = rules::check_zone(kind, zsex, &o) {
        if override_reason.is_empty() {
            e.add("bed_id", m);
        } else if !is_director {
            e.add("override_reason", "error.override_director_only");
        }
    }
    if f.reason.chars().count() > 500 || override_reason.chars().count() > 1000 {
        e.add("reason", "error.too_long");
    }
    e.into_result()?;
    let occupied = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.bed_id.eq(b.id))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .one(conn)
        .await?;
    if let Some(other) = occupied {
        if other.admission_id == a.id {
            return Ok(other);
        }
        return Err(AppError::invalid(
            "bed_id",
            Msg::new("error.bed_taken").arg("bed", &b.code),
        ));
    }
    let before = vacate_in(conn, actor, a.id, "transfer").await?;
    let row = bed_assignment::ActiveModel {
        bed_id: Set(b.id),
        admission_id: Set(a.id),
        from_at: Set(Utc::now()),
        to_at: Set(None),
        reason: Set(f.reason.trim().to_owned()),
        override_reason: Set(override_reason.to_owned()),
        assigned_by: Set(actor.username.clone()),
        ended_by: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| {
        // Two clerks chose the same bed at the same moment: the database let one win.
        if is_unique_violation(&err) {
            AppError::invalid("bed_id", Msg::new("error.bed_taken").arg("bed", &b.code))
        } else {
            err.into()
        }
    })?;
    let zone_before = a.zone.clone();
    let mut am = a.into_active_model();
    am.zone = Set(z.name.clone());
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        if override_reason.is_empty() { "bed.assign" } else { "bed.assign_override" },
        "admission",
        admission_id,
        json!({ "before": { "bed": before, "zone": zone_before }, "after": { "bed": b.code, "zone": z.name }, "override_reason": override_reason, "reason": f.reason.trim() }),
    )
    .await?;
    Ok(row)
}

/// Ends the admission's open bed assignment; returns the bed code it held.
async fn vacate_in<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    reason: &str,
) -> AppResult<Option<String>> {
    let Some(open) = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.admission_id.eq(admission_id))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let code = bed::Entity::find_by_id(open.bed_id)
        .one(conn)
        .await?
        .map(|b| b.code);
    let mut am = open.into_active_model();
    am.to_at = Set(Some(Utc::now()));
    am.ended_by = Set(actor.username.clone());
    if !reason.is_empty() {
        am.reason = Set(reason.to_owned());
    }
    am.update(conn).await?;
    Ok(code)
}

/// Frees the admission's bed (release, hospital, or a clerk's choice), audited.
pub async fn vacate<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    reason: &str,
) -> AppResult<bool> {
    match vacate_in(conn, actor, admission_id, reason).await? {
        Some(code) => {
            audit::record(
                conn,
                actor,
                "bed.vacate",
                "admission",
                admission_id,
                json!({ "before": { "bed": code }, "reason": reason }),
            )
            .await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// One bed on the board.
pub struct BedCell {
    pub bed: bed::Model,
    pub occupant: Option<(i32, String, String)>,
}

pub struct RoomRow {
    pub room: room::Model,
    pub beds: Vec<BedCell>,
    pub ceiling: i64,
}

pub struct ZoneBoard {
    pub zone: zone::Model,
    pub rooms: Vec<RoomRow>,
    pub used: usize,
    pub free: usize,
    pub out: usize,
}

/// Zones → rooms → beds with who is in each (the occupancy board).
pub async fn board<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<ZoneBoard>> {
    let s = structure(conn).await?;
    let open = open_assignments(conn).await?;
    let admissions: HashMap<i32, admission::Model> = admission::Entity::find()
        .filter(
            admission::COLUMN
                .id
                .is_in(open.iter().map(|o| o.admission_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let people: HashMap<i32, resident::Model> = resident::Entity::find()
        .filter(
            resident::COLUMN.id.is_in(
                admissions
                    .values()
                    .map(|a| a.resident_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let by_bed: HashMap<i32, (i32, String, String)> = open
        .iter()
        .filter_map(|o| {
            let a = admissions.get(&o.admission_id)?;
            let p = people.get(&a.resident_id)?;
            Some((o.bed_id, (p.id, p.full_name.clone(), p.code.clone())))
        })
        .collect();
    let mut out = Vec::new();
    for z in s.zones {
        let mut rooms = Vec::new();
        let (mut used, mut free, mut oos) = (0, 0, 0);
        for r in s.rooms.iter().filter(|r| r.zone_id == z.id) {
            let beds: Vec<BedCell> = s
                .beds
                .iter()
                .filter(|b| b.room_id == r.id)
                .map(|b| BedCell {
                    occupant: by_bed.get(&b.id).cloned(),
                    bed: b.clone(),
                })
                .collect();
            for c in &beds {
                match (c.bed.state.as_str(), c.occupant.is_some()) {
                    (_, true) => used += 1,
                    (IN_SERVICE, false) => free += 1,
                    _ => oos += 1,
                }
            }
            rooms.push(RoomRow {
                ceiling: rules::room_ceiling(r.floor_area_m2, r.care_24h),
                room: r.clone(),
                beds,
            });
        }
        out.push(ZoneBoard {
            zone: z,
            rooms,
            used,
            free,
            out: oos,
        });
    }
    Ok(out)
}
