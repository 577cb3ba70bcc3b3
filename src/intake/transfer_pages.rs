//! Transfer pages: the sending centre downloads the signed package; the receiving centre
//! uploads it.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::transfer;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;

pub async fn download(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let (Some(c), Some(d)) = (&st.instance.centre, &st.delivery) else {
        return Err(AppError::NotFound);
    };
    let txn = db::begin_write(&st.db).await?;
    let signed = transfer::export(&txn, &ctx.actor(), &d.key, &c.code, id).await?;
    txn.commit().await?;
    let body = serde_json::to_vec_pretty(&signed).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::attachment(
        body,
        "application/json",
        &format!("chuyen-co-so-{}-{id}.json", c.code),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/transfer.html")]
pub struct ReceivePage {
    pub ctx: PageCtx,
    pub error: Option<String>,
}

pub async fn form(ctx: PageCtx) -> ReceivePage {
    ReceivePage { ctx, error: None }
}

fn fail(ctx: PageCtx, m: crate::error::Msg) -> Response {
    let error = Some(m.render(ctx.cat));
    (StatusCode::UNPROCESSABLE_ENTITY, ReceivePage { ctx, error }).into_response()
}

pub async fn receive(
    State(st): State<AppState>,
    ctx: PageCtx,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (Some(c), Some(d)) = (&st.instance.centre, &st.delivery) else {
        return Err(AppError::NotFound);
    };
    let mut bytes = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error.bad_form"))?
    {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("error.body_too_large"))?
                .to_vec();
        }
    }
    let package = match transfer::verify(d, &c.code, &bytes).await {
        Ok(p) => p,
        Err(m) => return Ok(fail(ctx, m)),
    };
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let txn = db::begin_write(&st.db).await?;
    match transfer::receive(&txn, &ctx.actor(), &c.code, &package, &raw, st.today()).await {
        Ok(a) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!(
                "/residents/{}?ok=transfer_received",
                a.resident_id
            ))
            .into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let m =
                e.0.values()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| crate::error::Msg::new("error.invalid"));
            Ok(fail(ctx, m))
        }
        Err(e) => Err(e),
    }
}
