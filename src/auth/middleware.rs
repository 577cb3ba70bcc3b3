//! Per-request authorisation and CSRF checks. They read the [`RequestCtx`] that the web
//! layer's context middleware resolved (who is asking, in which language).

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::session::{AuthVia, CurrentUser};
use crate::audit::Actor;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;

/// What the context middleware learnt about a request.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub user: Option<CurrentUser>,
    pub lang: Lang,
    /// The CSRF token forms must echo (the value of the CSRF cookie).
    pub csrf: String,
    /// True when the request carried no CSRF cookie (one is being issued now).
    pub csrf_is_new: bool,
    pub request_id: String,
}

impl RequestCtx {
    /// The audit actor for this request (anonymous when nobody is signed in).
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => Actor {
                user_id: Some(u.id),
                username: u.username.clone(),
                role: u.role.as_str().to_owned(),
                request_id: self.request_id.clone(),
            },
            None => Actor {
                user_id: None,
                username: String::new(),
                role: String::new(),
                request_id: self.request_id.clone(),
            },
        }
    }
}

/// Route layer: looks the matched route up in the policy; unknown routes are refused.
pub async fn authorize(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let role = req
        .extensions()
        .get::<RequestCtx>()
        .and_then(|c| c.user.as_ref())
        .map(|u| u.role);
    let matched = req.extensions().get::<MatchedPath>().map(|p| p.as_str());
    let access = matched.and_then(|p| st.policy.lookup(req.method(), p));
    match access {
        // A method the route does not take: the router answers 405 with `Allow`.
        None if matched.is_some_and(|p| st.policy.has_path(p)) => next.run(req).await,
        None => {
            tracing::error!(method = %req.method(), path = %req.uri().path(), "route has no access rule; refused");
            AppError::Forbidden.into_response()
        }
        Some(a) if a.allows(role) => next.run(req).await,
        Some(_) if role.is_none() => AppError::Unauthenticated.into_response(),
        Some(_) => AppError::Forbidden.into_response(),
    }
}

const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Refuses state-changing requests that do not prove they come from our own pages:
/// a cross-site fetch (Sec-Fetch-Site / Origin) or a missing or wrong token. The token
/// travels in the `x-csrf-token` header, the `_csrf` query parameter, or the `_csrf`
/// field of a URL-encoded form. Requests authenticated by an API token carry no ambient
/// authority and are exempt.
pub async fn verify_csrf(State(st): State<AppState>, req: Request, next: Next) -> Response {
    // Safe methods, and a method the matched route does not take (the router answers
    // 405; no handler runs), carry nothing to protect.
    let taken = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| st.policy.lookup(req.method(), p.as_str()).is_some());
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || !taken {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<RequestCtx>().cloned() else {
        return AppError::Csrf.into_response();
    };
    if ctx
        .user
        .as_ref()
        .is_some_and(|u| matches!(u.via, AuthVia::Token(_)))
    {
        return next.run(req).await;
    }
    // Machine-to-machine calls signed by a centre key: a browser cannot send this header
    // cross-site without a CORS preflight, which we never grant; the handler verifies
    // the signature.
    if req.headers().contains_key("x-rehabops-signature") && req.uri().path() == "/api/v1/summaries"
    {
        return next.run(req).await;
    }
    if cross_site(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "cross-site state-changing request refused");
        return AppError::Csrf.into_response();
    }
    let (parts, body) = req.into_parts();
    let mut sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query_param(parts.uri.query().unwrap_or_default(), CSRF_FIELD));
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let body = if sent.is_none() && is_form {
        match axum::body::to_bytes(body, st.cfg.max_body_bytes).await {
            Ok(bytes) => {
                sent = form_field(&bytes, CSRF_FIELD);
                Body::from(bytes)
            }
            Err(_) => return AppError::BadRequest("error.body_too_large").into_response(),
        }
    } else {
        body
    };
    let ok = !ctx.csrf_is_new
        && sent.is_some_and(|s| bool::from(s.as_bytes().ct_eq(ctx.csrf.as_bytes())));
    if !ok {
        tracing::warn!(path = %parts.uri.path(), "state-changing request without a valid CSRF token refused");
        return AppError::Csrf.into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

fn cross_site(h: &HeaderMap) -> bool {
    if h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return true;
    }
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some("null"), _) => true,
        (Some(o), Some(host)) => {
            let o_host = o.split("://").nth(1).unwrap_or(o);
            !o_host.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cross_site_detection() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8081"));
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8081"),
        );
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site(&h));
        let mut h2 = HeaderMap::new();
        h2.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(cross_site(&h2));
    }

    #[test]
    fn form_field_is_found() {
        assert_eq!(
            form_field(b"a=1&_csrf=abc&b=2", "_csrf").as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"a=1", "_csrf"), None);
        assert_eq!(query_param("_csrf=x%20y", "_csrf").as_deref(), Some("x y"));
    }
}
