//! Treatment's part of a transfer package (design.md §5): the stages gone through, the
//! restrictions in force (activity and dates) and whether isolation is needed. The
//! package is carried by the intake desk, signed but not encrypted, so no diagnosis and
//! no restriction reason travel in it: the receiving doctors learn those from the
//! sending centre until packages are encrypted to the receiver (issue 12).

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::entities::{admission, medical_flag, medical_restriction, stage_transition};
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatmentPart {
    /// (stage, day entered), in order.
    pub stages: Vec<(i32, NaiveDate)>,
    pub restrictions: Vec<CarriedRestriction>,
    pub flags: Vec<CarriedFlag>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedRestriction {
    pub activity: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarriedFlag {
    pub kind: String,
    pub detail: String,
    pub isolation: bool,
    pub starts_on: NaiveDate,
}

/// What travels for `a`, transferred on `on`: restrictions and flags in force that day.
pub async fn part<C: ConnectionTrait>(
    conn: &C,
    a: &admission::Model,
    on: NaiveDate,
) -> AppResult<serde_json::Value> {
    let stages = stage_transition::Entity::find()
        .filter(stage_transition::COLUMN.admission_id.eq(a.id))
        .order_by_asc(stage_transition::COLUMN.entered_on)
        .order_by_asc(stage_transition::COLUMN.id)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.stage, t.entered_on))
        .collect();
    let restrictions = medical_restriction::Entity::find()
        .filter(medical_restriction::COLUMN.admission_id.eq(a.id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|r| r.ends_on.is_none_or(|e| e >= on))
        .map(|r| CarriedRestriction {
            activity: r.activity,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            reason: String::new(),
        })
        .collect();
    let flags = medical_flag::Entity::find()
        .filter(medical_flag::COLUMN.admission_id.eq(a.id))
        .all(conn)
        .await?
        .into_iter()
        .filter(|f| f.isolation && f.ended_on.is_none_or(|e| e >= on))
        .map(|f| CarriedFlag {
            kind: "other".into(),
            detail: String::new(),
            isolation: true,
            starts_on: f.starts_on,
        })
        .collect();
    let part = TreatmentPart {
        stages,
        restrictions,
        flags,
    };
    serde_json::to_value(part).map_err(|e| AppError::Internal(e.into()))
}

/// Writes the carried part into the receiving admission `a` (from `from_centre`).
pub async fn receive<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    a: &admission::Model,
    from_centre: &str,
    value: &serde_json::Value,
) -> AppResult<()> {
    let part: TreatmentPart = serde_json::from_value(value.clone())
        .map_err(|_| AppError::invalid("file", "error.transfer_unreadable"))?;
    let now = Utc::now();
    let note = format!("({from_centre})");
    for (stage, entered_on) in &part.stages {
        stage_transition::ActiveModel {
            admission_id: Set(a.id),
            stage: Set(*stage),
            entered_on: Set(*entered_on),
            note: Set(note.clone()),
            recorded_by: Set(actor.user_id),
            recorded_by_name: Set(actor.username.clone()),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    for r in &part.restrictions {
        medical_restriction::ActiveModel {
            admission_id: Set(a.id),
            activity: Set(r.activity.clone()),
            starts_on: Set(r.starts_on),
            ends_on: Set(r.ends_on),
            reason: Set(format!("{} {note}", r.reason).trim().to_owned()),
            recorded_by_name: Set(actor.username.clone()),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    for f in &part.flags {
        medical_flag::ActiveModel {
            admission_id: Set(a.id),
            kind: Set(f.kind.clone()),
            detail: Set(format!("{} {note}", f.detail).trim().to_owned()),
            isolation: Set(f.isolation),
            starts_on: Set(f.starts_on),
            ended_on: Set(None),
            end_note: Set(String::new()),
            recorded_by_name: Set(actor.username.clone()),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    crate::treatment::chart::store::sync_isolation(conn, a.id).await?;
    audit::record(
        conn,
        actor,
        "transfer.care_received",
        "admission",
        a.id,
        json!({ "area": "treatment", "stages": part.stages.len(),
                "restrictions": part.restrictions.len(), "flags": part.flags.len() }),
    )
    .await?;
    Ok(())
}
