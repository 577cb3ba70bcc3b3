//! Web plumbing shared by every area: the page context each template receives, the
//! request context middleware, form extraction, the layout's navigation, and the pages
//! that belong to no area (login, language, health, errors). Knows nothing of areas.

pub mod chart;
pub mod context;
pub mod pages;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::audit::Actor;
use crate::auth::middleware::RequestCtx;
use crate::auth::{CurrentUser, Role};
use crate::config::InstanceKind;
use crate::error::AppError;
use crate::i18n::{Catalog, Lang};
use crate::state::AppState;

/// An option of a select: the code sent and the catalogue key of its label.
#[derive(Clone, Debug)]
pub struct Choice {
    pub code: &'static str,
    pub key: String,
}

/// A link in the main navigation; shown only to roles the route policy lets in.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
}

/// Everything the base layout needs; every page struct holds one as `ctx`.
#[derive(Clone, Debug)]
pub struct PageCtx {
    pub lang: Lang,
    pub cat: &'static Catalog,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub instance_name: String,
    pub instance_kind: InstanceKind,
    pub demo: bool,
    pub nav: Vec<NavItem>,
    pub path: String,
    /// Catalogue key of a one-time confirmation (`?ok=code` → `flash.code`).
    pub flash: Option<String>,
    pub request: RequestCtx,
}

impl PageCtx {
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.cat.t(key)
    }
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.cat.t1(key, name, value)
    }
    pub fn t2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.cat.t2(key, n1, v1, n2, v2)
    }
    /// The label of a code recorded by the program (`<prefix>.<code>` in the catalogue),
    /// or the text as a user typed it when it is not a code.
    pub fn label_or(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        if self.cat.has(&key) {
            self.cat.t(&key).to_owned()
        } else {
            code.to_owned()
        }
    }
    /// A field error (or any message) in the page's language.
    pub fn msg(&self, m: &crate::error::Msg) -> String {
        m.render(self.cat)
    }
    pub fn num(&self, n: &i64) -> String {
        self.cat.number(*n)
    }
    pub fn num32(&self, n: &i32) -> String {
        self.cat.number(i64::from(*n))
    }
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }
    /// Whether the signed-in user's role has a permission (to show or hide a form; the
    /// route policy still decides).
    pub fn can(&self, p: crate::auth::Permission) -> bool {
        self.role().is_some_and(|r| crate::auth::role_has(r, p))
    }
    pub fn role_label(&self) -> &str {
        self.role()
            .map(|r| self.t(r.label_key()))
            .unwrap_or_default()
    }
    pub fn is_current(&self, href: &str) -> bool {
        let matches = |h: &str| {
            if h == "/" {
                self.path == "/"
            } else {
                self.path == h || self.path.starts_with(&format!("{h}/"))
            }
        };
        // The most specific menu entry wins (/beds/occupancy over /beds).
        matches(href)
            && !self
                .nav
                .iter()
                .any(|n| n.href.len() > href.len() && matches(n.href))
    }
    pub fn actor(&self) -> Actor {
        self.request.actor()
    }
    pub fn is_department(&self) -> bool {
        self.instance_kind == InstanceKind::Department
    }
    /// The path and query of this page, to come back to after a language switch.
    pub fn back(&self) -> &str {
        &self.path
    }
}

pub fn instance_name(st: &AppState, cat: &Catalog) -> String {
    match &st.instance.centre {
        Some(c) => c.name.clone(),
        None => st
            .cfg
            .department_name
            .clone()
            .unwrap_or_else(|| cat.t("instance.department").to_owned()),
    }
}

impl PageCtx {
    /// Builds the page context from what the context middleware resolved.
    pub fn build(st: &AppState, request: RequestCtx, path: &str, query: Option<&str>) -> PageCtx {
        let cat = request.lang.catalog();
        let role = request.user.as_ref().map(|u| u.role);
        let nav = st
            .nav
            .iter()
            .filter(|n| st.policy.allows_get(role, n.href))
            .cloned()
            .collect();
        let flash = query
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "ok"))
            .map(|(_, v)| format!("flash.{v}"))
            .filter(|k| cat.has(k));
        PageCtx {
            lang: request.lang,
            cat,
            user: request.user.clone(),
            csrf: request.csrf.clone(),
            instance_name: instance_name(st, cat),
            instance_kind: st.instance.kind,
            demo: st.instance.demo,
            nav,
            path: path.to_owned(),
            flash,
            request,
        }
    }
}

impl<S> FromRequestParts<S> for PageCtx
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        let request = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))?;
        Ok(PageCtx::build(
            &st,
            request,
            parts.uri.path(),
            parts.uri.query(),
        ))
    }
}

/// The signed-in user; refuses anonymous requests. (Routes already require sign-in
/// through the policy; this gives handlers the user without an `Option`.)
pub struct User(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .and_then(|c| c.user.clone())
            .map(User)
            .ok_or(AppError::Unauthenticated)
    }
}

/// `application/x-www-form-urlencoded` body. A malformed body is a 400 with a message in
/// the user's language, not axum's plain-text rejection.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let pairs = match axum::Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(axum::Form(p)) => p,
            Err(e) => {
                tracing::debug!(error = %e, "form rejected");
                return Err(AppError::BadRequest("error.bad_form"));
            }
        };
        // Vietnamese keyboards send composed or decomposed text; store one form (NFC)
        // so that search, duplicates and PDFs behave the same for both.
        let pairs: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (k, nfc(&v))).collect();
        let encoded = serde_urlencoded::to_string(&pairs)
            .map_err(|_| AppError::BadRequest("error.bad_form"))?;
        serde_urlencoded::from_str::<T>(&encoded)
            .map(Form)
            .map_err(|e| {
                tracing::debug!(error = %e, "form rejected");
                AppError::BadRequest("error.bad_form")
            })
    }
}

/// Query string of a page or API call. Empty values mean "not set" (an HTML form sends
/// every field, `due_within=` included), so they are dropped before deserialising;
/// anything that still does not fit is a 400 with a message in the user's language
/// (JSON for the API), never axum's plain-text rejection.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Path parameters. A value that does not fit (`/residents/abc`, an id past the integer
/// range) is a 400 with the usual error body (a page, or JSON for the API), not axum's
/// plain-text rejection.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => {
                tracing::debug!(error = %e, "path rejected");
                Err(AppError::BadRequest("error.bad_path"))
            }
        }
    }
}

/// Parses a query string as [`Query`] does (empty values dropped, text in NFC).
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, AppError> {
    let bad = |e: &dyn std::fmt::Display| {
        tracing::debug!(error = %e, "query rejected");
        AppError::BadRequest("error.bad_query")
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|e| bad(&e))?;
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, nfc(&v)))
        .collect();
    let encoded = serde_urlencoded::to_string(&kept).map_err(|e| bad(&e))?;
    serde_urlencoded::from_str::<T>(&encoded).map_err(|e| bad(&e))
}

/// A query string for a link: the non-empty pairs only, so that links carry what a
/// user chose and nothing else.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// JSON body for the API, with the same error shape as every other API error.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(e) => {
                tracing::debug!(error = %e, "json rejected");
                return Err(AppError::BadRequest("error.bad_json"));
            }
        };
        nfc_json(&mut value);
        serde_json::from_value(value).map(Json).map_err(|e| {
            tracing::debug!(error = %e, "json rejected");
            AppError::BadRequest("error.bad_json")
        })
    }
}

/// Unicode NFC (composed) form of user text.
pub fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// Text in NFC; a number with no fraction (`2253.0`) as the integer it is, as JSON Schema
/// reads it, so an integer field accepts it.
fn nfc_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = nfc(s),
        serde_json::Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(nfc_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(nfc_json),
        _ => {}
    }
}

/// A file to download: its type, a suggested name, and never kept by shared caches
/// (exports can hold personal data).
pub fn attachment(body: Vec<u8>, content_type: &str, filename: &str) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}
