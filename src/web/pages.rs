//! Pages that belong to no area: sign-in and sign-out, the language switch, health
//! checks and the error page.

use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde::Deserialize;
use serde_json::json;

use super::context::append_cookie;
use super::{Form, PageCtx};
use crate::auth::middleware::RequestCtx;
use crate::auth::session::{self, AuthVia, LoginRefusal};
use crate::auth::{Access, Routes};
use crate::entities::app_user;
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::i18n::{Lang, format_datetime};
use crate::state::{AppState, LANG_COOKIE};
use crate::{audit, db};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/login", Access::Public, login_form)
        .post("/login", Access::Public, login_submit)
        .post("/logout", Access::Authenticated, logout)
        .post("/lang", Access::Public, switch_language)
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub status: u16,
    pub key: &'static str,
    pub request_id: String,
}

impl ErrorPage {
    pub fn new(st: &AppState, req: &RequestCtx, path: &str, info: &ErrorInfo) -> ErrorPage {
        ErrorPage {
            ctx: PageCtx::build(st, req.clone(), path, None),
            status: info.status.as_u16(),
            key: info.key,
            request_id: req.request_id.clone(),
        }
    }
    pub fn title_key(&self) -> &'static str {
        match self.status {
            404 => "error.title_404",
            403 => "error.title_403",
            400 | 422 => "error.title_400",
            409 => "error.title_409",
            _ => "error.title_500",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Only same-site relative paths are followed after login or a language switch: a
/// leading `/`, no second `/` or `\` after it, and only visible ASCII (browsers drop
/// tabs and newlines from URLs, which would turn `/\t/host` into `//host`).
pub fn safe_next(next: &str) -> &str {
    let visible = next.bytes().all(|b| b.is_ascii_graphic());
    let rest = next.strip_prefix('/');
    match rest {
        Some(r)
            if visible && !r.starts_with('/') && !r.starts_with('\\') && !next.contains('\\') =>
        {
            next
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/residents?q=a"), "/residents?q=a");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/ /x",
            "/đ",
            "",
            "evil",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}

async fn login_form(ctx: PageCtx, Query(q): Query<LoginQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(safe_next(&q.next)).into_response();
    }
    LoginPage {
        ctx,
        username: String::new(),
        next: q.next,
        error: None,
    }
    .into_response()
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let outcome = session::login(
        &st.db,
        &st.cfg,
        &f.username,
        &f.password,
        &ctx.request.request_id,
    )
    .await?;
    match outcome {
        Ok((user, token)) => {
            // Rotation: the session the browser had before (if any) ends here.
            if let Some(AuthVia::Session(old)) = ctx.user.as_ref().map(|u| u.via.clone()) {
                session::destroy(&st.db, &old).await?;
            }
            let mut resp = Redirect::to(safe_next(&f.next)).into_response();
            let c = Cookie::build((st.instance.cookies.session.clone(), token))
                .path("/")
                .http_only(true)
                .secure(st.cfg.https)
                .same_site(SameSite::Lax)
                .build();
            append_cookie(&mut resp, &c);
            tracing::info!(user = %user.username, "signed in");
            Ok(resp)
        }
        Err(refusal) => {
            let error = match refusal {
                LoginRefusal::BadCredentials => ctx.t("login.bad_credentials").to_owned(),
                LoginRefusal::Locked { until } => {
                    ctx.t1("login.locked", "until", &format_datetime(until))
                }
            };
            Ok((
                StatusCode::UNAUTHORIZED,
                LoginPage {
                    ctx,
                    username: f.username,
                    next: f.next,
                    error: Some(error),
                },
            )
                .into_response())
        }
    }
}

async fn logout(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    if let Some(u) = &ctx.user {
        if let AuthVia::Session(hash) = &u.via {
            let txn = db::begin_write(&st.db).await?;
            session::destroy(&txn, hash).await?;
            audit::record(&txn, &ctx.actor(), "logout", "app_user", u.id, json!({})).await?;
            txn.commit().await?;
        }
    }
    let mut resp = Redirect::to("/login").into_response();
    let c = Cookie::build((st.instance.cookies.session.clone(), ""))
        .path("/")
        .removal()
        .build();
    append_cookie(&mut resp, &c);
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

async fn switch_language(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&f.lang).ok_or(AppError::BadRequest("error.unknown_language"))?;
    if let Some(u) = &ctx.user {
        let txn = db::begin_write(&st.db).await?;
        let model = app_user::Entity::find_by_id(u.id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let before = model.lang.clone();
        if before != lang.code() {
            let mut am = model.into_active_model();
            am.lang = Set(lang.code().to_owned());
            am.update(&txn).await?;
            audit::record(
                &txn,
                &ctx.actor(),
                "user.language",
                "app_user",
                u.id,
                json!({ "before": before, "after": lang.code() }),
            )
            .await?;
        }
        txn.commit().await?;
    }
    let mut resp = Redirect::to(safe_next(&f.back)).into_response();
    let c = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax)
        .secure(st.cfg.https)
        .build();
    append_cookie(&mut resp, &c);
    Ok(resp)
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(st): State<AppState>) -> Response {
    match db::ping(&st.db).await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
