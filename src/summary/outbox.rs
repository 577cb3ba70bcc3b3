//! The centre's outbox: each summary is numbered and signed in the same transaction that
//! stores it, then sent in order until the department acknowledges it.

use chrono::Utc;
use ed25519_dalek::SigningKey;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::compute;
use super::schema::{OccupancySummary, Period};
use super::signing;
use crate::audit::{self, Actor};
use crate::entities::summary_outbox;
use crate::error::{AppError, AppResult};

/// Computes, numbers, signs and stores a summary; returns its outbox row. Two summaries
/// numbered at the same moment (the hourly job and "send now") collide on the unique
/// sequence: the loser tries again with the next number.
pub async fn enqueue(
    db: &DatabaseConnection,
    key: &SigningKey,
    actor: &Actor,
    centre_code: &str,
    period: Period,
    today: chrono::NaiveDate,
) -> AppResult<summary_outbox::Model> {
    let mut tries = 0;
    loop {
        match enqueue_once(db, key, actor, centre_code, period.clone(), today).await {
            Err(AppError::Db(e)) if crate::error::is_unique_violation(&e) && tries < 5 => {
                tries += 1
            }
            other => return other,
        }
    }
}

async fn enqueue_once(
    db: &DatabaseConnection,
    key: &SigningKey,
    actor: &Actor,
    centre_code: &str,
    period: Period,
    today: chrono::NaiveDate,
) -> AppResult<summary_outbox::Model> {
    let txn = crate::db::begin_write(db).await?;
    let summary: OccupancySummary =
        compute::compute(&txn, centre_code, period, today, Utc::now()).await?;
    let row = store(&txn, key, actor, summary).await?;
    txn.commit().await?;
    Ok(row)
}

/// Numbers (next sequence), signs and stores a computed summary in the caller's
/// transaction.
async fn store<C: ConnectionTrait>(
    txn: &C,
    key: &SigningKey,
    actor: &Actor,
    mut summary: OccupancySummary,
) -> AppResult<summary_outbox::Model> {
    let last = summary_outbox::Entity::find()
        .order_by_desc(summary_outbox::COLUMN.sequence)
        .limit(1)
        .one(txn)
        .await?
        .map_or(0, |r| r.sequence);
    summary.sequence = last + 1;
    let body = serde_json::to_string(&summary).map_err(|e| AppError::Internal(e.into()))?;
    let row = summary_outbox::ActiveModel {
        sequence: Set(summary.sequence),
        kind: Set(summary.period.kind.clone()),
        created_at: Set(Utc::now()),
        signature: Set(signing::sign_b64(key, body.as_bytes())),
        body: Set(body),
        sent_at: Set(None),
        attempts: Set(0),
        last_attempt_at: Set(None),
        last_error: Set(String::new()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        "summary.create",
        "summary_outbox",
        row.sequence,
        json!({ "kind": row.kind, "occupancy": summary.capacity.occupancy }),
    )
    .await?;
    Ok(row)
}

/// Queues reconstructed day closes for the days from `from` to `to` that have no daily
/// or reconstructed summary yet, oldest first, so that a centre that starts using the
/// system (with its register imported) gives the department its history. Returns how
/// many were queued.
pub async fn backfill(
    db: &DatabaseConnection,
    key: &SigningKey,
    actor: &Actor,
    centre_code: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(db).await?;
    let mut covered = std::collections::HashSet::new();
    for r in summary_outbox::Entity::find()
        .filter(
            summary_outbox::COLUMN
                .kind
                .is_in(["daily", "reconstructed"]),
        )
        .all(&txn)
        .await?
    {
        if let Ok(s) = serde_json::from_str::<OccupancySummary>(&r.body) {
            covered.insert(s.period.to);
        }
    }
    let mut n = 0;
    for summary in compute::reconstruct_range(&txn, centre_code, from, to).await? {
        if covered.contains(&summary.period.to) {
            continue;
        }
        store(&txn, key, actor, summary).await?;
        n += 1;
    }
    txn.commit().await?;
    Ok(n)
}

pub async fn pending<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<summary_outbox::Model>> {
    Ok(summary_outbox::Entity::find()
        .filter(summary_outbox::COLUMN.sent_at.is_null())
        .order_by_asc(summary_outbox::COLUMN.sequence)
        .all(conn)
        .await?)
}

pub async fn recent<C: ConnectionTrait>(conn: &C, n: u64) -> AppResult<Vec<summary_outbox::Model>> {
    Ok(summary_outbox::Entity::find()
        .order_by_desc(summary_outbox::COLUMN.sequence)
        .limit(n)
        .all(conn)
        .await?)
}

pub async fn by_sequence<C: ConnectionTrait>(
    conn: &C,
    seq: i64,
) -> AppResult<summary_outbox::Model> {
    summary_outbox::Entity::find()
        .filter(summary_outbox::COLUMN.sequence.eq(seq))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn mark_sent<C: ConnectionTrait>(conn: &C, row: summary_outbox::Model) -> AppResult<()> {
    let mut am = row.into_active_model();
    let now = Utc::now();
    let attempts = am.attempts.take().unwrap_or(0) + 1;
    am.attempts = Set(attempts);
    am.sent_at = Set(Some(now));
    am.last_attempt_at = Set(Some(now));
    am.last_error = Set(String::new());
    am.update(conn).await?;
    Ok(())
}

/// A final refusal: the row leaves the queue, with the reason kept for the director.
pub async fn mark_rejected<C: ConnectionTrait>(
    conn: &C,
    row: summary_outbox::Model,
    error: &str,
) -> AppResult<()> {
    let mut am = row.into_active_model();
    let now = Utc::now();
    let attempts = am.attempts.take().unwrap_or(0) + 1;
    am.attempts = Set(attempts);
    am.sent_at = Set(Some(now));
    am.last_attempt_at = Set(Some(now));
    am.last_error = Set(format!(
        "rejected: {}",
        error.chars().take(480).collect::<String>()
    ));
    am.update(conn).await?;
    Ok(())
}

pub async fn mark_failed<C: ConnectionTrait>(
    conn: &C,
    row: summary_outbox::Model,
    error: &str,
) -> AppResult<()> {
    let mut am = row.into_active_model();
    let attempts = am.attempts.take().unwrap_or(0) + 1;
    am.attempts = Set(attempts);
    am.last_attempt_at = Set(Some(Utc::now()));
    am.last_error = Set(error.chars().take(500).collect());
    am.update(conn).await?;
    Ok(())
}
