//! Administration of one instance: accounts and the audit log.

pub mod audit_view;
pub mod users;

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::{Access, Permission, Role, Routes};
use crate::db;
use crate::entities::app_user;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Form, NavItem, PageCtx};
use users::NewUserForm;

pub fn routes() -> Routes<AppState> {
    let manage = Access::Perm(Permission::ManageUsers);
    Routes::new()
        .get("/admin/users", manage, list_users)
        .get("/admin/users/new", manage, new_user_form)
        .post("/admin/users", manage, create_user)
        .post("/admin/users/{id}/unlock", manage, unlock_user)
        .post("/admin/users/{id}/activate", manage, activate_user)
        .post("/admin/users/{id}/deactivate", manage, deactivate_user)
        .post("/admin/users/{id}/password", manage, reset_password)
        .get(
            "/admin/audit",
            Access::Perm(Permission::ViewAudit),
            audit_view::page,
        )
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/admin/users",
        key: "nav.users",
    },
    NavItem {
        href: "/admin/audit",
        key: "nav.audit",
    },
];

/// One row of the accounts table, with what the template shows.
pub struct UserRow {
    pub user: app_user::Model,
    pub role_key: &'static str,
    pub locked: bool,
    pub created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub rows: Vec<UserRow>,
    pub reset_for: Option<i32>,
    pub reset_errors: FieldErrors,
}

impl UsersPage {
    /// Whether the password-reset form of this row is the one being re-shown with errors.
    pub fn resetting<T: std::borrow::Borrow<i32>>(&self, id: T) -> bool {
        self.reset_for == Some(*id.borrow())
    }
}

async fn users_page(
    st: &AppState,
    ctx: PageCtx,
    reset_for: Option<i32>,
    reset_errors: FieldErrors,
) -> AppResult<UsersPage> {
    let now = chrono::Utc::now();
    let rows = users::list(&st.db)
        .await?
        .into_iter()
        .map(|u| UserRow {
            role_key: Role::parse(&u.role)
                .map(Role::label_key)
                .unwrap_or("role.unknown"),
            locked: u.locked_until.is_some_and(|t| t > now),
            created: ctx.cat.date(
                u.created_at
                    .with_timezone(&crate::i18n::hanoi_offset())
                    .date_naive(),
            ),
            user: u,
        })
        .collect();
    Ok(UsersPage {
        ctx,
        rows,
        reset_for,
        reset_errors,
    })
}

async fn list_users(State(st): State<AppState>, ctx: PageCtx) -> AppResult<UsersPage> {
    users_page(&st, ctx, None, FieldErrors::new()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_new.html")]
pub struct NewUserPage {
    pub ctx: PageCtx,
    pub form: NewUserForm,
    pub errors: FieldErrors,
    pub roles: Vec<(&'static str, &'static str)>,
}

fn role_options(st: &AppState) -> Vec<(&'static str, &'static str)> {
    Role::for_instance(st.instance.kind)
        .map(|r| (r.as_str(), r.label_key()))
        .collect()
}

async fn new_user_form(State(st): State<AppState>, ctx: PageCtx) -> NewUserPage {
    NewUserPage {
        ctx,
        form: NewUserForm::default(),
        errors: FieldErrors::new(),
        roles: role_options(&st),
    }
}

async fn create_user(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<NewUserForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match users::create(
        &txn,
        &ctx.actor(),
        st.instance.kind,
        st.cfg.default_lang,
        &form,
    )
    .await
    {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/admin/users?ok=user_created").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            // Passwords are never sent back to the browser.
            let form = NewUserForm {
                password: String::new(),
                password_confirm: String::new(),
                ..form
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                NewUserPage {
                    ctx,
                    form,
                    errors,
                    roles: role_options(&st),
                },
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

async fn unlock_user(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    users::unlock(&txn, &ctx.actor(), id).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/users?ok=user_unlocked"))
}

async fn activate_user(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    users::set_active(&txn, &ctx.actor(), id, true).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/users?ok=user_activated"))
}

async fn deactivate_user(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    users::set_active(&txn, &ctx.actor(), id, false).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/users?ok=user_deactivated"))
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

async fn reset_password(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match users::set_password(&txn, &ctx.actor(), id, &f.password, &f.password_confirm).await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to("/admin/users?ok=password_reset").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let page = users_page(&st, ctx, Some(id), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
