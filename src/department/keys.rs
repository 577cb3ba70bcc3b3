//! Registered centre keys (department side): which public key speaks for which centre.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::audit::{self, Actor};
use crate::entities::{centre, centre_key};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::summary::signing;

/// Registers `public_key` for `centre_code`, revoking the centre's previous key.
pub async fn register<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    public_key: &str,
) -> AppResult<centre_key::Model> {
    let code = centre_code.trim().to_uppercase();
    let key = public_key.trim().to_owned();
    let mut e = FieldErrors::new();
    let known = centre::Entity::find()
        .filter(centre::COLUMN.code.eq(code.as_str()))
        .one(conn)
        .await?;
    if known.is_none() {
        e.add(
            "centre_code",
            crate::error::Msg::new("error.unknown_centre").arg("code", &code),
        );
    }
    if signing::parse_public_key(&key).is_err() {
        e.add("public_key", "error.public_key_format");
    } else if signing::is_compromised(&key) {
        e.add("public_key", "error.public_key_compromised");
    }
    e.into_result()?;
    let now = Utc::now();
    for old in active_for(conn, &code).await? {
        let mut am = old.into_active_model();
        am.revoked_at = Set(Some(now));
        am.update(conn).await?;
    }
    let row = centre_key::ActiveModel {
        centre_code: Set(code.clone()),
        public_key: Set(key.clone()),
        registered_at: Set(now),
        registered_by: Set(actor.username.clone()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "centre_key.register",
        "centre_key",
        row.id,
        json!({ "centre": code, "public_key": key }),
    )
    .await?;
    Ok(row)
}

pub async fn active_for<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<Vec<centre_key::Model>> {
    Ok(centre_key::Entity::find()
        .filter(centre_key::COLUMN.centre_code.eq(code))
        .filter(centre_key::COLUMN.revoked_at.is_null())
        .all(conn)
        .await?)
}

pub async fn all<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<centre_key::Model>> {
    Ok(centre_key::Entity::find()
        .order_by_asc(centre_key::COLUMN.centre_code)
        .order_by_desc(centre_key::COLUMN.id)
        .all(conn)
        .await?)
}

pub async fn revoke<C: ConnectionTrait>(conn: &C, actor: &Actor, id: i32) -> AppResult<()> {
    let k = centre_key::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if k.revoked_at.is_some() {
        return Ok(());
    }
    let code = k.centre_code.clone();
    let mut am = k.into_active_model();
    am.revoked_at = Set(Some(Utc::now()));
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "centre_key.revoke",
        "centre_key",
        id,
        json!({ "centre": code }),
    )
    .await?;
    Ok(())
}
