//! Delivery to the department over HTTP(S): in sequence order, stopping at the first
//! failure so that order is kept; retried by the scheduler until acknowledged.

use std::path::Path;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::outbox;
use crate::error::AppResult;

pub const CENTRE_HEADER: &str = "x-rehabops-centre";
pub const SIGNATURE_HEADER: &str = "x-rehabops-signature";
pub const PATH: &str = "/api/v1/summaries";

/// rustls uses ring (already in the build for the database drivers).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// One HTTP client per process; `ca_pem` adds a private network's certificate authority
/// (and then only it is trusted).
pub fn client(ca_pem: Option<&Path>) -> anyhow::Result<reqwest::Client> {
    install_crypto_provider();
    let mut b = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .user_agent(concat!("rehabops/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_pem {
        let pem = std::fs::read(path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)?;
        b = b.tls_certs_only(certs);
    }
    Ok(b.build()?)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub delivered: usize,
    /// Refused for good by the department (an older or conflicting sequence, a body it
    /// cannot read): set aside so the rows after them still go out.
    pub rejected: usize,
    pub pending: usize,
    pub error: Option<String>,
}

/// Sends every pending summary in order. Each is signed again with the centre's current
/// key at sending time, so a key re-registered on the department does not strand the
/// queue. A network error or a refusal that may pass later (unknown key, server error)
/// stops the round, keeping the order; a final refusal sets that summary aside.
pub async fn flush(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    key: &ed25519_dalek::SigningKey,
    department_url: &str,
    centre_code: &str,
) -> AppResult<FlushReport> {
    let pending = outbox::pending(db).await?;
    let total = pending.len();
    let url = format!("{}{PATH}", department_url.trim_end_matches('/'));
    let mut report = FlushReport {
        pending: total,
        ..Default::default()
    };
    for row in pending {
        let result = http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(CENTRE_HEADER, centre_code)
            .header(
                SIGNATURE_HEADER,
                super::signing::sign_b64(key, row.body.as_bytes()),
            )
            .body(row.body.clone())
            .send()
            .await;
        match result {
            Ok(resp) if resp.status().is_success() => {
                outbox::mark_sent(db, row).await?;
                report.delivered += 1;
                report.pending -= 1;
            }
            Ok(resp) => {
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let msg = format!("{status}: {}", text.chars().take(300).collect::<String>());
                let final_refusal = matches!(
                    status,
                    reqwest::StatusCode::CONFLICT
                        | reqwest::StatusCode::BAD_REQUEST
                        | reqwest::StatusCode::PAYLOAD_TOO_LARGE
                );
                if final_refusal {
                    tracing::error!(sequence = row.sequence, %msg, "department refused the summary for good; set aside");
                    outbox::mark_rejected(db, row, &msg).await?;
                    report.rejected += 1;
                    report.pending -= 1;
                    continue;
                }
                tracing::warn!(sequence = row.sequence, %msg, "department refused the summary; will retry");
                outbox::mark_failed(db, row, &msg).await?;
                report.error = Some(msg);
                break;
            }
            Err(e) => {
                let msg = format!("{e}");
                tracing::info!(sequence = row.sequence, error = %msg, "department unreachable; summary stays queued");
                outbox::mark_failed(db, row, &msg).await?;
                report.error = Some(msg);
                break;
            }
        }
    }
    Ok(report)
}
