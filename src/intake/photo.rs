//! Residents' photos: upload (type checked by content, size limited), shown to those who
//! may see the resident, every upload audited.

use crate::web::Path;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::db;
use crate::entities::resident_photo;
use crate::error::{AppError, AppResult, Msg};
use crate::state::AppState;
use crate::web::PageCtx;

/// Largest photo accepted.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;

/// The content type of an acceptable photo, judged by its first bytes (never by the
/// name or the type the browser claims).
pub fn check_photo(bytes: &[u8]) -> Result<&'static str, Msg> {
    if bytes.is_empty() {
        return Err(Msg::new("error.photo_required"));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(Msg::new("error.photo_too_large").arg("max", "2 MB"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else {
        Err(Msg::new("error.photo_type"))
    }
}

pub async fn save<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    resident_id: i32,
    bytes: Vec<u8>,
) -> AppResult<resident_photo::Model> {
    crate::intake::store::get_resident(conn, resident_id).await?;
    let content_type = check_photo(&bytes).map_err(|m| AppError::invalid("photo", m))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i32;
    let row = resident_photo::ActiveModel {
        resident_id: Set(resident_id),
        content_type: Set(content_type.into()),
        data: Set(bytes),
        size: Set(size),
        sha256: Set(sha.clone()),
        uploaded_by: Set(actor.username.clone()),
        uploaded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "resident.photo",
        "resident",
        resident_id,
        json!({ "size": size, "type": content_type, "sha256": sha }),
    )
    .await?;
    Ok(row)
}

pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    resident_id: i32,
) -> AppResult<Option<resident_photo::Model>> {
    Ok(resident_photo::Entity::find()
        .filter(resident_photo::COLUMN.resident_id.eq(resident_id))
        .order_by_desc(resident_photo::COLUMN.id)
        .one(conn)
        .await?)
}

/// Whether the resident has a photo, without reading it (up to 2 MB).
pub async fn has_photo<C: ConnectionTrait>(conn: &C, resident_id: i32) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(resident_photo::Entity::find()
        .filter(resident_photo::COLUMN.resident_id.eq(resident_id))
        .count(conn)
        .await?
        > 0)
}

pub async fn upload(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut bytes = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error.bad_form"))?
    {
        if field.name() == Some("photo") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("error.body_too_large"))?
                .to_vec();
        }
    }
    let txn = db::begin_write(&st.db).await?;
    match save(&txn, &ctx.actor(), id, bytes).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/residents/{id}?ok=photo_saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = super::pages::show_with_photo_errors(&st, ctx, id, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn show(State(st): State<AppState>, Path(id): Path<i32>) -> AppResult<Response> {
    let p = latest(&st.db, id).await?.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, p.content_type),
            // Personal data: never kept by shared caches or on disk by the browser.
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::CONTENT_DISPOSITION, "inline".to_owned()),
        ],
        p.data,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_judged_by_content_and_size() {
        assert_eq!(
            check_photo(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Ok("image/jpeg")
        );
        assert_eq!(check_photo(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        let key = |r: Result<&str, Msg>| r.unwrap_err().key;
        assert_eq!(key(check_photo(b"")), "error.photo_required");
        assert_eq!(
            key(check_photo(b"<svg onload=alert(1)>")),
            "error.photo_type"
        );
        assert_eq!(key(check_photo(b"GIF89a")), "error.photo_type");
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(key(check_photo(&big)), "error.photo_too_large");
    }
}
