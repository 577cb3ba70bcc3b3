//! `rehabops demo`: the department and the seven centres in one process, each with its
//! own SQLite file, migrated and seeded on first run and reused afterwards.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, InstanceKind};
use crate::{app, db, seed};

/// Progress on standard error, one line rewritten in place.
pub fn progress(step: &str, done: u64, total: u64) {
    use std::io::Write;
    let mut err = std::io::stderr();
    let _ = write!(err, "\r  {step}: {done}/{total}   ");
    if done >= total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

async fn seed_large_centre<C: sea_orm::ConnectionTrait>(
    conn: &C,
    scale: f64,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    if crate::entities::resident::Entity::find()
        .count(conn)
        .await?
        == 0
    {
        crate::profile::seed_centre(conn, scale, today, &progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

async fn seed_large_department<C: sea_orm::ConnectionTrait>(
    conn: &C,
    scale: f64,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    if crate::entities::centre_day::Entity::find()
        .count(conn)
        .await?
        == 0
    {
        // Day figures only: the centres' own summaries arrive live and number from 1.
        crate::profile::seed_department(conn, scale, today, false, &progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

pub struct DemoInstance {
    pub label: String,
    pub kind: InstanceKind,
    pub centre: Option<String>,
    pub addr: SocketAddr,
}

pub struct DemoHandle {
    pub instances: Vec<DemoInstance>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

/// Starts the eight instances. `base_port` None binds every instance to a free port
/// (tests); otherwise the department takes `base_port` and centres the next seven.
pub async fn start(dir: &Path, base_port: Option<u16>) -> anyhow::Result<DemoHandle> {
    start_with(dir, base_port, None).await
}

/// As [`start`]; with `large` (a scale), CS01 holds the benchmark data set (the
/// largest centre over five years) and the department five years of day figures for
/// the seven centres, instead of the demo's year.
pub async fn start_with(
    dir: &Path,
    base_port: Option<u16>,
    large: Option<f64>,
) -> anyhow::Result<DemoHandle> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut plan: Vec<(InstanceKind, Option<String>, String)> =
        vec![(InstanceKind::Department, None, "department".to_owned())];
    for c in seed::centres().map_err(|e| anyhow::anyhow!("{e}"))? {
        plan.push((
            InstanceKind::Centre,
            Some(c.code.clone()),
            c.short_name.clone(),
        ));
    }
    let demo = seed::demo_users().map_err(|e| anyhow::anyhow!("{e}"))?;
    let caps: Vec<i32> = seed::centres()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .iter()
        .map(|c| c.receiving_capacity)
        .collect();
    let residents = crate::intake::demo::split(demo.residents_total, &caps);
    let (stop, stop_rx) = watch::channel(false);
    let mut instances = Vec::new();
    let mut tasks = Vec::new();
    // The department starts first; each centre then pushes to it with a key the demo
    // registers there (in production an administrator registers each key).
    let mut department: Option<(sea_orm::DatabaseConnection, SocketAddr)> = None;
    for (i, (kind, centre, label)) in plan.into_iter().enumerate() {
        let file = dir.join(format!(
            "{}.db",
            centre.as_deref().unwrap_or("department").to_lowercase()
        ));
        let port = base_port.map_or(0, |p| p + i as u16);
        let cfg = Config {
            role: kind,
            centre: centre.clone(),
            database_url: format!("sqlite://{}?mode=rwc", file.display()),
            bind: SocketAddr::from(([127, 0, 0, 1], port)),
            demo: true,
            department_url: department
                .as_ref()
                .map(|(_, addr)| format!("http://{addr}")),
            ..Config::default()
        };
        let cfg = Arc::new(cfg);
        let (conn, inst) = app::prepare(&cfg).await?;
        let txn = db::begin_write(&conn).await?;
        seed::demo_accounts(&txn, kind)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let today = crate::i18n::today_hanoi();
        match (kind, large) {
            (InstanceKind::Department, Some(scale)) => {
                seed_large_department(&txn, scale, today).await?;
            }
            (InstanceKind::Centre, Some(scale)) if i == 1 => {
                seed_large_centre(&txn, scale, today).await?;
            }
            _ => {}
        }
        // Centres follow the department in the plan: centre k gets residents[k - 1].
        let small = large.is_none() || i > 1;
        if let (true, Some(code), Some(n)) = (
            small,
            &centre,
            i.checked_sub(1).and_then(|c| residents.get(c)),
        ) {
            crate::intake::demo::seed(&txn, code, *n, crate::i18n::today_hanoi())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let capacity = seed::centres()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .find(|c| &c.code == code)
                .map_or(0, |c| c.receiving_capacity);
            crate::beds::demo::seed(&txn, capacity, crate::i18n::today_hanoi())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::treatment::demo::seed(&txn, crate::i18n::today_hanoi())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::treatment::demo::seed_programme(&txn, crate::i18n::today_hanoi())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        txn.commit().await?;
        // A year of day closes reconstructed from the seeded records, so the department's
        // trends and reports have history (only on the first run: days already covered
        // are skipped).
        if let (true, Some(code), Some(d)) = (large.is_none(), &centre, &inst.delivery) {
            crate::summary::outbox::backfill(
                &conn,
                &d.key,
                &crate::audit::Actor::system("demo"),
                code,
                today - chrono::Days::new(365),
                today - chrono::Days::new(1),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if let (Some(code), Some(d), Some((dept_db, _))) = (&centre, &inst.delivery, &department) {
            register_demo_key(
                dept_db,
                code,
                &crate::summary::signing::public_key_b64(&d.key),
            )
            .await?;
        }
        let dept_conn = (kind == InstanceKind::Department).then(|| conn.clone());
        let (router, state) = app::router(cfg.clone(), conn, inst);
        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .with_context(|| format!("cannot listen on {} (is another demo running?)", cfg.bind))?;
        let addr = listener.local_addr()?;
        if let Some(c) = dept_conn {
            department = Some((c, addr));
        }
        let mut rx = stop_rx.clone();
        tasks.push(tokio::spawn(app::serve(
            listener,
            router,
            state,
            async move {
                let _ = rx.wait_for(|s| *s).await;
            },
        )));
        instances.push(DemoInstance {
            label,
            kind,
            centre,
            addr,
        });
    }
    Ok(DemoHandle {
        instances,
        stop,
        tasks,
    })
}

/// Registers a centre's key on the department unless that exact key is already active.
async fn register_demo_key(
    dept: &sea_orm::DatabaseConnection,
    code: &str,
    public_key: &str,
) -> anyhow::Result<()> {
    let active = crate::department::keys::active_for(dept, code)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if active.iter().any(|k| k.public_key == public_key) {
        return Ok(());
    }
    let txn = db::begin_write(dept).await?;
    crate::department::keys::register(&txn, &crate::audit::Actor::system("demo"), code, public_key)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    txn.commit().await?;
    Ok(())
}

impl DemoHandle {
    /// What the demo prints: each URL and the demo accounts.
    pub fn banner(&self) -> String {
        let password = seed::demo_users().map(|d| d.password).unwrap_or_default();
        let users = seed::demo_users().ok();
        let names = |kind| {
            users
                .as_ref()
                .map(|u| {
                    u.for_instance(kind)
                        .iter()
                        .map(|x| format!("{} ({})", x.username, x.role))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let mut s = String::from("\nrehabops demo — 1 department + 7 centres (SQLite)\n\n");
        for i in &self.instances {
            s.push_str(&format!(
                "  {:<12} {:<6} http://{}\n",
                i.label,
                i.centre.as_deref().unwrap_or("—"),
                i.addr
            ));
        }
        s.push_str(&format!(
            "\nDemo accounts (password for all: {password}):\n  department: {}\n  each centre: {}\n\nCtrl-C to stop.\n",
            names(InstanceKind::Department),
            names(InstanceKind::Centre)
        ));
        s
    }

    /// Stops every instance and waits for them to finish their requests.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            match t.await {
                Ok(Err(e)) => tracing::warn!(error = %e, "demo instance stopped with an error"),
                Err(e) => tracing::warn!(error = %e, "demo instance task failed"),
                Ok(Ok(())) => {}
            }
        }
    }
}
