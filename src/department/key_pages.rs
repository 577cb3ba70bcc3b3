//! Administration of the centres' public keys.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::keys;
use crate::entities::centre_key;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::format_datetime;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

pub struct KeyRow {
    pub key: centre_key::Model,
    pub registered: String,
    pub revoked: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct KeyForm {
    pub centre_code: String,
    pub public_key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "department/keys.html")]
pub struct KeysPage {
    pub ctx: PageCtx,
    pub rows: Vec<KeyRow>,
    pub form: KeyForm,
    pub errors: FieldErrors,
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    form: KeyForm,
    errors: FieldErrors,
) -> AppResult<KeysPage> {
    let rows = keys::all(&st.db)
        .await?
        .into_iter()
        .map(|k| KeyRow {
            registered: format_datetime(k.registered_at),
            revoked: k.revoked_at.map(format_datetime),
            key: k,
        })
        .collect();
    Ok(KeysPage {
        ctx,
        rows,
        form,
        errors,
    })
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<KeysPage> {
    render(&st, ctx, KeyForm::default(), FieldErrors::new()).await
}

pub async fn register(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<KeyForm>,
) -> AppResult<Response> {
    let txn = crate::db::begin_write(&st.db).await?;
    match keys::register(&txn, &ctx.actor(), &form.centre_code, &form.public_key).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/admin/centre-keys?ok=key_registered").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&st, ctx, form, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn revoke(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = crate::db::begin_write(&st.db).await?;
    keys::revoke(&txn, &ctx.actor(), id).await?;
    txn.commit().await?;
    Ok(Redirect::to("/admin/centre-keys?ok=key_revoked"))
}

/// A centre's active public key (public keys are not secret): the directory centres use
/// to check a transfer package signed by another centre.
#[utoipa::path(get, path = "/api/v1/centre-keys/{code}", tag = "department",
    params(("code" = String, Path, description = "Centre code, e.g. CS01")),
    responses((status = 200, description = "`{centre, public_key}`: the Ed25519 public key in base64"),
        (status = 404, description = "No active key for this centre")))]
pub async fn public_key(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    crate::web::Path(code): crate::web::Path<String>,
) -> crate::error::AppResult<axum::Json<serde_json::Value>> {
    let k = super::keys::active_for(&st.db, &code)
        .await?
        .into_iter()
        .max_by_key(|k| k.id)
        .ok_or(crate::error::AppError::NotFound)?;
    Ok(axum::Json(
        serde_json::json!({ "centre": k.centre_code, "public_key": k.public_key }),
    ))
}
