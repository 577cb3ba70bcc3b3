//! `POST /api/v1/summaries`: a centre delivers a signed summary. Refused with a clear
//! status and a log line: unknown centre or bad signature (401), malformed body or wrong
//! schema (400), a different summary under a sequence already stored, or a jump of more
//! than [`MAX_GAP`] past the last (409), oversized body (413). A resent summary (same
//! sequence, same bytes) is acknowledged without being stored twice.
//!
//! Sequences: nothing a centre sends is lost. A summary later than the last is stored;
//! so is a late one whose slot is still empty (it never becomes the "latest", and a day
//! keeps its newest sequence). A far-ahead sequence — a bug, or a stolen key — is
//! refused, so it cannot make a centre's real summaries look old and be set aside.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::keys;
use crate::audit::{self, Actor};
use crate::entities::received_summary;
use crate::error::AppError;
use crate::state::AppState;
use crate::summary::push::{CENTRE_HEADER, SIGNATURE_HEADER};
use crate::summary::schema::{ACCEPTED, MAX_BYTES, OccupancySummary};

/// Largest jump past the last sequence received: six weeks of hourly summaries, far
/// more than a centre queues while the department is down (its queue keeps order).
pub const MAX_GAP: i64 = 1_000;
use crate::summary::signing;

/// The body of a refused delivery (its own shape: the sender is a centre's program, not
/// a user, and acts on `reason`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // documents the body `refuse` writes
pub struct Refusal {
    /// Always `refused`.
    status: String,
    /// `too_large`, `unknown_centre`, `bad_signature`, `malformed`, `unknown_schema`,
    /// `inconsistent`, `replayed_sequence` or `sequence_gap`.
    reason: String,
    detail: String,
}

fn refuse(status: StatusCode, code: &str, centre: &str, detail: &str) -> Response {
    tracing::warn!(
        status = status.as_u16(),
        reason = code,
        centre,
        detail,
        "summary refused"
    );
    (
        status,
        axum::Json(json!({ "status": "refused", "reason": code, "detail": detail })),
    )
        .into_response()
}

/// A centre delivers a signed occupancy summary (machine to machine; see the tag's
/// description for the headers).
#[utoipa::path(post, path = "/api/v1/summaries", tag = "department",
    request_body(content = crate::summary::schema::OccupancySummary, description = "The summary as the centre signed it"),
    params(
        ("x-rehabops-centre" = String, Header, description = "The sending centre's code, e.g. CS01"),
        ("x-rehabops-signature" = String, Header, description = "Ed25519 signature of the body (base64)")),
    responses(
        (status = 201, description = "Stored"),
        (status = 200, description = "Already stored (the same bytes again)"),
        (status = 400, body = Refusal, description = "Malformed, inconsistent or of an unknown schema"),
        (status = 401, body = Refusal, description = "Unknown centre or bad signature"),
        (status = 409, body = Refusal, description = "A different summary under this sequence, or a jump past the last beyond the allowed gap"),
        (status = 413, body = Refusal, description = "Body too large")))]
pub async fn receive(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let centre = headers
        .get(CENTRE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = match axum::body::to_bytes(body, MAX_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &centre,
                "body over 256 KiB",
            ));
        }
    };
    let keys_for = keys::active_for(&st.db, &centre).await?;
    if centre.is_empty() || keys_for.is_empty() {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "unknown_centre",
            &centre,
            "no registered key for this centre",
        ));
    }
    let verified = keys_for.iter().any(|k| {
        signing::parse_public_key(&k.public_key)
            .is_ok_and(|pk| signing::verify_b64(&pk, &bytes, &signature))
    });
    if !verified {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            &centre,
            "signature does not verify",
        ));
    }
    let summary: OccupancySummary = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) => {
            return Ok(refuse(
                StatusCode::BAD_REQUEST,
                "malformed",
                &centre,
                &e.to_string(),
            ));
        }
    };
    if !ACCEPTED.contains(&summary.schema.as_str()) {
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            "unknown_schema",
            &centre,
            &summary.schema,
        ));
    }
    if summary.centre != centre || summary.sequence < 1 {
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            "inconsistent",
            &centre,
            "centre or sequence does not match",
        ));
    }
    let sha = crate::auth::session::sha256_hex(std::str::from_utf8(&bytes).unwrap_or_default());
    let txn = crate::db::begin_write(&st.db).await?;
    let same = received_summary::Entity::find()
        .filter(received_summary::COLUMN.centre_code.eq(centre.as_str()))
        .filter(received_summary::COLUMN.sequence.eq(summary.sequence))
        .one(&txn)
        .await?;
    if let Some(existing) = same {
        return Ok(if existing.body_sha256 == sha {
            (
                StatusCode::OK,
                axum::Json(json!({ "status": "duplicate", "sequence": summary.sequence })),
            )
                .into_response()
        } else {
            refuse(
                StatusCode::CONFLICT,
                "replayed_sequence",
                &centre,
                "a different summary has this sequence",
            )
        });
    }
    let last = received_summary::Entity::find()
        .filter(received_summary::COLUMN.centre_code.eq(centre.as_str()))
        .order_by_desc(received_summary::COLUMN.sequence)
        .limit(1)
        .one(&txn)
        .await?
        .map_or(0, |r| r.sequence);
    if summary.sequence > last.saturating_add(MAX_GAP) {
        return Ok(refuse(
            StatusCode::CONFLICT,
            "sequence_gap",
            &centre,
            &format!("sequence {} after {last}", summary.sequence),
        ));
    }
    let row = received_summary::ActiveModel {
        centre_code: Set(centre.clone()),
        sequence: Set(summary.sequence),
        schema: Set(summary.schema.clone()),
        kind: Set(summary.period.kind.clone()),
        as_of: Set(summary.as_of),
        period_from: Set(summary.period.from),
        period_to: Set(summary.period.to),
        body: Set(String::from_utf8_lossy(&bytes).into_owned()),
        body_sha256: Set(sha),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::days::record(&txn, &summary).await?;
    audit::record(
        &txn,
        &Actor::system(&format!("centre:{centre}")),
        "summary.receive",
        "received_summary",
        row.id,
        json!({ "centre": centre, "sequence": summary.sequence, "occupancy": summary.capacity.occupancy }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(centre, sequence = summary.sequence, "summary received");
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "status": "stored", "sequence": summary.sequence })),
    )
        .into_response())
}
