//! The application's one error type, mapped once to HTTP. Handlers and services return
//! `AppError`; the response carries an [`ErrorInfo`] that the web layer renders as a
//! page (in the user's language) or as JSON for `/api/…`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};

/// A message for the user: a catalogue key and the values of its `{placeholders}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Msg {
    pub key: String,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: impl Into<String>) -> Msg {
        Msg {
            key: key.into(),
            args: Vec::new(),
        }
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Msg {
        self.args.push((name, value.to_string()));
        self
    }
    /// The message in the catalogue's language.
    pub fn render(&self, cat: &crate::i18n::Catalog) -> String {
        let mut s = cat.t(&self.key).to_owned();
        for (name, value) in &self.args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }
}

impl From<&str> for Msg {
    fn from(key: &str) -> Msg {
        Msg::new(key)
    }
}

impl From<String> for Msg {
    fn from(key: String) -> Msg {
        Msg::new(key)
    }
}

/// Field name → the message shown beside it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<&'static str, Msg>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    /// Records the first error of a field (later ones for the same field are dropped).
    pub fn add(&mut self, field: &'static str, msg: impl Into<Msg>) {
        self.0.entry(field).or_insert_with(|| msg.into());
    }
    pub fn get(&self, field: &str) -> Option<&Msg> {
        self.0.get(field)
    }
    /// Catalogue key of a field's error (tests and rules).
    pub fn key(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(|m| m.key.as_str())
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Err(Invalid)` when any field failed.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("request refused: missing or wrong CSRF token")]
    Csrf,
    /// Malformed request; the key names the message.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// User input broke one or more rules; each field names its message.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The request conflicts with the current state (a duplicate, a stale form).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Too much work at once (password checks): try again shortly (503, Retry-After).
    #[error("busy")]
    Busy,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, key: impl Into<Msg>) -> AppError {
        let mut e = FieldErrors::new();
        e.add(field, key);
        AppError::Invalid(e)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Db(e) if is_unique_violation(e) => StatusCode::CONFLICT,
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Catalogue key of the message the user reads.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::Forbidden => "error.forbidden",
            AppError::Csrf => "error.csrf",
            AppError::BadRequest(k) | AppError::Conflict(k) => k,
            AppError::Invalid(_) => "error.invalid",
            AppError::Busy => "error.busy",
            AppError::Db(e) if is_unique_violation(e) => "error.duplicate",
            AppError::Db(_) | AppError::Internal(_) => "error.internal",
        }
    }
}

impl From<crate::auth::password::PasswordError> for AppError {
    fn from(e: crate::auth::password::PasswordError) -> AppError {
        match e {
            crate::auth::password::PasswordError::Busy => AppError::Busy,
            other => AppError::Internal(other.into()),
        }
    }
}

pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// What the web layer needs to render an error; put in the response's extensions.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub key: &'static str,
    pub fields: FieldErrors,
    /// Internal detail, for the log only; never shown.
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = status.is_server_error().then(|| self.to_string());
        let info = ErrorInfo {
            status,
            key: self.message_key(),
            fields: match self {
                AppError::Invalid(f) => f,
                _ => FieldErrors::new(),
            },
            detail,
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
