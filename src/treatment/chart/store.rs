//! The medical chart's storage: progress notes (never edited; a correction is a new note
//! naming the one it corrects) and medical flags. A flag that needs isolation sets the
//! admission's `infectious` mark, the only part bed placement reads (design.md §3).

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::entities::{admission, medical_flag, progress_note};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::intake::store::{ACTIVE, get_admission};

/// Notes shown on the chart (the latest first).
pub const NOTES_SHOWN: u64 = 50;
const NOTE_MAX: usize = 4_000;

pub const FLAG_KINDS: [&str; 3] = ["infectious", "psychiatric", "other"];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    pub body: String,
    /// The id of the note this one corrects, if any.
    pub corrects: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlagForm {
    pub kind: String,
    pub detail: String,
    /// "yes" when the resident needs isolation.
    pub isolation: String,
    pub starts_on: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlagEndForm {
    pub ended_on: String,
    pub end_note: String,
}

async fn active(
    conn: &impl ConnectionTrait,
    id: i32,
    field: &'static str,
) -> AppResult<admission::Model> {
    let a = get_admission(conn, id).await?;
    if a.status != ACTIVE {
        return Err(AppError::invalid(field, "error.admission_not_active"));
    }
    Ok(a)
}

use crate::treatment::store::date as day;

/// Writes a progress note (or a correction of one of this admission's notes that has
/// not been corrected yet).
pub async fn add_note<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &NoteForm,
) -> AppResult<i32> {
    active(conn, admission_id, "body").await?;
    let body = f.body.trim();
    let mut e = FieldErrors::new();
    if body.is_empty() {
        e.add("body", "error.required");
    } else if body.chars().count() > NOTE_MAX {
        e.add("body", "error.too_long");
    }
    let corrects = match f.corrects.trim() {
        "" => None,
        v => {
            let id = v.parse::<i32>().ok();
            let target = match id {
                Some(id) => progress_note::Entity::find_by_id(id).one(conn).await?,
                None => None,
            };
            let corrected = match id {
                Some(id) => {
                    progress_note::Entity::find()
                        .filter(progress_note::COLUMN.corrects_id.eq(id))
                        .count(conn)
                        .await?
                        > 0
                }
                None => false,
            };
            if target.is_none_or(|n| n.admission_id != admission_id) || corrected {
                e.add("corrects", "chart.error.corrects");
            }
            id
        }
    };
    e.into_result()?;
    let note = progress_note::ActiveModel {
        admission_id: Set(admission_id),
        body: Set(body.to_owned()),
        corrects_id: Set(corrects),
        written_by_name: Set(actor.username.clone()),
        written_by_role: Set(actor.role.clone()),
        written_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "chart.note",
        "admission",
        admission_id,
        json!({ "note": note.id, "corrects": corrects }),
    )
    .await?;
    Ok(note.id)
}

/// The latest notes of an admission and how many there are.
pub async fn notes<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<(Vec<progress_note::Model>, u64)> {
    let q =
        progress_note::Entity::find().filter(progress_note::COLUMN.admission_id.eq(admission_id));
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(progress_note::COLUMN.written_at)
        .order_by_desc(progress_note::COLUMN.id)
        .limit(NOTES_SHOWN)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Records a medical flag; one that needs isolation marks the admission for placement.
pub async fn add_flag<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &FlagForm,
) -> AppResult<()> {
    active(conn, admission_id, "kind").await?;
    let mut e = FieldErrors::new();
    if !FLAG_KINDS.contains(&f.kind.trim()) {
        e.add("kind", "error.required");
    }
    let detail = f.detail.trim();
    if detail.is_empty() {
        e.add("detail", "error.required");
    } else if detail.chars().count() > NOTE_MAX {
        e.add("detail", "error.too_long");
    }
    let starts_on = day(&mut e, "starts_on", &f.starts_on);
    e.into_result()?;
    let isolation = !f.isolation.trim().is_empty();
    medical_flag::ActiveModel {
        admission_id: Set(admission_id),
        kind: Set(f.kind.trim().to_owned()),
        detail: Set(detail.to_owned()),
        isolation: Set(isolation),
        starts_on: Set(starts_on.ok_or(AppError::BadRequest("error.invalid"))?),
        ended_on: Set(None),
        end_note: Set(String::new()),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    // Neither the diagnosis nor its kind goes into the log (it is read more widely).
    audit::record(
        conn,
        actor,
        "chart.flag",
        "admission",
        admission_id,
        json!({ "isolation": isolation }),
    )
    .await?;
    sync_isolation(conn, admission_id).await
}

/// Ends a flag; the admission's isolation mark follows the flags still open.
pub async fn end_flag<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    flag: medical_flag::Model,
    f: &FlagEndForm,
    today: NaiveDate,
) -> AppResult<()> {
    active(conn, flag.admission_id, "ended_on").await?;
    let mut e = FieldErrors::new();
    let ended = day(&mut e, "ended_on", &f.ended_on);
    // The mark is lifted when the flag ends: an end to come is recorded when it comes.
    if ended.is_some_and(|d| d > today) {
        e.add("ended_on", "chart.error.future");
    }
    if f.end_note.trim().chars().count() > NOTE_MAX {
        e.add("end_note", "error.too_long");
    }
    if flag.ended_on.is_some() {
        e.add("ended_on", "chart.error.ended");
    }
    if ended.is_some_and(|d| d < flag.starts_on) {
        e.add("ended_on", "chart.error.before_start");
    }
    e.into_result()?;
    let admission_id = flag.admission_id;
    let id = flag.id;
    let mut am = flag.into_active_model();
    am.ended_on = Set(ended);
    am.end_note = Set(f.end_note.trim().to_owned());
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "chart.flag_end",
        "admission",
        admission_id,
        json!({ "flag": id, "ended_on": ended }),
    )
    .await?;
    sync_isolation(conn, admission_id).await
}

/// The admission needs isolation while an open flag says so.
pub(crate) async fn sync_isolation<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<()> {
    let needed = medical_flag::Entity::find()
        .filter(medical_flag::COLUMN.admission_id.eq(admission_id))
        .filter(medical_flag::COLUMN.ended_on.is_null())
        .filter(medical_flag::COLUMN.isolation.eq(true))
        .count(conn)
        .await?
        > 0;
    let a = get_admission(conn, admission_id).await?;
    if a.infectious != needed {
        let mut am = a.into_active_model();
        am.infectious = Set(needed);
        am.update(conn).await?;
    }
    Ok(())
}

pub async fn flags<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<Vec<medical_flag::Model>> {
    Ok(medical_flag::Entity::find()
        .filter(medical_flag::COLUMN.admission_id.eq(admission_id))
        .order_by_desc(medical_flag::COLUMN.starts_on)
        .order_by_desc(medical_flag::COLUMN.id)
        .limit(200)
        .all(conn)
        .await?)
}
