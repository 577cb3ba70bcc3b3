//! One's own account: password, language, personal API tokens; `GET /api/v1/me`.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::admin::users;
use crate::auth::session;
use crate::auth::{Access, Routes, password};
use crate::db;
use crate::entities::{api_token, app_user};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::format_datetime;
use crate::state::AppState;
use crate::web::{Form, PageCtx, User};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/account", Access::Authenticated, page)
        .post("/account/password", Access::Authenticated, change_password)
        .post("/account/tokens", Access::Authenticated, create_token)
        .post(
            "/account/tokens/{id}/revoke",
            Access::Authenticated,
            revoke_token,
        )
        .get("/api/v1/me", Access::Authenticated, api_me)
}

pub struct TokenRow {
    pub token: api_token::Model,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/account.html")]
pub struct AccountPage {
    pub ctx: PageCtx,
    pub tokens: Vec<TokenRow>,
    pub password_errors: FieldErrors,
    /// A token just created: shown this once.
    pub new_token: Option<String>,
    pub token_name: String,
    pub token_error: Option<&'static str>,
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    password_errors: FieldErrors,
    new_token: Option<String>,
    token_name: String,
    token_error: Option<&'static str>,
) -> AppResult<AccountPage> {
    let user_id = ctx
        .user
        .as_ref()
        .map(|u| u.id)
        .ok_or(AppError::Unauthenticated)?;
    let tokens = api_token::Entity::find()
        .filter(api_token::COLUMN.user_id.eq(user_id))
        .order_by_desc(api_token::COLUMN.id)
        .all(&st.db)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            created: format_datetime(t.created_at),
            last_used: t.last_used_at.map(format_datetime),
            revoked: t.revoked_at.map(format_datetime),
            token: t,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        tokens,
        password_errors,
        new_token,
        token_name,
        token_error,
    })
}

async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<AccountPage> {
    render(&st, ctx, FieldErrors::new(), None, String::new(), None).await
}

#[derive(Deserialize, Default)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn change_password(
    State(st): State<AppState>,
    ctx: PageCtx,
    User(me): User,
    Form(f): Form<ChangePasswordForm>,
) -> AppResult<Response> {
    let stored = app_user::Entity::find_by_id(me.id)
        .one(&st.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let current_ok = password::verify(f.current.clone(), Some(stored.password_hash))
        .await
        .map_err(AppError::from)?;
    let result = if current_ok {
        let txn = db::begin_write(&st.db).await?;
        match users::set_password(&txn, &ctx.actor(), me.id, &f.password, &f.password_confirm).await
        {
            Ok(()) => {
                // Every session ended with the change, this one too: sign in again.
                txn.commit().await?;
                Ok(())
            }
            Err(e) => Err(e),
        }
    } else {
        Err(AppError::invalid("current", "error.current_password_wrong"))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/login?next=/account").into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = render(&st, ctx, errors, None, String::new(), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(st): State<AppState>,
    ctx: PageCtx,
    User(me): User,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    let name = f.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        let key = if name.is_empty() {
            "error.required"
        } else {
            "error.too_long"
        };
        let page = render(&st, ctx, FieldErrors::new(), None, f.name, Some(key)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let txn = db::begin_write(&st.db).await?;
    let token = session::create_token(&txn, &ctx.actor(), me.id, &name).await?;
    txn.commit().await?;
    // Shown in this response only; never stored or shown again.
    Ok(render(
        &st,
        ctx,
        FieldErrors::new(),
        Some(token.secret),
        String::new(),
        None,
    )
    .await?
    .into_response())
}

async fn revoke_token(
    State(st): State<AppState>,
    ctx: PageCtx,
    User(me): User,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    session::revoke_token(&txn, &ctx.actor(), me.id, id).await?;
    txn.commit().await?;
    Ok(Redirect::to("/account?ok=token_revoked"))
}

/// The signed-in user, as the API sees them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    /// Role code, e.g. `intake_clerk`.
    pub role: String,
    /// `vi` or `en`.
    pub lang: String,
    /// `centre` or `department`.
    pub instance: String,
    /// The centre's code on a centre instance.
    pub centre: Option<String>,
}

/// Who am I: the user behind the session or API token.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, description = "Not signed in")),
    security(("bearer" = []), ("session" = [])))]
pub async fn api_me(State(st): State<AppState>, User(me): User) -> axum::Json<Me> {
    axum::Json(Me {
        id: me.id,
        username: me.username,
        full_name: me.full_name,
        role: me.role.as_str().to_owned(),
        lang: me.lang.code().to_owned(),
        instance: st.instance.kind.as_str().to_owned(),
        centre: st.instance.centre.as_ref().map(|c| c.code.clone()),
    })
}
