//! Attendance per occurrence, a whole group on one sheet (design.md §2): reasons are data
//! shared by every area; a change is a new record naming the one it replaces; the reason
//! of an absent resident is filled from the movement record, never entered twice.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::store::{BOOKED, CANCELLED, CLASH, EXCUSED};
use crate::audit::{self, Actor};
use crate::db::statement;
use crate::entities::{attendance, attendance_reason, schedule_slot, slot_occurrence};
use crate::error::{AppError, AppResult, Msg};

/// One member of an occurrence on the sheet.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Line {
    pub admission_id: i32,
    pub code: String,
    pub full_name: String,
    pub zone: String,
    pub presence: String,
    /// The booking's state: `booked`, `clash`, `excused`, `cancelled` or `left`.
    pub state: String,
    /// The current attendance record, if any.
    pub attendance_id: Option<i32>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

pub struct Sheet {
    pub occurrence: slot_occurrence::Model,
    pub slot: schedule_slot::Model,
    /// The members on this page of the sheet (or those a submission names).
    pub lines: Vec<Line>,
    /// Members in all, and how many have a record.
    pub total: i64,
    pub recorded: i64,
}

/// Members on one page of a sheet: a group fits; a zone-wide assembly is paged.
pub const SHEET_PAGE: u64 = 100;

/// Which members of the occurrence to read.
pub enum Members<'a> {
    Page(u64),
    Of(&'a [i32]),
}

/// The occurrence, its slot and its members (a page of them, or those named) with their
/// current attendance, and the sheet's totals.
pub async fn sheet<C: ConnectionTrait>(
    conn: &C,
    occurrence_id: i32,
    which: Members<'_>,
) -> AppResult<Sheet> {
    let occurrence = slot_occurrence::Entity::find_by_id(occurrence_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let slot = schedule_slot::Entity::find_by_id(occurrence.slot_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = "LEFT JOIN attendance t ON t.occurrence_id = b.occurrence_id \
        AND t.admission_id = b.admission_id \
        AND NOT EXISTS (SELECT 1 FROM attendance x WHERE x.replaces_id = t.id)";
    let mut values: Vec<sea_orm::Value> = vec![occurrence_id.into()];
    let tail = match which {
        Members::Page(page) => format!(
            "ORDER BY r.name_search, b.admission_id LIMIT {SHEET_PAGE} OFFSET {}",
            page.saturating_sub(1).saturating_mul(SHEET_PAGE)
        ),
        Members::Of(ids) => {
            values.extend(ids.iter().take(1_000).map(|i| sea_orm::Value::from(*i)));
            let marks = vec!["?"; ids.len().clamp(1, 1_000)].join(", ");
            if ids.is_empty() {
                values.push(0.into());
            }
            format!("AND b.admission_id IN ({marks}) ORDER BY r.name_search")
        }
    };
    let sql = format!(
        "SELECT b.admission_id AS admission_id, r.code AS code, r.full_name AS full_name, \
           a.zone AS zone, a.presence AS presence, b.state AS state, t.id AS attendance_id, \
           t.reason AS reason, t.note AS note \
         FROM slot_booking b \
         JOIN admission a ON a.id = b.admission_id JOIN resident r ON r.id = a.resident_id \
         {current} WHERE b.occurrence_id = ? {tail}"
    );
    let backend = conn.get_database_backend();
    let lines = Line::find_by_statement(statement(backend, &sql, values))
        .all(conn)
        .await?;
    #[derive(FromQueryResult)]
    struct Totals {
        total: i64,
        recorded: i64,
    }
    let totals = Totals::find_by_statement(statement(
        backend,
        &format!(
            "SELECT COUNT(*) AS total, COUNT(t.id) AS recorded FROM slot_booking b {current} \
             WHERE b.occurrence_id = ?"
        ),
        [occurrence_id.into()],
    ))
    .one(conn)
    .await?
    .unwrap_or(Totals {
        total: 0,
        recorded: 0,
    });
    Ok(Sheet {
        occurrence,
        slot,
        lines,
        total: totals.total,
        recorded: totals.recorded,
    })
}

/// The shared reasons, in their order.
pub async fn reasons<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<attendance_reason::Model>> {
    Ok(attendance_reason::Entity::find()
        .order_by_asc(attendance_reason::COLUMN.position)
        .all(conn)
        .await?)
}

/// The reason a sheet proposes for a member with nothing recorded: the clash or the
/// movement that keeps them away (the presence is today's, so it is used for today's
/// occurrences only), else attended.
pub fn proposed_reason(state: &str, presence: &str, is_today: bool) -> &'static str {
    use crate::intake::rules::Presence as P;
    if state == CLASH {
        return "clash";
    }
    match P::parse(presence).filter(|_| is_today) {
        Some(P::InHospital) => "in_hospital",
        Some(P::RemovedForProceedings) => "court",
        Some(P::OnFuneralLeave) => "on_leave",
        Some(P::Escaped) => "escaped",
        _ => "attended",
    }
}

/// A member's mark as the sheet sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub reason: String,
    pub note: String,
}

/// Why a sheet cannot be saved: for the whole sheet, or per member (admission id).
#[derive(Debug, Default)]
pub struct SheetErrors {
    pub sheet: Option<Msg>,
    pub lines: BTreeMap<i32, Msg>,
}

/// Records the marks that differ from the current ones (a change names the record it
/// replaces). All or nothing: any error leaves the sheet unsaved. Returns how many
/// records were written.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    sheet: &Sheet,
    marks: &HashMap<i32, Mark>,
    today: NaiveDate,
) -> AppResult<Result<usize, SheetErrors>> {
    let mut errors = SheetErrors::default();
    if !sheet.occurrence.cancelled.is_empty() {
        errors.sheet = Some(Msg::new("schedule.error.cancelled"));
    } else if sheet.occurrence.day > today {
        errors.sheet = Some(Msg::new("schedule.error.future"));
    }
    let reasons: HashMap<String, attendance_reason::Model> = reasons(conn)
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let mut writes = Vec::new();
    for line in sheet.lines.iter().filter(|l| takes_mark(&l.state)) {
        let Some(m) = marks.get(&line.admission_id) else {
            continue;
        };
        let (reason, note) = (m.reason.trim(), m.note.trim());
        let unchanged =
            line.reason.as_deref() == Some(reason) && line.note.as_deref().unwrap_or("") == note;
        match reasons.get(reason) {
            None => {
                errors
                    .lines
                    .insert(line.admission_id, Msg::new("error.invalid"));
            }
            Some(r) if r.needs_note && note.is_empty() => {
                errors
                    .lines
                    .insert(line.admission_id, Msg::new("schedule.error.note_needed"));
            }
            Some(_) if unchanged => {}
            Some(_) => writes.push((line, reason.to_owned(), note.to_owned())),
        }
    }
    if errors.sheet.is_some() || !errors.lines.is_empty() {
        return Ok(Err(errors));
    }
    let counts = |code: Option<&str>| {
        code.and_then(|c| reasons.get(c))
            .is_some_and(|r| r.counts_attended)
    };
    let minutes = sheet.occurrence.end_at - sheet.occurrence.start_at;
    let kind = (sheet.slot.area.as_str(), sheet.slot.kind.as_str());
    for (line, reason, note) in &writes {
        // The month's time use follows the record that counts now.
        let delta = i64::from(counts(Some(reason))) - i64::from(counts(line.reason.as_deref()));
        if delta != 0 {
            let day = sheet.occurrence.day;
            super::time_use::add_minutes(conn, line.admission_id, day, kind, delta * minutes)
                .await?;
        }
        let inserted = attendance::ActiveModel {
            occurrence_id: Set(sheet.occurrence.id),
            admission_id: Set(line.admission_id),
            reason: Set(reason.clone()),
            note: Set(note.clone()),
            replaces_id: Set(line.attendance_id),
            recorded_by_name: Set(actor.username.clone()),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(conn)
        .await;
        // Someone saved this sheet in the meantime: nothing of this one is kept.
        match inserted {
            Err(err) if crate::error::is_unique_violation(&err) => {
                return Ok(Err(SheetErrors {
                    sheet: Some(Msg::new("schedule.error.changed")),
                    lines: BTreeMap::new(),
                }));
            }
            other => other?,
        };
    }
    audit::record(
        conn,
        actor,
        "schedule.attendance",
        "slot_occurrence",
        sheet.occurrence.id,
        json!({ "records": writes.len() }),
    )
    .await?;
    Ok(Ok(writes.len()))
}

/// Members whose attendance is taken: booked, or left out by a clash (recorded as such).
pub fn takes_mark(state: &str) -> bool {
    state == BOOKED || state == CLASH
}

/// Cancels one occurrence (with a note); its bookings no longer take time.
pub async fn cancel<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    occurrence: &slot_occurrence::Model,
    note: &str,
) -> AppResult<()> {
    if note.trim().is_empty() {
        return Err(AppError::invalid("cancel_note", "error.required"));
    }
    if !occurrence.cancelled.is_empty() {
        return Err(AppError::invalid("cancel_note", "schedule.error.cancelled"));
    }
    // A session with attendance taken was held: its records (and time use) stand.
    let held = attendance::Entity::find()
        .filter(attendance::COLUMN.occurrence_id.eq(occurrence.id))
        .count(conn)
        .await?
        > 0;
    if held {
        return Err(AppError::invalid("cancel_note", "schedule.error.held"));
    }
    let mut am: slot_occurrence::ActiveModel = occurrence.clone().into();
    am.cancelled = Set(CANCELLED.to_owned());
    am.cancel_note = Set(note.trim().to_owned());
    am.update(conn).await?;
    let sql = format!(
        "UPDATE slot_booking SET state = '{CANCELLED}' WHERE occurrence_id = ? \
         AND state IN ('{BOOKED}', '{CLASH}', '{EXCUSED}')"
    );
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(backend, &sql, [occurrence.id.into()]))
        .await?;
    audit::record(
        conn,
        actor,
        "schedule.cancel",
        "slot_occurrence",
        occurrence.id,
        json!({ "note": note.trim() }),
    )
    .await?;
    Ok(())
}
