//! Transfer pages: the sending centre downloads the signed package; the receiving centre
//! uploads it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
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
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chuyen-co-so-{}-{id}.json\"", c.code),
            ),
        ],
        body,
    )
        .into_response())
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
    // The sender's key comes from the department's directory (fetched before opening
    // so the check itself stays a plain function).
    let from = serde_json::from_slice::<transfer::SignedPackage>(&bytes)
        .ok()
        .and_then(|s| serde_json::from_str::<transfer::TransferPackage>(&s.body).ok())
        .map(|p| p.from_centre);
    let key = match (&from, &d.department_url) {
        (Some(f), Some(url)) => transfer::sender_key(&d.http, url, f).await,
        _ => None,
    };
    let fail = |ctx: PageCtx, m: crate::error::Msg| {
        let error = Some(m.render(ctx.cat));
        (StatusCode::UNPROCESSABLE_ENTITY, ReceivePage { ctx, error }).into_response()
    };
    let package = match transfer::open(&bytes, &c.code, |_| key) {
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
