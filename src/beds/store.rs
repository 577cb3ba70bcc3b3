//! Beds storage and services: the structure, assignments (assign, transfer, vacate),
//! suggestions and the occupancy board.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::json;

use super::rules::{self, Occupant, ZoneKind};
use crate::audit::{self, Actor};
use crate::entities::{admission, bed, bed_assignment, bed_state_change, resident, room, zone};
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

/// Names of the centre's active zones, in code order (filters and choices).
pub async fn zone_names<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<String>> {
    Ok(zone::Entity::find()
        .filter(zone::COLUMN.active.eq(true))
        .order_by_asc(zone::COLUMN.code)
        .all(conn)
        .await?
        .into_iter()
        .map(|z| z.name)
        .collect())
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
/// The zone rules are checked in Rust over the zones (a few rows); the beds are chosen,
/// ordered and cut to `limit` in SQL, so the page never reads the whole ward.
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
    let home = if o.infectious {
        ZoneKind::Infectious
    } else {
        ZoneKind::home_of(o.admission_type)
    };
    let zones = zone::Entity::find()
        .filter(zone::COLUMN.active.eq(true))
        .all(conn)
        .await?;
    let fitting: Vec<(i32, bool, String)> = zones
        .into_iter()
        .filter_map(|z| {
            let (kind, sex) = (ZoneKind::parse(&z.kind)?, Sex::parse(&z.sex)?);
            rules::check_zone(kind, sex, &o).ok()?;
            Some((z.id, kind == home, z.name))
        })
        .collect();
    if fitting.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i32, String> = fitting.iter().map(|(id, _, n)| (*id, n.clone())).collect();
    let free = free_beds(conn, &fitting, limit).await?;
    Ok(free
        .into_iter()
        .map(|f| BedChoice {
            bed_id: f.bed_id,
            label: format!(
                "{} · {} · {}",
                names.get(&f.zone_id).map_or("", String::as_str),
                f.room_code,
                f.bed_code
            ),
        })
        .collect())
}

#[derive(FromQueryResult)]
struct FreeBed {
    bed_id: i32,
    bed_code: String,
    room_code: String,
    zone_id: i32,
}

/// Free in-service beds of the given zones `(id, is the home zone, name)`: home zones
/// first, then the room with the fewest beds in use, then the bed code.
async fn free_beds<C: ConnectionTrait>(
    conn: &C,
    zones: &[(i32, bool, String)],
    limit: usize,
) -> AppResult<Vec<FreeBed>> {
    use sea_orm::sea_query::{Alias, CaseStatement, Expr, ExprTrait, Func, Order, Query};
    let open = |bed: Expr| {
        Query::select()
            .expr(Expr::val(1))
            .from_as(bed_assignment::Entity, Alias::new("ba"))
            .and_where(Expr::col((Alias::new("ba"), bed_assignment::Column::BedId)).eq(bed))
            .and_where(Expr::col((Alias::new("ba"), bed_assignment::Column::ToAt)).is_null())
            .to_owned()
    };
    let in_use = Query::select()
        .expr(Func::count(Expr::val(1)))
        .from_as(bed::Entity, Alias::new("b2"))
        .and_where(
            Expr::col((Alias::new("b2"), bed::Column::RoomId))
                .equals((room::Entity, room::Column::Id)),
        )
        .and_where(Expr::exists(open(Expr::col((
            Alias::new("b2"),
            bed::Column::Id,
        )))))
        .to_owned();
    let home: Vec<i32> = zones.iter().filter(|z| z.1).map(|z| z.0).collect();
    let rank = CaseStatement::new()
        .case(
            Expr::col((room::Entity, room::Column::ZoneId)).is_in(home),
            0,
        )
        .finally(1);
    let mut q = Query::select();
    q.from(bed::Entity)
        .inner_join(
            room::Entity,
            Expr::col((room::Entity, room::Column::Id)).equals((bed::Entity, bed::Column::RoomId)),
        )
        .expr_as(Expr::col((bed::Entity, bed::Column::Id)), "bed_id")
        .expr_as(Expr::col((bed::Entity, bed::Column::Code)), "bed_code")
        .expr_as(Expr::col((room::Entity, room::Column::Code)), "room_code")
        .expr_as(Expr::col((room::Entity, room::Column::ZoneId)), "zone_id")
        .and_where(Expr::col((bed::Entity, bed::Column::State)).eq(IN_SERVICE))
        .and_where(Expr::col((room::Entity, room::Column::ZoneId)).is_in(zones.iter().map(|z| z.0)))
        .and_where(Expr::exists(open(Expr::col((bed::Entity, bed::Column::Id)))).not())
        .order_by_expr(rank.into(), Order::Asc)
        .order_by_expr(Expr::SubQuery(None, Box::new(in_use.into())), Order::Asc)
        .order_by((bed::Entity, bed::Column::Code), Order::Asc)
        .limit(limit as u64);
    let stmt = sea_orm::StatementBuilder::build(&q, &conn.get_database_backend());
    Ok(FreeBed::find_by_statement(stmt).all(conn).await?)
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AssignForm {
    /// Id of the bed (see the suggestions).
    #[schema(required = true)]
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
    let row = open_assignment(
        conn,
        actor,
        &b,
        a.id,
        (f.reason.trim(), override_reason),
        Utc::now(),
        "bed_id",
    )
    .await?;
    let zone_before = a.zone.clone();
    let mut am = a.into_active_model();
    am.zone = Set(z.name.clone());
    am.update(conn).await?;
    let left_out = crate::care::on_zone_change(conn, admission_id, &z.name, today).await?;
    audit::record(
        conn,
        actor,
        if override_reason.is_empty() { "bed.assign" } else { "bed.assign_override" },
        "admission",
        admission_id,
        json!({ "before": { "bed": before, "zone": zone_before }, "after": { "bed": b.code, "zone": z.name }, "override_reason": override_reason, "reason": f.reason.trim(), "sessions_left_out": left_out }),
    )
    .await?;
    Ok(row)
}

/// Opens an assignment of an admission to a bed. Two clerks choosing the same bed at the
/// same moment: the database lets one win and the other gets `error.bed_taken` on
/// `field`.
async fn open_assignment<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    b: &bed::Model,
    admission_id: i32,
    (reason, override_reason): (&str, &str),
    at: chrono::DateTime<Utc>,
    field: &'static str,
) -> AppResult<bed_assignment::Model> {
    bed_assignment::ActiveModel {
        bed_id: Set(b.id),
        admission_id: Set(admission_id),
        from_at: Set(at),
        to_at: Set(None),
        reason: Set(reason.to_owned()),
        override_reason: Set(override_reason.to_owned()),
        assigned_by: Set(actor.username.clone()),
        ended_by: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::invalid(field, Msg::new("error.bed_taken").arg("bed", &b.code))
        } else {
            err.into()
        }
    })
}

/// The resident of each admission, by admission id (one query per table, for lists).
pub async fn residents_by_admission<C: ConnectionTrait>(
    conn: &C,
    admission_ids: Vec<i32>,
) -> AppResult<HashMap<i32, resident::Model>> {
    let admissions: HashMap<i32, i32> = admission::Entity::find()
        .filter(admission::COLUMN.id.is_in(admission_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.resident_id))
        .collect();
    let people: HashMap<i32, resident::Model> = resident::Entity::find()
        .filter(
            resident::COLUMN
                .id
                .is_in(admissions.values().copied().collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(admissions
        .into_iter()
        .filter_map(|(a, r)| Some((a, people.get(&r)?.clone())))
        .collect())
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
    /// Rooms of the zone (all of them, whether or not `rooms` holds them).
    pub room_count: u64,
    /// Occupants of the zone by admission type and sex.
    pub breakdown: Breakdown,
}

/// Residents counted by admission type × sex.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakdown {
    cells: HashMap<(AdmissionType, Sex), usize>,
}

/// One row of a breakdown table.
pub struct BreakdownRow {
    pub admission_type: AdmissionType,
    pub male: usize,
    pub female: usize,
}

impl BreakdownRow {
    pub fn total(&self) -> usize {
        self.male + self.female
    }
}

impl Breakdown {
    pub fn add_n(&mut self, t: AdmissionType, s: Sex, n: usize) {
        *self.cells.entry((t, s)).or_default() += n;
    }
    pub fn add(&mut self, t: AdmissionType, s: Sex) {
        *self.cells.entry((t, s)).or_default() += 1;
    }

    pub fn get(&self, t: AdmissionType, s: Sex) -> usize {
        self.cells.get(&(t, s)).copied().unwrap_or(0)
    }

    /// Rows for the admission types present, in the legal order.
    pub fn rows(&self) -> Vec<BreakdownRow> {
        AdmissionType::ALL
            .iter()
            .map(|t| BreakdownRow {
                admission_type: *t,
                male: self.get(*t, Sex::Male),
                female: self.get(*t, Sex::Female),
            })
            .filter(|r| r.total() > 0)
            .collect()
    }

    pub fn total_of(&self, s: Sex) -> usize {
        AdmissionType::ALL.iter().map(|t| self.get(*t, s)).sum()
    }

    pub fn total(&self) -> usize {
        self.cells.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }
}

/// Who lies in each occupied bed: one joined query of the few columns the board shows.
#[derive(sea_orm::FromQueryResult)]
struct BoardOccupant {
    bed_id: i32,
    resident_id: i32,
    full_name: String,
    code: String,
}

/// The occupants of the beds of the rooms `room_ids`.
async fn occupants<C: ConnectionTrait>(
    conn: &C,
    room_ids: &[i32],
) -> AppResult<Vec<BoardOccupant>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut q = Query::select();
    q.from(bed_assignment::Entity)
        .inner_join(
            bed::Entity,
            Expr::col((bed::Entity, bed::Column::Id))
                .equals((bed_assignment::Entity, bed_assignment::Column::BedId)),
        )
        .inner_join(
            admission::Entity,
            Expr::col((admission::Entity, admission::Column::Id))
                .equals((bed_assignment::Entity, bed_assignment::Column::AdmissionId)),
        )
        .inner_join(
            resident::Entity,
            Expr::col((resident::Entity, resident::Column::Id))
                .equals((admission::Entity, admission::Column::ResidentId)),
        )
        .column((bed_assignment::Entity, bed_assignment::Column::BedId))
        .expr_as(
            Expr::col((resident::Entity, resident::Column::Id)),
            "resident_id",
        )
        .column((resident::Entity, resident::Column::FullName))
        .column((resident::Entity, resident::Column::Code))
        .and_where(Expr::col((bed_assignment::Entity, bed_assignment::Column::ToAt)).is_null())
        .and_where(Expr::col((bed::Entity, bed::Column::RoomId)).is_in(room_ids.iter().copied()));
    let stmt = sea_orm::StatementBuilder::build(&q, &conn.get_database_backend());
    Ok(BoardOccupant::find_by_statement(stmt).all(conn).await?)
}

/// Every zone with its bed counts and its occupants by type × sex, and everyone on the
/// register (in a bed or not) by type × sex: counted in SQL, two statements whatever
/// the size of the centre; rooms are left empty for [`fill_rooms`].
pub async fn zone_figures<C: ConnectionTrait>(conn: &C) -> AppResult<(Vec<ZoneBoard>, Breakdown)> {
    #[derive(FromQueryResult)]
    struct Counts {
        used: i64,
        free: i64,
        out_of_service: i64,
        room_count: i64,
    }
    #[derive(FromQueryResult)]
    struct Cell {
        zone_id: Option<i32>,
        admission_type: String,
        sex: String,
        n: i64,
    }
    let backend = conn.get_database_backend();
    let zones = format!(
        "SELECT zone.*, COALESCE(c.used, 0) AS used, COALESCE(c.free, 0) AS free, \
           COALESCE(c.out_of_service, 0) AS out_of_service, \
           (SELECT COUNT(*) FROM room WHERE room.zone_id = zone.id) AS room_count \
         FROM zone LEFT JOIN ( \
           SELECT room.zone_id AS zone_id, \
             SUM(CASE WHEN ba.id IS NOT NULL THEN 1 ELSE 0 END) AS used, \
             SUM(CASE WHEN ba.id IS NULL AND bed.state = '{IN_SERVICE}' THEN 1 ELSE 0 END) AS free, \
             SUM(CASE WHEN ba.id IS NULL AND bed.state <> '{IN_SERVICE}' THEN 1 ELSE 0 END) AS out_of_service \
           FROM bed JOIN room ON room.id = bed.room_id \
           LEFT JOIN bed_assignment ba ON ba.bed_id = bed.id AND ba.to_at IS NULL \
           GROUP BY room.zone_id) c ON c.zone_id = zone.id \
         ORDER BY zone.code"
    );
    // The zone of each resident's open bed, none for those without a bed.
    let cells = format!(
        "SELECT room.zone_id AS zone_id, admission.admission_type AS admission_type, \
           resident.sex AS sex, COUNT(*) AS n \
         FROM admission JOIN resident ON resident.id = admission.resident_id \
         LEFT JOIN bed_assignment ba ON ba.admission_id = admission.id AND ba.to_at IS NULL \
         LEFT JOIN bed ON bed.id = ba.bed_id LEFT JOIN room ON room.id = bed.room_id \
         WHERE admission.status = '{ACTIVE}' \
         GROUP BY room.zone_id, admission.admission_type, resident.sex"
    );
    let (mut breakdowns, mut register) = (HashMap::<i32, Breakdown>::new(), Breakdown::default());
    for c in Cell::find_by_statement(sea_orm::Statement::from_string(backend, cells))
        .all(conn)
        .await?
    {
        if let (Some(t), Some(sex)) = (AdmissionType::parse(&c.admission_type), Sex::parse(&c.sex))
        {
            let n = usize::try_from(c.n).unwrap_or(0);
            register.add_n(t, sex, n);
            if let Some(z) = c.zone_id {
                breakdowns.entry(z).or_default().add_n(t, sex, n);
            }
        }
    }
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    let mut out = Vec::new();
    for row in conn
        .query_all_raw(sea_orm::Statement::from_string(backend, zones))
        .await?
    {
        let z = zone::Model::from_query_result(&row, "")?;
        let c = Counts::from_query_result(&row, "")?;
        out.push(ZoneBoard {
            used: n(c.used),
            free: n(c.free),
            out: n(c.out_of_service),
            room_count: u64::try_from(c.room_count).unwrap_or(0),
            breakdown: breakdowns.remove(&z.id).unwrap_or_default(),
            rooms: Vec::new(),
            zone: z,
        });
    }
    Ok((out, register))
}

/// Rooms `(offset, count)` in code order, to draw a long zone a page at a time.
pub type RoomWindow = Option<(u64, u64)>;

/// Reads the rooms, beds and occupants of the zones `show` picks (the others keep
/// their figures only), the rooms cut to `window`: a long ward plan is read one zone,
/// and a long zone one page of rooms, at a time.
pub async fn fill_rooms<C: ConnectionTrait>(
    conn: &C,
    zones: &mut [ZoneBoard],
    show: impl Fn(&zone::Model) -> bool,
    window: RoomWindow,
) -> AppResult<()> {
    let ids: Vec<i32> = zones
        .iter()
        .filter(|z| show(&z.zone))
        .map(|z| z.zone.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut rooms = room::Entity::find()
        .filter(room::COLUMN.zone_id.is_in(ids))
        .order_by_asc(room::COLUMN.zone_id)
        .order_by_asc(room::COLUMN.code);
    if let Some((offset, count)) = window {
        rooms = rooms.offset(offset).limit(count);
    }
    let rooms = rooms.all(conn).await?;
    let room_ids: Vec<i32> = rooms.iter().map(|r| r.id).collect();
    let beds = bed::Entity::find()
        .filter(bed::COLUMN.room_id.is_in(room_ids.clone()))
        .order_by_asc(bed::COLUMN.code)
        .all(conn)
        .await?;
    let by_bed: HashMap<i32, (i32, String, String)> = occupants(conn, &room_ids)
        .await?
        .into_iter()
        .map(|o| (o.bed_id, (o.resident_id, o.full_name, o.code)))
        .collect();
    // Grouped once: rooms by zone, beds by room (not a scan of every bed per room).
    let mut rooms_of: HashMap<i32, Vec<room::Model>> = HashMap::new();
    for r in rooms {
        rooms_of.entry(r.zone_id).or_default().push(r);
    }
    let mut beds_of: HashMap<i32, Vec<BedCell>> = HashMap::new();
    for b in beds {
        beds_of.entry(b.room_id).or_default().push(BedCell {
            occupant: by_bed.get(&b.id).cloned(),
            bed: b,
        });
    }
    for z in zones.iter_mut() {
        z.rooms = rooms_of
            .remove(&z.zone.id)
            .unwrap_or_default()
            .into_iter()
            .map(|r| RoomRow {
                ceiling: rules::room_ceiling(r.floor_area_m2, r.care_24h),
                beds: beds_of.remove(&r.id).unwrap_or_default(),
                room: r,
            })
            .collect();
    }
    Ok(())
}

/// Zones → rooms → beds with who is in each (the whole occupancy board).
pub async fn board<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<ZoneBoard>> {
    let (mut zones, _) = zone_figures(conn).await?;
    fill_rooms(conn, &mut zones, |_| true, None).await?;
    Ok(zones)
}

/// Checks that an admission may lie in a bed of zone `z` (zone rules, director
/// override with a reason).
fn check_fit(
    a: &admission::Model,
    p: &resident::Model,
    z: &zone::Model,
    today: NaiveDate,
    override_reason: &str,
    is_director: bool,
    field: &'static str,
    e: &mut FieldErrors,
) {
    let (Some(o), Some(kind), Some(zsex)) = (
        occupant(a, p, today),
        ZoneKind::parse(&z.kind),
        Sex::parse(&z.sex),
    ) else {
        e.add(field, "error.bed_unknown");
        return;
    };
    if let Err(m) = rules::check_zone(kind, zsex, &o) {
        if override_reason.is_empty() {
            e.add(field, m);
        } else if !is_director {
            e.add("override_reason", "error.override_director_only");
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SwapForm {
    /// Code of the other occupied bed (e.g. B1-P03-05).
    #[schema(required = true)]
    pub other_bed: String,
    pub reason: String,
    /// A director's written reason when either resident ends up outside the zone rules.
    pub override_reason: String,
}

/// Who lies in a bed now: the open assignment with its admission and resident.
async fn occupant_of<C: ConnectionTrait>(
    conn: &C,
    b: &bed::Model,
) -> AppResult<Option<(bed_assignment::Model, admission::Model, resident::Model)>> {
    let Some(open) = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.bed_id.eq(b.id))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let a = admission::Entity::find_by_id(open.admission_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = resident::Entity::find_by_id(a.resident_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Some((open, a, p)))
}

async fn zone_of_bed<C: ConnectionTrait>(conn: &C, b: &bed::Model) -> AppResult<zone::Model> {
    let r = room::Entity::find_by_id(b.room_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    zone::Entity::find_by_id(r.zone_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Swaps the residents of two occupied beds in one step (both assignments end, two
/// new ones begin), each checked against the other's zone.
pub async fn swap<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    is_director: bool,
    bed_id: i32,
    f: &SwapForm,
    today: NaiveDate,
) -> AppResult<()> {
    let first = bed::Entity::find_by_id(bed_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let code = f.other_bed.trim().to_uppercase();
    if code.is_empty() {
        return Err(AppError::invalid("other_bed", "error.required"));
    }
    let second = bed::Entity::find()
        .filter(bed::COLUMN.code.eq(code.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid("other_bed", "error.bed_unknown"))?;
    if second.id == first.id {
        return Err(AppError::invalid("other_bed", "error.swap_same_bed"));
    }
    let (Some((oa, a1, p1)), Some((ob, a2, p2))) = (
        occupant_of(conn, &first).await?,
        occupant_of(conn, &second).await?,
    ) else {
        return Err(AppError::invalid("other_bed", "error.swap_needs_two"));
    };
    let (z1, z2) = (
        zone_of_bed(conn, &first).await?,
        zone_of_bed(conn, &second).await?,
    );
    let override_reason = f.override_reason.trim();
    let mut e = FieldErrors::new();
    // Resident 1 goes to bed 2's zone and resident 2 to bed 1's.
    check_fit(
        &a1,
        &p1,
        &z2,
        today,
        override_reason,
        is_director,
        "other_bed",
        &mut e,
    );
    check_fit(
        &a2,
        &p2,
        &z1,
        today,
        override_reason,
        is_director,
        "other_bed",
        &mut e,
    );
    if f.reason.chars().count() > 500 || override_reason.chars().count() > 1000 {
        e.add("reason", "error.too_long");
    }
    e.into_result()?;
    let now = Utc::now();
    for open in [oa, ob] {
        let mut am = open.into_active_model();
        am.to_at = Set(Some(now));
        am.ended_by = Set(actor.username.clone());
        am.reason = Set("swap".into());
        am.update(conn).await?;
    }
    for (b, a, z) in [(&second, &a1, &z2), (&first, &a2, &z1)] {
        open_assignment(
            conn,
            actor,
            b,
            a.id,
            (f.reason.trim(), override_reason),
            now,
            "other_bed",
        )
        .await?;
        if a.zone != z.name {
            let mut am = a.clone().into_active_model();
            am.zone = Set(z.name.clone());
            am.update(conn).await?;
            crate::care::on_zone_change(conn, a.id, &z.name, today).await?;
        }
    }
    audit::record(
        conn,
        actor,
        if override_reason.is_empty() { "bed.swap" } else { "bed.swap_override" },
        "bed",
        first.id,
        json!({ "beds": [first.code, second.code], "admissions": [a1.id, a2.id], "reason": f.reason.trim(), "override_reason": override_reason }),
    )
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BedStateForm {
    /// `in_service` or `out_of_service`.
    #[schema(required = true)]
    pub state: String,
    /// Required when taking a bed out of service.
    pub reason: String,
    /// dd/mm/yyyy: expected return to service (temporary closures).
    pub until: String,
    /// "true" when the bed is withdrawn for good.
    pub permanent: String,
}

/// Takes a bed out of service (reason, expected return, temporary or permanent) or
/// puts it back. An occupied bed must be vacated first.
pub async fn set_state<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    bed_id: i32,
    f: &BedStateForm,
    today: NaiveDate,
) -> AppResult<bed::Model> {
    let b = bed::Entity::find_by_id(bed_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let permanent = f.permanent == "true";
    let (state, until) = match f.state.trim() {
        OUT_OF_SERVICE => {
            if f.reason.trim().is_empty() {
                e.add("reason", "error.reason_required");
            } else if f.reason.chars().count() > 500 {
                e.add("reason", "error.too_long");
            }
            let until = if f.until.trim().is_empty() || permanent {
                None
            } else {
                match crate::i18n::parse_date(&f.until) {
                    Some(d) if d < today => {
                        e.add("until", "error.date_not_ahead");
                        None
                    }
                    Some(d) => Some(d),
                    None => {
                        e.add("until", "error.date_format");
                        None
                    }
                }
            };
            if occupant_of(conn, &b).await?.is_some() {
                e.add("state", "error.bed_occupied");
            }
            (OUT_OF_SERVICE, until)
        }
        IN_SERVICE => (IN_SERVICE, None),
        _ => {
            e.add("state", "error.required");
            (IN_SERVICE, None)
        }
    };
    e.into_result()?;
    if state == b.state && state == IN_SERVICE {
        return Ok(b);
    }
    let before = json!({ "state": b.state, "reason": b.out_reason, "until": b.out_until, "permanent": b.out_permanent });
    let reason = if state == OUT_OF_SERVICE {
        f.reason.trim().to_owned()
    } else {
        String::new()
    };
    let mut am = b.into_active_model();
    am.state = Set(state.into());
    am.out_reason = Set(reason.clone());
    am.out_until = Set(until);
    am.out_permanent = Set(state == OUT_OF_SERVICE && permanent);
    let b = am.update(conn).await?;
    bed_state_change::ActiveModel {
        bed_id: Set(b.id),
        at: Set(Utc::now()),
        state: Set(state.into()),
        reason: Set(reason),
        until: Set(until),
        permanent: Set(b.out_permanent),
        changed_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "bed.state",
        "bed",
        b.id,
        json!({ "before": before, "after": { "state": b.state, "reason": b.out_reason, "until": b.out_until, "permanent": b.out_permanent } }),
    )
    .await?;
    Ok(b)
}

/// One stay in a bed, as history shows it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Stay {
    pub bed_code: String,
    pub resident_id: i32,
    pub resident_code: String,
    pub resident_name: String,
    pub from_at: chrono::DateTime<Utc>,
    pub to_at: Option<chrono::DateTime<Utc>>,
    pub reason: String,
    pub override_reason: String,
    pub assigned_by: String,
    pub ended_by: String,
}

async fn stays_of<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<bed_assignment::Model>,
) -> AppResult<Vec<Stay>> {
    let beds: HashMap<i32, String> = bed::Entity::find()
        .filter(
            bed::COLUMN
                .id
                .is_in(rows.iter().map(|r| r.bed_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.code))
        .collect();
    let people =
        residents_by_admission(conn, rows.iter().map(|r| r.admission_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let p = people.get(&r.admission_id);
            Stay {
                bed_code: beds.get(&r.bed_id).cloned().unwrap_or_default(),
                resident_id: p.map(|p| p.id).unwrap_or_default(),
                resident_code: p.map(|p| p.code.clone()).unwrap_or_default(),
                resident_name: p.map(|p| p.full_name.clone()).unwrap_or_default(),
                from_at: r.from_at,
                to_at: r.to_at,
                reason: r.reason,
                override_reason: r.override_reason,
                assigned_by: r.assigned_by,
                ended_by: r.ended_by,
            }
        })
        .collect())
}

/// A bed with its room, zone, full assignment history and state changes, newest first.
pub struct BedDetail {
    pub bed: bed::Model,
    pub room: room::Model,
    pub zone: zone::Model,
    pub stays: Vec<Stay>,
    pub changes: Vec<bed_state_change::Model>,
}

pub async fn bed_detail<C: ConnectionTrait>(conn: &C, bed_id: i32) -> AppResult<BedDetail> {
    let b = bed::Entity::find_by_id(bed_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let room = room::Entity::find_by_id(b.room_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = zone::Entity::find_by_id(room.zone_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.bed_id.eq(b.id))
        .order_by_desc(bed_assignment::COLUMN.from_at)
        .order_by_desc(bed_assignment::COLUMN.id)
        .all(conn)
        .await?;
    let changes = bed_state_change::Entity::find()
        .filter(bed_state_change::COLUMN.bed_id.eq(b.id))
        .order_by_desc(bed_state_change::COLUMN.at)
        .order_by_desc(bed_state_change::COLUMN.id)
        .all(conn)
        .await?;
    Ok(BedDetail {
        stays: stays_of(conn, rows).await?,
        bed: b,
        room,
        zone,
        changes,
    })
}

/// Every bed a resident has held (all admissions), newest first.
pub async fn resident_bed_history<C: ConnectionTrait>(
    conn: &C,
    resident_id: i32,
) -> AppResult<Vec<Stay>> {
    let ids: Vec<i32> = admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(resident_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let rows = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.admission_id.is_in(ids))
        .order_by_desc(bed_assignment::COLUMN.from_at)
        .order_by_desc(bed_assignment::COLUMN.id)
        .all(conn)
        .await?;
    stays_of(conn, rows).await
}

#[cfg(test)]
mod reason_label_tests {
    /// The reasons the program itself writes on a stay are shown as labels, in both
    /// languages (typed reasons are shown as typed).
    #[test]
    fn every_recorded_stay_reason_has_a_label() {
        let source = include_str!("store.rs").to_owned()
            + include_str!("pages.rs")
            + include_str!("../intake/store.rs");
        let mut codes: Vec<&str> = ["\"release\"", "\"transfer\"", "\"vacated\"", "\"swap\""]
            .into_iter()
            .filter(|c| source.contains(c))
            .collect();
        codes.dedup();
        assert_eq!(codes.len(), 4, "the codes are still written: {codes:?}");
        for lang in crate::i18n::Lang::ALL {
            for c in &codes {
                let key = format!("bed_reason.{}", c.trim_matches('"'));
                assert!(lang.catalog().has(&key), "{lang:?}: {key}");
            }
        }
    }
}
