//! Sessions, API tokens and the login rules (throttling by lockout). Only hashes of
//! session ids and tokens are stored.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::password;
use super::roles::Role;
use crate::audit::{self, Actor};
use crate::config::Config;
use crate::entities::{api_token, app_user, session};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// The signed-in user, as every handler sees it.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub lang: Lang,
    pub via: AuthVia,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthVia {
    /// Browser session; the hash identifies the session row.
    Session(String),
    /// `Authorization: Bearer` API token.
    Token(i32),
}

/// `n` random bytes as lower-case hex.
/// `SELECT … FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE transaction already holds
/// the database's write lock.
trait LockIfPostgres: Sized {
    fn lock_exclusive_if_postgres(self, backend: sea_orm::DbBackend) -> Self;
}

impl<E: EntityTrait> LockIfPostgres for sea_orm::Select<E> {
    fn lock_exclusive_if_postgres(self, backend: sea_orm::DbBackend) -> Self {
        use sea_orm::QuerySelect;
        if backend == sea_orm::DbBackend::Postgres {
            self.lock_exclusive()
        } else {
            self
        }
    }
}

pub fn random_hex(n: usize) -> Result<String, AppError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(anyhow::anyhow!("random: {e}")))?;
    Ok(hex::encode(buf))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn user_from(model: &app_user::Model, via: AuthVia) -> Option<CurrentUser> {
    Some(CurrentUser {
        id: model.id,
        username: model.username.clone(),
        full_name: model.full_name.clone(),
        role: Role::parse(&model.role)?,
        lang: Lang::parse(&model.lang).unwrap_or_default(),
        via,
    })
}

/// Creates a session for `user_id` and returns the cookie value (shown to the browser
/// only). A new id at every login: an id planted before login is never promoted.
pub async fn create<C: ConnectionTrait>(conn: &C, cfg: &Config, user_id: i32) -> AppResult<String> {
    let token = random_hex(32)?;
    let now = Utc::now();
    session::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::minutes(cfg.session_idle_minutes)),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The user behind a session cookie, if the session is live. Sliding expiry: activity
/// extends it, up to the absolute limit after login.
pub async fn resolve(
    db: &DatabaseConnection,
    cfg: &Config,
    token: &str,
) -> AppResult<Option<CurrentUser>> {
    let id = sha256_hex(token);
    // The session and its account in one statement: every page view pays for it.
    let to_user: sea_orm::RelationDef = session::Entity::belongs_to(app_user::Entity)
        .from(session::Column::UserId)
        .to(app_user::Column::Id)
        .into();
    let Some((s, Some(u))) = session::Entity::find_by_id(id.clone())
        .join(sea_orm::JoinType::InnerJoin, to_user)
        .select_also(app_user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    let absolute_end = s.created_at + Duration::hours(cfg.session_absolute_hours);
    if s.expires_at <= now || absolute_end <= now || !u.active {
        session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    // Touch at most once a minute: a page view should not always be a write.
    if now - s.last_seen_at > Duration::seconds(60) {
        let new_expiry = (now + Duration::minutes(cfg.session_idle_minutes)).min(absolute_end);
        let mut am = s.into_active_model();
        am.last_seen_at = Set(now);
        am.expires_at = Set(new_expiry);
        am.update(db).await?;
    }
    Ok(user_from(&u, AuthVia::Session(id)))
}

/// Ends one session (logout).
pub async fn destroy<C: ConnectionTrait>(conn: &C, session_hash: &str) -> AppResult<()> {
    session::Entity::delete_by_id(session_hash.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change, deactivation).
pub async fn destroy_all_for_user<C: ConnectionTrait>(conn: &C, user_id: i32) -> AppResult<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::COLUMN.user_id.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Deletes expired sessions; run periodically.
pub async fn purge_expired(db: &DatabaseConnection) -> AppResult<u64> {
    Ok(session::Entity::delete_many()
        .filter(session::COLUMN.expires_at.lte(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Why a login was refused. Unknown user and wrong password read the same to the user.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    BadCredentials,
    Locked { until: DateTime<Utc> },
}

/// Checks credentials with lockout after `login_max_failures` failures in a row.
/// Every attempt is audited.
pub async fn login(
    db: &DatabaseConnection,
    cfg: &Config,
    username: &str,
    password_typed: &str,
    request_id: &str,
) -> AppResult<Result<(app_user::Model, String), LoginRefusal>> {
    let username = username.trim();
    let user = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq(username))
        .one(db)
        .await?;
    let now = Utc::now();
    let actor = |u: Option<&app_user::Model>| Actor {
        user_id: u.map(|u| u.id),
        username: username.chars().take(64).collect(),
        role: u.map(|u| u.role.clone()).unwrap_or_default(),
        request_id: request_id.to_owned(),
    };

    if let Some(u) = &user {
        if let Some(until) = u.locked_until.filter(|t| *t > now) {
            audit::record(
                db,
                &actor(Some(u)),
                "login.refused_locked",
                "app_user",
                u.id,
                json!({}),
            )
            .await?;
            return Ok(Err(LoginRefusal::Locked { until }));
        }
    }

    let ok = password::verify(
        password_typed.to_owned(),
        user.as_ref()
            .filter(|u| u.active)
            .map(|u| u.password_hash.clone()),
    )
    .await
    .map_err(AppError::from)?;

    let txn = crate::db::begin_write(db).await?;
    // Re-read the account inside the write transaction: parallel attempts each see the
    // count the previous one wrote (the transaction holds the write lock on SQLite; on
    // PostgreSQL the row is locked), so guessing in parallel cannot dodge the lockout.
    let fresh = match &user {
        Some(u) => {
            app_user::Entity::find_by_id(u.id)
                .lock_exclusive_if_postgres(db.get_database_backend())
                .one(&txn)
                .await?
        }
        None => None,
    };
    if let Some(until) = fresh
        .as_ref()
        .and_then(|u| u.locked_until)
        .filter(|t| *t > now)
    {
        if let Some(u) = &fresh {
            audit::record(
                &txn,
                &actor(Some(u)),
                "login.refused_locked",
                "app_user",
                u.id,
                json!({}),
            )
            .await?;
        }
        txn.commit().await?;
        return Ok(Err(LoginRefusal::Locked { until }));
    }
    let result = match fresh {
        Some(u) if ok => {
            let token = create(&txn, cfg, u.id).await?;
            let mut am = u.clone().into_active_model();
            am.failed_logins = Set(0);
            am.locked_until = Set(None);
            let u = am.update(&txn).await?;
            audit::record(
                &txn,
                &actor(Some(&u)),
                "login.success",
                "app_user",
                u.id,
                json!({}),
            )
            .await?;
            Ok((u, token))
        }
        Some(u) => {
            let failures = u.failed_logins + 1;
            let lock = failures >= cfg.login_max_failures;
            let until = now + Duration::minutes(cfg.login_lockout_minutes);
            let mut am = u.clone().into_active_model();
            am.failed_logins = Set(if lock { 0 } else { failures });
            am.locked_until = Set(lock.then_some(until));
            am.update(&txn).await?;
            audit::record(
                &txn,
                &actor(Some(&u)),
                if lock {
                    "login.locked"
                } else {
                    "login.failure"
                },
                "app_user",
                u.id,
                json!({ "failures": failures }),
            )
            .await?;
            Err(if lock {
                LoginRefusal::Locked { until }
            } else {
                LoginRefusal::BadCredentials
            })
        }
        None => {
            audit::record(
                &txn,
                &actor(None),
                "login.failure",
                "app_user",
                "",
                json!({ "unknown_user": true }),
            )
            .await?;
            Err(LoginRefusal::BadCredentials)
        }
    };
    txn.commit().await?;
    Ok(result)
}

/// A newly created API token: the secret is returned once and never stored.
pub struct NewToken {
    pub id: i32,
    pub secret: String,
}

pub const TOKEN_PREFIX: &str = "rho_";

pub async fn create_token<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    user_id: i32,
    name: &str,
) -> AppResult<NewToken> {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex(24)?);
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        prefix: Set(secret.chars().take(12).collect()),
        token_hash: Set(sha256_hex(&secret)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "api_token.create",
        "api_token",
        model.id,
        json!({ "name": name }),
    )
    .await?;
    Ok(NewToken {
        id: model.id,
        secret,
    })
}

/// Revokes one of `user_id`'s tokens.
pub async fn revoke_token<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    user_id: i32,
    token_id: i32,
) -> AppResult<()> {
    let t = api_token::Entity::find_by_id(token_id)
        .filter(api_token::COLUMN.user_id.eq(user_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.revoked_at.is_some() {
        return Ok(());
    }
    let mut am = t.into_active_model();
    am.revoked_at = Set(Some(Utc::now()));
    let t = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "api_token.revoke",
        "api_token",
        t.id,
        json!({ "name": t.name }),
    )
    .await?;
    Ok(())
}

/// Revokes every live token of a user (password change); returns how many.
pub async fn revoke_all_tokens<C: ConnectionTrait>(conn: &C, user_id: i32) -> AppResult<u64> {
    use sea_orm::sea_query::Expr;
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::COLUMN.user_id.eq(user_id))
        .filter(api_token::COLUMN.revoked_at.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// The user behind a bearer token, if the token is live and the user active.
pub async fn resolve_token(
    db: &DatabaseConnection,
    secret: &str,
) -> AppResult<Option<CurrentUser>> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(t) = api_token::Entity::find()
        .filter(api_token::COLUMN.token_hash.eq(sha256_hex(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(u) = app_user::Entity::find_by_id(t.user_id).one(db).await? else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || !u.active {
        return Ok(None);
    }
    let now = Utc::now();
    if t.last_used_at
        .is_none_or(|at| now - at > Duration::seconds(60))
    {
        let id = t.id;
        let mut am = t.into_active_model();
        am.last_used_at = Set(Some(now));
        am.update(db).await?;
        return Ok(user_from(&u, AuthVia::Token(id)));
    }
    Ok(user_from(&u, AuthVia::Token(t.id)))
}
