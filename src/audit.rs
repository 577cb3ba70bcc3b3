//! The audit log: every write (who, role, action, entity, id, when, before/after
//! summary) and every read of a resident's medical data. Rows are only ever inserted;
//! the database refuses updates and deletes (see the foundation migration).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value;

use crate::entities::audit_log;

/// Who did it, taken from the request (or the command line).
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub username: String,
    pub role: String,
    pub request_id: String,
}

impl Actor {
    /// An action taken from the command line or by the system itself.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            username: what.to_owned(),
            role: "system".into(),
            request_id: String::new(),
        }
    }
}

/// Appends one audit row, inside the caller's transaction so that the write and its
/// audit row commit or fail together.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    summary: Value,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        user_id: Set(actor.user_id),
        username: Set(actor.username.clone()),
        role: Set(actor.role.clone()),
        action: Set(action.to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.to_string()),
        summary: Set(summary.to_string()),
        request_id: Set(actor.request_id.clone()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Records that `actor` read a resident's medical data.
pub async fn record_medical_read<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    entity: &str,
    entity_id: impl ToString,
) -> Result<(), DbErr> {
    record(conn, actor, "medical.read", entity, entity_id, Value::Null).await
}
