//! Occupancy summaries, centre side: computed from the centre's own records, numbered,
//! signed and queued in the outbox, pushed to the department hourly, at the daily close
//! (midnight Hanoi time) and on demand. The director sees exactly what was sent.

pub mod compute;
pub mod outbox;
pub mod pages;
pub mod push;
pub mod schema;
pub mod signing;

use std::time::Duration;

use chrono::{Timelike, Utc};
use ed25519_dalek::SigningKey;
use tokio::sync::Notify;

use crate::audit::Actor;
use crate::auth::{Access, Permission, Routes};
use crate::i18n::hanoi_offset;
use crate::state::AppState;
use crate::web::NavItem;
use schema::Period;

pub fn routes() -> Routes<AppState> {
    let see = Access::Perm(Permission::ViewCentreSummaries);
    Routes::new()
        .get("/summaries", see, pages::list)
        .get("/summaries/{seq}", see, pages::show)
        .post("/summaries/send", see, pages::send_now)
}

pub const NAV: &[NavItem] = &[NavItem {
    href: "/summaries",
    key: "nav.summaries",
}];

/// What a centre needs to deliver summaries.
pub struct Delivery {
    pub key: SigningKey,
    pub http: reqwest::Client,
    /// None: summaries are kept in the outbox (no department configured).
    pub department_url: Option<String>,
    pub wake: Notify,
}

impl std::fmt::Debug for Delivery {
    // Never print the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("public_key", &signing::public_key_b64(&self.key))
            .field("department_url", &self.department_url)
            .finish()
    }
}

impl Delivery {
    pub fn new(
        key: SigningKey,
        department_url: Option<String>,
        ca: Option<&std::path::Path>,
    ) -> anyhow::Result<Delivery> {
        Ok(Delivery {
            key,
            http: push::client(ca)?,
            department_url,
            wake: Notify::new(),
        })
    }
}

impl Period {
    pub fn of(kind: &str, day: chrono::NaiveDate) -> Period {
        Period {
            kind: kind.to_owned(),
            from: day,
            to: day,
        }
    }
}

/// Computes and queues one summary, then wakes the sender.
pub async fn enqueue_now(
    st: &AppState,
    kind: &str,
    day: chrono::NaiveDate,
) -> crate::error::AppResult<()> {
    let (Some(d), Some(c)) = (&st.delivery, &st.instance.centre) else {
        return Ok(());
    };
    outbox::enqueue(
        &st.db,
        &d.key,
        &Actor::system("summary"),
        &c.code,
        Period::of(kind, day),
        st.today(),
    )
    .await?;
    d.wake.notify_one();
    Ok(())
}

/// Background work of a centre: a summary at start-up, every hour, and the daily close
/// at midnight Hanoi time; a sender that delivers the outbox in order, retrying while
/// the department is unreachable.
pub fn spawn_background(st: AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let Some(d) = st.delivery.clone() else {
        return Vec::new();
    };
    let Some(code) = st.instance.centre.as_ref().map(|c| c.code.clone()) else {
        return Vec::new();
    };
    let producer_state = st.clone();
    let producer = tokio::spawn(async move {
        let st = producer_state;
        if let Err(e) = enqueue_now(&st, "on_demand", st.today()).await {
            tracing::warn!(error = %e, "start-up summary failed");
        }
        loop {
            let now = Utc::now().with_timezone(&hanoi_offset());
            let secs_into_hour = u64::from(now.minute()) * 60 + u64::from(now.second());
            tokio::time::sleep(Duration::from_secs(3600 - secs_into_hour.min(3599))).await;
            let now = Utc::now().with_timezone(&hanoi_offset());
            let today = now.date_naive();
            if now.hour() == 0 {
                if let Some(yesterday) = today.pred_opt() {
                    if let Err(e) = enqueue_now(&st, "daily", yesterday).await {
                        tracing::warn!(error = %e, "daily close summary failed");
                    }
                }
            } else if let Err(e) = enqueue_now(&st, "hourly", today).await {
                tracing::warn!(error = %e, "hourly summary failed");
            }
        }
    });
    let sender = tokio::spawn(async move {
        loop {
            let mut retry_soon = false;
            if let Some(url) = &d.department_url {
                match push::flush(&st.db, &d.http, &d.key, url, &code).await {
                    Ok(r) => retry_soon = r.pending > 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox flush failed");
                        retry_soon = true;
                    }
                }
            }
            let wait = if retry_soon {
                Duration::from_secs(15)
            } else {
                Duration::from_secs(300)
            };
            tokio::select! {
                _ = d.wake.notified() => {},
                _ = tokio::time::sleep(wait) => {},
            }
        }
    });
    vec![producer, sender]
}

/// Where a centre keeps its key when no path is configured: beside its SQLite file, or
/// (PostgreSQL, or a SQLite file named without a directory) in the service user's data
/// directory — never the working directory, which may be a source checkout.
pub fn default_key_path(cfg: &crate::config::Config) -> std::path::PathBuf {
    let slug = cfg.instance_slug();
    let url = &cfg.database_url;
    if url.starts_with("sqlite:") {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty() && !path.contains(":memory:"))
        {
            return dir.join(format!("{slug}.key"));
        }
    }
    user_data_dir().join(format!("rehabops-{slug}.key"))
}

/// `$XDG_DATA_HOME/rehabops`, else `~/.local/share/rehabops`, else `/var/lib/rehabops`.
fn user_data_dir() -> std::path::PathBuf {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = nonempty("XDG_DATA_HOME") {
        return std::path::PathBuf::from(d).join("rehabops");
    }
    if let Some(h) = nonempty("HOME") {
        return std::path::PathBuf::from(h).join(".local/share/rehabops");
    }
    std::path::PathBuf::from("/var/lib/rehabops")
}
