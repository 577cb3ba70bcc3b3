//! Accounts of this instance: the rules for a valid account and their storage.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::auth::{Role, password, session};
use crate::config::InstanceKind;
use crate::entities::app_user;
use crate::error::{AppError, AppResult, FieldErrors, is_unique_violation};

/// A valid account, before its password is hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

/// What the "new account" form (or the CLI) sends; kept as typed for re-display.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

/// User names: 3–64 characters of a–z, 0–9, `.`, `_`, `-` (no accents: they are typed on
/// every login, on any keyboard).
pub fn username_error(username: &str) -> Option<&'static str> {
    let n = username.chars().count();
    if n < 3 || n > 64 {
        Some("error.username_length")
    } else if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        Some("error.username_chars")
    } else {
        None
    }
}

/// Checks a new-account form against the rules; pure, no database.
pub fn validate(form: &NewUserForm, kind: InstanceKind) -> Result<(NewUser, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let username = form.username.trim().to_lowercase();
    if let Some(k) = username_error(&username) {
        errors.add("username", k);
    }
    let full_name = form.full_name.trim().to_owned();
    if full_name.is_empty() {
        errors.add("full_name", "error.required");
    } else if full_name.chars().count() > 128 {
        errors.add("full_name", "error.too_long");
    }
    let role = Role::parse(form.role.trim());
    match role {
        None => errors.add("role", "error.required"),
        Some(r) if !r.exists_in(kind) => errors.add("role", "error.role_not_in_instance"),
        Some(_) => {}
    }
    if let Some(k) = password::policy_violation(&form.password, &username) {
        errors.add("password", k);
    } else if form.password != form.password_confirm {
        errors.add("password_confirm", "error.password_mismatch");
    }
    match (errors.is_empty(), role) {
        (true, Some(role)) => Ok((
            NewUser {
                username,
                full_name,
                role,
            },
            form.password.clone(),
        )),
        _ => Err(errors),
    }
}

/// Validates, hashes and stores a new account, audited.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    kind: InstanceKind,
    lang: crate::i18n::Lang,
    form: &NewUserForm,
) -> AppResult<app_user::Model> {
    let (new, pw) = validate(form, kind).map_err(AppError::Invalid)?;
    let hash = password::hash(pw).await.map_err(AppError::from)?;
    insert_with_hash(conn, actor, kind, lang, new, hash).await
}

/// Stores an account. `lang` is the instance's default language: a new account reads
/// pages in it until its user chooses another.
pub async fn insert_with_hash<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    kind: InstanceKind,
    lang: crate::i18n::Lang,
    new: NewUser,
    password_hash: String,
) -> AppResult<app_user::Model> {
    if !new.role.exists_in(kind) {
        return Err(AppError::invalid("role", "error.role_not_in_instance"));
    }
    let now = Utc::now();
    let model = app_user::ActiveModel {
        username: Set(new.username.clone()),
        full_name: Set(new.full_name.clone()),
        password_hash: Set(password_hash),
        role: Set(new.role.as_str().to_owned()),
        lang: Set(lang.code().to_owned()),
        active: Set(true),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::invalid("username", "error.username_taken")
        } else {
            e.into()
        }
    })?;
    audit::record(
        conn,
        actor,
        "user.create",
        "app_user",
        model.id,
        json!({ "after": { "username": model.username, "full_name": model.full_name, "role": model.role } }),
    )
    .await?;
    Ok(model)
}

pub async fn list<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<app_user::Model>> {
    Ok(app_user::Entity::find()
        .order_by_asc(app_user::COLUMN.username)
        .all(conn)
        .await?)
}

async fn find<C: ConnectionTrait>(conn: &C, id: i32) -> AppResult<app_user::Model> {
    app_user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Activates or deactivates an account; deactivation ends its sessions at once.
/// An administrator cannot deactivate their own account (no lock-out of the last admin
/// by a slip of the mouse).
pub async fn set_active<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    id: i32,
    active: bool,
) -> AppResult<()> {
    if !active && actor.user_id == Some(id) {
        return Err(AppError::Conflict("error.cannot_deactivate_self"));
    }
    let u = find(conn, id).await?;
    if u.active == active {
        return Ok(());
    }
    let mut am = u.into_active_model();
    am.active = Set(active);
    am.update(conn).await?;
    if !active {
        session::destroy_all_for_user(conn, id).await?;
    }
    audit::record(
        conn,
        actor,
        if active {
            "user.activate"
        } else {
            "user.deactivate"
        },
        "app_user",
        id,
        json!({ "before": { "active": !active }, "after": { "active": active } }),
    )
    .await?;
    Ok(())
}

/// Lifts a lockout after failed logins.
pub async fn unlock<C: ConnectionTrait>(conn: &C, actor: &Actor, id: i32) -> AppResult<()> {
    let u = find(conn, id).await?;
    let mut am = u.into_active_model();
    am.locked_until = Set(None);
    am.failed_logins = Set(0);
    am.update(conn).await?;
    audit::record(conn, actor, "user.unlock", "app_user", id, json!({})).await?;
    Ok(())
}

/// Sets a new password (by an administrator, or by the user after checking the current
/// one) and ends every session of the account.
pub async fn set_password<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    id: i32,
    new_password: &str,
    confirm: &str,
) -> AppResult<()> {
    let u = find(conn, id).await?;
    let mut errors = FieldErrors::new();
    if let Some(k) = password::policy_violation(new_password, &u.username) {
        errors.add("password", k);
    } else if new_password != confirm {
        errors.add("password_confirm", "error.password_mismatch");
    }
    errors.into_result()?;
    let hash = password::hash(new_password.to_owned())
        .await
        .map_err(AppError::from)?;
    let mut am = u.into_active_model();
    am.password_hash = Set(hash);
    am.password_changed_at = Set(Utc::now());
    am.locked_until = Set(None);
    am.failed_logins = Set(0);
    am.update(conn).await?;
    // A new password ends every way in: sessions and API tokens.
    session::destroy_all_for_user(conn, id).await?;
    let revoked = session::revoke_all_tokens(conn, id).await?;
    audit::record(
        conn,
        actor,
        "user.password",
        "app_user",
        id,
        json!({ "tokens_revoked": revoked }),
    )
    .await?;
    Ok(())
}

/// Finds a user by name (CLI).
pub async fn by_username<C: ConnectionTrait>(
    conn: &C,
    username: &str,
) -> AppResult<Option<app_user::Model>> {
    Ok(app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq(username))
        .one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(username: &str, role: &str, pw: &str, confirm: &str) -> NewUserForm {
        NewUserForm {
            username: username.into(),
            full_name: "Nguyễn Văn An".into(),
            role: role.into(),
            password: pw.into(),
            password_confirm: confirm.into(),
        }
    }

    #[test]
    fn valid_account() {
        let (u, _) = validate(
            &form(
                " Intake.2 ",
                "intake_clerk",
                "long enough pw",
                "long enough pw",
            ),
            InstanceKind::Centre,
        )
        .unwrap();
        assert_eq!(u.username, "intake.2");
        assert_eq!(u.role, Role::IntakeClerk);
    }

    #[test]
    fn each_rule_names_its_field() {
        let e = validate(&form("a", "", "short", "short"), InstanceKind::Centre).unwrap_err();
        assert_eq!(e.key("username"), Some("error.username_length"));
        assert_eq!(e.key("role"), Some("error.required"));
        assert_eq!(e.key("password"), Some("error.password_too_short"));
        let e = validate(
            &form("nguyễn", "doctor", "long enough pw", "other long pw"),
            InstanceKind::Centre,
        )
        .unwrap_err();
        assert_eq!(e.key("username"), Some("error.username_chars"));
        assert_eq!(e.key("password_confirm"), Some("error.password_mismatch"));
    }

    #[test]
    fn roles_belong_to_their_instance() {
        let e = validate(
            &form("doc", "doctor", "long enough pw", "long enough pw"),
            InstanceKind::Department,
        )
        .unwrap_err();
        assert_eq!(e.key("role"), Some("error.role_not_in_instance"));
        let e = validate(
            &form(
                "mon",
                "department_monitor",
                "long enough pw",
                "long enough pw",
            ),
            InstanceKind::Centre,
        )
        .unwrap_err();
        assert_eq!(e.key("role"), Some("error.role_not_in_instance"));
    }
}
