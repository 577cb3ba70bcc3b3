//! The outermost application middleware: resolves who is asking (session cookie or API
//! token), their language and CSRF token; after the handler, renders any error as a page
//! in that language (or JSON under `/api/`), and sets the cookies it issued.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::auth::middleware::RequestCtx;
use crate::auth::session;
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;
use crate::state::{AppState, LANG_COOKIE};
use crate::web::pages::ErrorPage;

pub async fn context(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/assets/") {
        return next.run(req).await;
    }
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let jar = CookieJar::from_headers(req.headers());
    let names = &st.instance.cookies;

    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned());
    let session_cookie = jar.get(&names.session).map(|c| c.value().to_owned());
    let resolved = match (&bearer, &session_cookie) {
        (Some(token), _) => session::resolve_token(&st.db, token).await,
        (None, Some(sid)) => session::resolve(&st.db, &st.cfg, sid).await,
        (None, None) => Ok(None),
    };
    let (user, lookup_error) = match resolved {
        Ok(u) => (u, None),
        Err(e) => (None, Some(e)),
    };
    // Only a session the database says is gone clears the cookie; a failed lookup does not.
    let drop_session_cookie =
        bearer.is_none() && session_cookie.is_some() && user.is_none() && lookup_error.is_none();

    // Pages: the instance's language until the user chooses (account, then cookie) — a
    // browser's Accept-Language says nothing of what a centre's staff read. An API client
    // sets the header on purpose, so the API honours it.
    let api_choice = || {
        path.starts_with("/api/")
            .then(|| req.headers().get(header::ACCEPT_LANGUAGE))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(Lang::from_accept_language)
    };
    let lang = user
        .as_ref()
        .map(|u| u.lang)
        .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(api_choice)
        .unwrap_or(st.cfg.default_lang);

    let existing_csrf = jar
        .get(&names.csrf)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let (csrf, csrf_is_new) = match existing_csrf {
        Some(v) => (v, false),
        None => match session::random_hex(32) {
            Ok(v) => (v, true),
            Err(e) => return e.into_response(),
        },
    };

    let ctx = RequestCtx {
        user,
        lang,
        csrf,
        csrf_is_new,
        request_id,
    };
    req.extensions_mut().insert(ctx.clone());
    let is_api = path.starts_with("/api/");

    let mut resp = match lookup_error {
        // The database failed while finding the session: answer with a 500, not as if
        // the user were signed out.
        Some(e) => e.into_response(),
        None => next.run(req).await,
    };
    if let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() {
        resp = render_error(&st, &ctx, &path, is_api, info);
    }

    let secure = st.cfg.https;
    if csrf_is_new {
        let c = Cookie::build((names.csrf.clone(), ctx.csrf.clone()))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .build();
        append_cookie(&mut resp, &c);
    }
    if drop_session_cookie {
        let c = Cookie::build((names.session.clone(), ""))
            .path("/")
            .removal()
            .build();
        append_cookie(&mut resp, &c);
    }
    resp
}

pub fn append_cookie(resp: &mut Response, c: &Cookie<'_>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn render_error(
    st: &AppState,
    ctx: &RequestCtx,
    path: &str,
    is_api: bool,
    info: ErrorInfo,
) -> Response {
    if let Some(detail) = &info.detail {
        tracing::error!(request_id = %ctx.request_id, status = info.status.as_u16(), %detail, "request failed");
    }
    let mut resp = render_error_body(st, ctx, path, is_api, &info);
    if info.status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    resp
}

fn render_error_body(
    st: &AppState,
    ctx: &RequestCtx,
    path: &str,
    is_api: bool,
    info: &ErrorInfo,
) -> Response {
    let cat = ctx.lang.catalog();
    if is_api {
        let fields: serde_json::Map<String, serde_json::Value> = info
            .fields
            .0
            .iter()
            .map(|(f, k)| ((*f).to_owned(), serde_json::Value::String(k.render(cat))))
            .collect();
        let body = serde_json::json!({
            "error": info.key.trim_start_matches("error."),
            "message": cat.t(info.key),
            "fields": fields,
            "request_id": ctx.request_id,
        });
        return (info.status, axum::Json(body)).into_response();
    }
    if info.status == StatusCode::UNAUTHORIZED {
        let next = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
        return Redirect::to(&format!("/login?{next}")).into_response();
    }
    let page = ErrorPage::new(st, ctx, path, info);
    match askama::Template::render(&page) {
        Ok(html) => (info.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            (info.status, cat.t(info.key).to_owned()).into_response()
        }
    }
}

/// Fallback for paths no route matches.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
