//! The timetable's storage (design.md §2): a slot is planned once, expanded over the
//! horizon into occurrences, and booked for each member; the clash checks are single
//! statements over the bookings and occurrences, using the (resident, start), (staff,
//! start) and (room, start) indexes. Every write is audited.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, Value,
};
use serde_json::json;

use super::recurrence::{self, HORIZON_DAYS, MAX_MINUTES, Rule};
use crate::audit::{self, Actor};
use crate::db::statement;
use crate::entities::{holiday, schedule_slot, slot_member, slot_occurrence};
use crate::error::{AppError, AppResult, FieldErrors, Msg};

pub const BOOKED: &str = "booked";
pub const CLASH: &str = "clash";
pub const EXCUSED: &str = "excused";
pub const CANCELLED: &str = "cancelled";
/// A member released or transferred: the booking no longer takes time.
pub const LEFT: &str = "left";

/// Who a slot is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Named residents (one for an individual session), by admission.
    Residents(Vec<i32>),
    /// The residents of a zone when the slot is planned.
    Zone(String),
}

/// What happens when a member is already elsewhere at an occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnClash {
    /// The member is left out of that occurrence (and listed to the planner).
    Exclude,
    /// The whole slot is refused.
    Refuse,
}

impl OnClash {
    pub fn as_str(self) -> &'static str {
        match self {
            OnClash::Exclude => "exclude",
            OnClash::Refuse => "refuse",
        }
    }
}

/// A slot to plan.
#[derive(Clone, Debug)]
pub struct NewSlot {
    pub area: &'static str,
    pub kind: String,
    pub title: String,
    pub audience: Audience,
    pub room: String,
    /// The staff member leading it (account id and name).
    pub staff: Option<(i32, String)>,
    pub rule: Rule,
    pub on_clash: OnClash,
    pub note: String,
}

/// A member left out of an occurrence because they are elsewhere.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Clash {
    pub admission_id: i32,
    pub code: String,
    pub full_name: String,
    pub day: NaiveDate,
    /// The slot the member is in at that time.
    pub other: String,
}

/// A room or staff member taken at an occurrence.
#[derive(Clone, Debug, FromQueryResult)]
struct Taken {
    day: NaiveDate,
    title: String,
}

/// The end (exclusive) of the expansion window seen from `today`.
fn horizon(today: NaiveDate) -> NaiveDate {
    today + Duration::days(HORIZON_DAYS)
}

/// Plans a slot: stores it with its members, expands and books it up to the horizon,
/// and checks rooms (refused), staff (warned unless confirmed) and members (excluded or
/// refused, as the planner chose). Returns the slot and the members left out.
pub async fn plan<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    s: &NewSlot,
    today: NaiveDate,
    staff_confirmed: bool,
) -> AppResult<(i32, Vec<Clash>)> {
    let until = horizon(today);
    let members = match &s.audience {
        Audience::Residents(ids) => ids.clone(),
        Audience::Zone(zone) => zone_members(conn, zone).await?,
    };
    // A zone's slot may start empty: residents placed there later join it.
    if members.is_empty() && matches!(s.audience, Audience::Residents(_)) {
        return Err(AppError::invalid("members", "schedule.error.no_members"));
    }
    let slot = insert_slot(conn, actor, s, until).await?;
    let rows = members.iter().map(|a| slot_member::ActiveModel {
        slot_id: Set(slot.id),
        admission_id: Set(*a),
        excused_from: Set(None),
        excuse_note: Set(String::new()),
        left_on: Set(None),
        ..Default::default()
    });
    if !members.is_empty() {
        slot_member::Entity::insert_many(rows).exec(conn).await?;
    }
    book(conn, &slot, slot.first_day, until).await?;
    let mut errors = FieldErrors::new();
    if let Some(t) = taken(conn, slot.id, "room").await? {
        errors.add("room", taken_msg("schedule.error.room_taken", &t));
    }
    if !staff_confirmed && let Some(t) = taken(conn, slot.id, "staff_id").await? {
        errors.add("staff", taken_msg("schedule.warn.staff_busy", &t));
    }
    let clashes = clashes(conn, slot.id).await?;
    if s.on_clash == OnClash::Refuse && !clashes.is_empty() {
        errors.add("members", clash_msg(&clashes));
    }
    errors.into_result()?;
    exclude_clashes(conn, slot.id, i64::MIN).await?;
    audit::record(
        conn,
        actor,
        "schedule.plan",
        "schedule_slot",
        slot.id,
        json!({ "title": s.title, "members": members.len(), "excluded": clashes.len() }),
    )
    .await?;
    Ok((slot.id, clashes))
}

fn taken_msg(key: &str, t: &Taken) -> Msg {
    Msg::new(key)
        .arg("date", t.day.format("%d/%m/%Y"))
        .arg("title", &t.title)
}

fn clash_msg(clashes: &[Clash]) -> Msg {
    let mut names: Vec<&str> = clashes.iter().map(|c| c.full_name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let first = &clashes[0];
    Msg::new("schedule.error.members_clash")
        .arg("n", names.len())
        .arg(
            "names",
            names.iter().take(5).copied().collect::<Vec<_>>().join(", "),
        )
        .arg("date", first.day.format("%d/%m/%Y"))
        .arg("title", &first.other)
}

async fn insert_slot<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    s: &NewSlot,
    until: NaiveDate,
) -> AppResult<schedule_slot::Model> {
    let (audience, zone) = match &s.audience {
        Audience::Residents(_) => ("residents", String::new()),
        Audience::Zone(z) => ("zone", z.clone()),
    };
    let r = &s.rule;
    Ok(schedule_slot::ActiveModel {
        area: Set(s.area.to_owned()),
        kind: Set(s.kind.clone()),
        title: Set(s.title.clone()),
        audience: Set(audience.to_owned()),
        zone: Set(zone),
        room: Set(s.room.trim().to_owned()),
        staff_id: Set(s.staff.as_ref().map(|x| x.0)),
        staff_name: Set(s.staff.as_ref().map(|x| x.1.clone()).unwrap_or_default()),
        first_day: Set(r.first_day),
        last_day: Set(r.last_day),
        weekdays: Set(i32::from(r.weekdays)),
        start_minute: Set(i32::try_from(r.start_minute).unwrap_or(0)),
        duration_minutes: Set(i32::try_from(r.duration_minutes).unwrap_or(0)),
        on_clash: Set(s.on_clash.as_str().to_owned()),
        expanded_until: Set(until),
        cancelled_from: Set(None),
        note: Set(s.note.clone()),
        created_by_name: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// The active admissions of a zone.
async fn zone_members<C: ConnectionTrait>(conn: &C, zone: &str) -> AppResult<Vec<i32>> {
    use crate::entities::admission;
    use sea_orm::QuerySelect;
    Ok(admission::Entity::find()
        .select_only()
        .column(admission::Column::Id)
        .filter(admission::COLUMN.zone.eq(zone))
        .filter(admission::COLUMN.status.eq(crate::intake::store::ACTIVE))
        .order_by_asc(admission::COLUMN.id)
        .into_tuple::<i32>()
        .all(conn)
        .await?)
}

/// Stores the occurrences of `slot` on days in `[from, until)` (those on a holiday
/// cancelled) and books each for every member still admitted, from their admission.
async fn book<C: ConnectionTrait>(
    conn: &C,
    slot: &schedule_slot::Model,
    from: NaiveDate,
    until: NaiveDate,
) -> AppResult<()> {
    let rule = rule_of(slot);
    let occurrences = recurrence::expand(&rule, from, until);
    if occurrences.is_empty() {
        return Ok(());
    }
    let holidays: std::collections::HashSet<NaiveDate> = holiday::Entity::find()
        .filter(holiday::COLUMN.day.gte(from))
        .filter(holiday::COLUMN.day.lt(until))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| h.day)
        .collect();
    let rows = occurrences.iter().map(|o| slot_occurrence::ActiveModel {
        slot_id: Set(slot.id),
        day: Set(o.day),
        start_at: Set(o.start_at),
        end_at: Set(o.end_at),
        staff_id: Set(slot.staff_id),
        room: Set(slot.room.clone()),
        cancelled: Set(if holidays.contains(&o.day) {
            "holiday".to_owned()
        } else {
            String::new()
        }),
        cancel_note: Set(String::new()),
        ..Default::default()
    });
    slot_occurrence::Entity::insert_many(rows)
        .exec(conn)
        .await?;
    let sql = format!(
        "INSERT INTO slot_booking (occurrence_id, slot_id, admission_id, start_at, end_at, state) \
         SELECT o.id, o.slot_id, m.admission_id, o.start_at, o.end_at, \
           CASE WHEN o.cancelled <> '' THEN '{CANCELLED}' \
                WHEN m.excused_from IS NOT NULL AND o.day >= m.excused_from THEN '{EXCUSED}' \
                ELSE '{BOOKED}' END \
         FROM slot_occurrence o \
         JOIN slot_member m ON m.slot_id = o.slot_id AND m.left_on IS NULL \
         JOIN admission a ON a.id = m.admission_id AND a.status = '{active}' \
           AND o.day >= a.admitted_on \
         WHERE o.slot_id = ? AND o.day >= ? AND o.day < ?",
        active = crate::intake::store::ACTIVE
    );
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(
        backend,
        &sql,
        [slot.id.into(), from.into(), until.into()],
    ))
    .await?;
    Ok(())
}

pub fn rule_of(slot: &schedule_slot::Model) -> Rule {
    Rule {
        first_day: slot.first_day,
        last_day: match (slot.last_day, slot.cancelled_from) {
            (Some(l), Some(c)) => Some(std::cmp::min(l, c - Duration::days(1))),
            (l, c) => l.or(c.map(|c| c - Duration::days(1))),
        },
        weekdays: u8::try_from(slot.weekdays).unwrap_or(0),
        start_minute: u32::try_from(slot.start_minute).unwrap_or(0),
        duration_minutes: u32::try_from(slot.duration_minutes).unwrap_or(0),
    }
}

/// The first held occurrence of `slot_id` whose room (or staff member, by `column`) is
/// taken by another held occurrence at the same time.
async fn taken<C: ConnectionTrait>(
    conn: &C,
    slot_id: i32,
    column: &str,
) -> AppResult<Option<Taken>> {
    let blank = if column == "room" {
        "n.room <> ''"
    } else {
        "n.staff_id IS NOT NULL"
    };
    let sql = format!(
        "SELECT n.day AS day, s.title AS title FROM slot_occurrence n \
         JOIN slot_occurrence o ON o.{column} = n.{column} AND o.slot_id <> n.slot_id \
           AND o.cancelled = '' AND o.start_at < n.end_at AND o.end_at > n.start_at \
           AND o.start_at > n.start_at - {MAX_MINUTES} \
         JOIN schedule_slot s ON s.id = o.slot_id \
         WHERE n.slot_id = ? AND n.cancelled = '' AND {blank} \
         ORDER BY n.start_at LIMIT 1"
    );
    let backend = conn.get_database_backend();
    Ok(
        Taken::find_by_statement(statement(backend, &sql, [slot_id.into()]))
            .one(conn)
            .await?,
    )
}

/// The overlap of a booking `n` with another slot's held booking `o` of the same
/// resident (indexed on (admission_id, start_at)).
const OVERLAP: &str = "o.admission_id = n.admission_id AND o.slot_id <> n.slot_id \
    AND o.state = 'booked' AND o.start_at < n.end_at AND o.end_at > n.start_at";

/// Members of `slot_id` booked at a time they are booked elsewhere.
pub async fn clashes<C: ConnectionTrait>(conn: &C, slot_id: i32) -> AppResult<Vec<Clash>> {
    let sql = format!(
        "SELECT n.admission_id AS admission_id, r.code AS code, r.full_name AS full_name, \
           occ.day AS day, MIN(s.title) AS other \
         FROM slot_booking n \
         JOIN slot_booking o ON {OVERLAP} AND o.start_at > n.start_at - {MAX_MINUTES} \
         JOIN slot_occurrence occ ON occ.id = n.occurrence_id \
         JOIN schedule_slot s ON s.id = o.slot_id \
         JOIN admission a ON a.id = n.admission_id JOIN resident r ON r.id = a.resident_id \
         WHERE n.slot_id = ? AND n.state = '{BOOKED}' \
         GROUP BY n.admission_id, r.code, r.full_name, r.name_search, occ.day \
         ORDER BY occ.day, r.name_search"
    );
    let backend = conn.get_database_backend();
    Ok(
        Clash::find_by_statement(statement(backend, &sql, [slot_id.into()]))
            .all(conn)
            .await?,
    )
}

/// Leaves out of `slot_id`'s occurrences from `from_at` on every member booked
/// elsewhere at the time.
pub(crate) async fn exclude_clashes<C: ConnectionTrait>(
    conn: &C,
    slot_id: i32,
    from_at: i64,
) -> AppResult<()> {
    let sql = format!(
        "UPDATE slot_booking SET state = '{CLASH}' \
         WHERE slot_id = ? AND state = '{BOOKED}' AND start_at >= ? AND EXISTS ( \
           SELECT 1 FROM slot_booking o WHERE {overlap} \
             AND o.start_at > slot_booking.start_at - {MAX_MINUTES})",
        overlap = OVERLAP.replace("n.", "slot_booking.")
    );
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(backend, &sql, [slot_id.into(), from_at.into()]))
        .await?;
    Ok(())
}

/// Extends every open slot's occurrences to the horizon seen from `today` (the hourly
/// upkeep); members elsewhere at a new occurrence are left out of it.
pub async fn extend<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> AppResult<usize> {
    let until = horizon(today);
    let due = schedule_slot::Entity::find()
        .filter(schedule_slot::COLUMN.cancelled_from.is_null())
        .filter(schedule_slot::COLUMN.weekdays.ne(0))
        .filter(schedule_slot::COLUMN.expanded_until.lt(until))
        // A finished slot is not read again every hour.
        .filter(
            schedule_slot::COLUMN
                .last_day
                .is_null()
                .or(schedule_slot::COLUMN.last_day.gte(today)),
        )
        .order_by_asc(schedule_slot::COLUMN.id)
        .all(conn)
        .await?;
    let mut n = 0;
    for slot in due {
        if slot.last_day.is_some_and(|l| l < slot.expanded_until) {
            continue;
        }
        let from = slot.expanded_until;
        book(conn, &slot, from, until).await?;
        exclude_clashes(conn, slot.id, recurrence::epoch_minutes(from, 0)).await?;
        let mut am: schedule_slot::ActiveModel = slot.into();
        am.expanded_until = Set(until);
        am.update(conn).await?;
        n += 1;
    }
    Ok(n)
}

/// At a release or transfer on `on`: the resident's bookings after that day no longer
/// take time (design.md §5).
pub async fn on_release<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    on: NaiveDate,
) -> AppResult<()> {
    let from = recurrence::epoch_minutes(on + Duration::days(1), 0);
    let sql = format!(
        "UPDATE slot_booking SET state = '{LEFT}' WHERE admission_id = ? AND start_at >= ?"
    );
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(
        backend,
        &sql,
        [admission_id.into(), Value::from(from)],
    ))
    .await?;
    conn.execute_raw(statement(
        backend,
        "UPDATE slot_member SET left_on = ? WHERE admission_id = ? AND left_on IS NULL",
        [on.into(), admission_id.into()],
    ))
    .await?;
    Ok(())
}

/// A member of a slot as its page lists them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Member {
    pub admission_id: i32,
    pub code: String,
    pub full_name: String,
    pub zone: String,
    pub excused_from: Option<NaiveDate>,
    pub excuse_note: String,
    /// Upcoming occurrences the member is left out of by a clash.
    pub clashes: i64,
}

/// Members listed on a page of a slot.
pub const MEMBERS_PAGE: u64 = 100;

/// A page of a slot's current members (name order), with their upcoming clashes from
/// `from_at`, and the slot's totals: members, and upcoming occurrences left out.
pub async fn members<C: ConnectionTrait>(
    conn: &C,
    slot_id: i32,
    from_at: i64,
    page: u64,
) -> AppResult<(Vec<Member>, i64, i64)> {
    let offset = page.saturating_sub(1).saturating_mul(MEMBERS_PAGE);
    let sql = format!(
        "SELECT m.admission_id AS admission_id, r.code AS code, r.full_name AS full_name, \
           a.zone AS zone, m.excused_from AS excused_from, m.excuse_note AS excuse_note, \
           COALESCE(c.n, 0) AS clashes \
         FROM slot_member m JOIN admission a ON a.id = m.admission_id \
         JOIN resident r ON r.id = a.resident_id \
         LEFT JOIN (SELECT b.admission_id AS admission_id, COUNT(*) AS n FROM slot_booking b \
           WHERE b.slot_id = ? AND b.state = '{CLASH}' AND b.start_at >= ? \
           GROUP BY b.admission_id) c ON c.admission_id = m.admission_id \
         WHERE m.slot_id = ? AND m.left_on IS NULL ORDER BY r.name_search, m.admission_id \
         LIMIT {MEMBERS_PAGE} OFFSET {offset}"
    );
    let backend = conn.get_database_backend();
    let rows = Member::find_by_statement(statement(
        backend,
        &sql,
        [slot_id.into(), from_at.into(), slot_id.into()],
    ))
    .all(conn)
    .await?;
    #[derive(FromQueryResult)]
    struct Totals {
        members: i64,
        clashes: i64,
    }
    let totals = Totals::find_by_statement(statement(
        backend,
        &format!(
            "SELECT (SELECT COUNT(*) FROM slot_member WHERE slot_id = ? AND left_on IS NULL) \
               AS members, \
             (SELECT COUNT(*) FROM slot_booking WHERE slot_id = ? AND state = '{CLASH}' \
               AND start_at >= ?) AS clashes"
        ),
        [slot_id.into(), slot_id.into(), from_at.into()],
    ))
    .one(conn)
    .await?
    .map_or((0, 0), |t| (t.members, t.clashes));
    Ok((rows, totals.0, totals.1))
}

/// The next `n` occurrences of a slot from `from_at`.
pub async fn upcoming<C: ConnectionTrait>(
    conn: &C,
    slot_id: i32,
    from_at: i64,
    n: u64,
) -> AppResult<Vec<slot_occurrence::Model>> {
    use sea_orm::QuerySelect;
    Ok(slot_occurrence::Entity::find()
        .filter(slot_occurrence::COLUMN.slot_id.eq(slot_id))
        .filter(slot_occurrence::COLUMN.start_at.gte(from_at))
        .order_by_asc(slot_occurrence::COLUMN.start_at)
        .limit(n)
        .all(conn)
        .await?)
}

/// Excuses a member from a recurring slot from `from` on (an exclusion): they stay in
/// the group, and their bookings from that day no longer take time.
pub async fn excuse<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    slot_id: i32,
    admission_id: i32,
    from: NaiveDate,
    note: &str,
) -> AppResult<()> {
    let member = slot_member::Entity::find()
        .filter(slot_member::COLUMN.slot_id.eq(slot_id))
        .filter(slot_member::COLUMN.admission_id.eq(admission_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid("member", "error.required"))?;
    if note.trim().is_empty() {
        return Err(AppError::invalid("excuse_note", "error.required"));
    }
    let mut am: slot_member::ActiveModel = member.into();
    am.excused_from = Set(Some(from));
    am.excuse_note = Set(note.trim().to_owned());
    am.update(conn).await?;
    let sql = format!(
        "UPDATE slot_booking SET state = '{EXCUSED}' WHERE slot_id = ? AND admission_id = ? \
         AND start_at >= ? AND state IN ('{BOOKED}', '{CLASH}')"
    );
    let backend = conn.get_database_backend();
    let from_at = recurrence::epoch_minutes(from, 0);
    conn.execute_raw(statement(
        backend,
        &sql,
        [slot_id.into(), admission_id.into(), from_at.into()],
    ))
    .await?;
    audit::record(
        conn,
        actor,
        "schedule.excuse",
        "schedule_slot",
        slot_id,
        json!({ "admission_id": admission_id, "from": from, "note": note.trim() }),
    )
    .await?;
    Ok(())
}

/// Ends a slot from `from` on: its occurrences from that day are cancelled (they no
/// longer clash) and it is not extended again.
pub async fn cancel_from<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    slot: schedule_slot::Model,
    from: NaiveDate,
    note: &str,
) -> AppResult<()> {
    if note.trim().is_empty() {
        return Err(AppError::invalid("cancel_note", "error.required"));
    }
    let id = slot.id;
    let mut am: schedule_slot::ActiveModel = slot.into();
    am.cancelled_from = Set(Some(from));
    am.update(conn).await?;
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_occurrence SET cancelled = '{CANCELLED}', cancel_note = ? \
             WHERE slot_id = ? AND day >= ? AND cancelled IN ('', 'holiday')"
        ),
        [note.trim().into(), id.into(), from.into()],
    ))
    .await?;
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_booking SET state = '{CANCELLED}' WHERE slot_id = ? AND start_at >= ? \
             AND state IN ('{BOOKED}', '{CLASH}', '{EXCUSED}')"
        ),
        [id.into(), recurrence::epoch_minutes(from, 0).into()],
    ))
    .await?;
    audit::record(
        conn,
        actor,
        "schedule.end",
        "schedule_slot",
        id,
        json!({ "from": from, "note": note.trim() }),
    )
    .await?;
    Ok(())
}

/// Keeps an admission's zone-wide slots in step with its zone (design.md §2: presence
/// and placement come from one record): from `today` it leaves the slots of any other
/// zone and joins those of `zone`. Occurrences where it is already booked elsewhere are
/// left out and returned, for the user who moved it to see.
pub async fn follow_zone<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    zone: &str,
    today: NaiveDate,
) -> AppResult<Vec<Clash>> {
    let backend = conn.get_database_backend();
    let from_at = recurrence::epoch_minutes(today, 0);
    let others = "SELECT id FROM schedule_slot WHERE audience = 'zone' AND zone <> ?";
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_booking SET state = '{LEFT}' WHERE admission_id = ? AND start_at >= ? \
             AND state IN ('{BOOKED}', '{CLASH}', '{EXCUSED}') AND slot_id IN ({others})"
        ),
        [admission_id.into(), from_at.into(), zone.into()],
    ))
    .await?;
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_member SET left_on = ? WHERE admission_id = ? AND left_on IS NULL \
             AND slot_id IN ({others})"
        ),
        [today.into(), admission_id.into(), zone.into()],
    ))
    .await?;
    if zone.trim().is_empty() {
        return Ok(Vec::new());
    }
    // The zone's slots still to come (not ended, not past one-offs).
    let joining = schedule_slot::Entity::find()
        .filter(schedule_slot::COLUMN.audience.eq("zone"))
        .filter(schedule_slot::COLUMN.zone.eq(zone))
        .filter(
            schedule_slot::COLUMN
                .last_day
                .is_null()
                .or(schedule_slot::COLUMN.last_day.gte(today)),
        )
        .filter(
            schedule_slot::COLUMN
                .weekdays
                .ne(0)
                .or(schedule_slot::COLUMN.first_day.gte(today)),
        )
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for slot in joining {
        if slot.cancelled_from.is_some_and(|c| c <= today)
            || !join(conn, &slot, admission_id, today).await?
        {
            continue;
        }
        exclude_clashes(conn, slot.id, from_at).await?;
        out.extend(member_clashes(conn, slot.id, admission_id, from_at).await?);
    }
    Ok(out)
}

/// Makes `admission_id` a current member of `slot` booked from `today`; false when it
/// already was.
async fn join<C: ConnectionTrait>(
    conn: &C,
    slot: &schedule_slot::Model,
    admission_id: i32,
    today: NaiveDate,
) -> AppResult<bool> {
    let existing = slot_member::Entity::find()
        .filter(slot_member::COLUMN.slot_id.eq(slot.id))
        .filter(slot_member::COLUMN.admission_id.eq(admission_id))
        .one(conn)
        .await?;
    match existing {
        Some(m) if m.left_on.is_none() => return Ok(false),
        Some(m) => {
            let mut am: slot_member::ActiveModel = m.into();
            am.left_on = Set(None);
            am.update(conn).await?;
        }
        None => {
            slot_member::ActiveModel {
                slot_id: Set(slot.id),
                admission_id: Set(admission_id),
                excused_from: Set(None),
                excuse_note: Set(String::new()),
                left_on: Set(None),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    let backend = conn.get_database_backend();
    // Bookings this member held before (a return to the zone) are dropped first.
    conn.execute_raw(statement(
        backend,
        "DELETE FROM slot_booking WHERE slot_id = ? AND admission_id = ? AND start_at >= ? \
         AND occurrence_id NOT IN (SELECT occurrence_id FROM attendance WHERE admission_id = ?)",
        [
            slot.id.into(),
            admission_id.into(),
            recurrence::epoch_minutes(today, 0).into(),
            admission_id.into(),
        ],
    ))
    .await?;
    let sql = format!(
        "INSERT INTO slot_booking (occurrence_id, slot_id, admission_id, start_at, end_at, state) \
         SELECT o.id, o.slot_id, ?, o.start_at, o.end_at, \
           CASE WHEN o.cancelled <> '' THEN '{CANCELLED}' \
                WHEN EXISTS (SELECT 1 FROM slot_member m WHERE m.slot_id = o.slot_id \
                  AND m.admission_id = ? AND m.excused_from IS NOT NULL \
                  AND o.day >= m.excused_from) THEN '{EXCUSED}' \
                ELSE '{BOOKED}' END \
         FROM slot_occurrence o WHERE o.slot_id = ? AND o.day >= ? \
         AND NOT EXISTS (SELECT 1 FROM slot_booking x WHERE x.occurrence_id = o.id AND x.admission_id = ?)"
    );
    conn.execute_raw(statement(
        backend,
        &sql,
        [
            admission_id.into(),
            admission_id.into(),
            slot.id.into(),
            today.into(),
            admission_id.into(),
        ],
    ))
    .await?;
    Ok(true)
}

/// The occurrences of `slot_id` from `from_at` that `admission_id` is left out of.
async fn member_clashes<C: ConnectionTrait>(
    conn: &C,
    slot_id: i32,
    admission_id: i32,
    from_at: i64,
) -> AppResult<Vec<Clash>> {
    let sql = format!(
        "SELECT n.admission_id AS admission_id, r.code AS code, r.full_name AS full_name, \
           occ.day AS day, MIN(s.title) AS other \
         FROM slot_booking n \
         JOIN slot_booking o ON {OVERLAP} AND o.start_at > n.start_at - {MAX_MINUTES} \
         JOIN slot_occurrence occ ON occ.id = n.occurrence_id \
         JOIN schedule_slot s ON s.id = o.slot_id \
         JOIN admission a ON a.id = n.admission_id JOIN resident r ON r.id = a.resident_id \
         WHERE n.slot_id = ? AND n.admission_id = ? AND n.start_at >= ? AND n.state = '{CLASH}' \
         GROUP BY n.admission_id, r.code, r.full_name, occ.day ORDER BY occ.day"
    );
    let backend = conn.get_database_backend();
    Ok(Clash::find_by_statement(statement(
        backend,
        &sql,
        [slot_id.into(), admission_id.into(), from_at.into()],
    ))
    .all(conn)
    .await?)
}

/// How many of the resident's occurrences from `today` they are left out of by a clash.
pub async fn left_out<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    today: NaiveDate,
) -> AppResult<u64> {
    use crate::entities::slot_booking;
    use sea_orm::PaginatorTrait;
    Ok(slot_booking::Entity::find()
        .filter(slot_booking::COLUMN.admission_id.eq(admission_id))
        .filter(
            slot_booking::COLUMN
                .start_at
                .gte(recurrence::epoch_minutes(today, 0)),
        )
        .filter(slot_booking::COLUMN.state.eq(CLASH))
        .count(conn)
        .await?)
}

/// A setting the director keeps in `programme_setting` (the time-use target, the
/// medication record's late window), or `default` when it is absent.
pub async fn setting<C: ConnectionTrait>(conn: &C, name: &str, default: i64) -> AppResult<i64> {
    #[derive(FromQueryResult)]
    struct V {
        value: i32,
    }
    let backend = conn.get_database_backend();
    Ok(V::find_by_statement(statement(
        backend,
        "SELECT value FROM programme_setting WHERE name = ?",
        [name.into()],
    ))
    .one(conn)
    .await?
    .map_or(default, |v| i64::from(v.value)))
}
