//! Assembles an instance: opens and prepares its database, checks its identity, and
//! builds the router from every area's routes and the shared layers.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, header};
use axum::middleware::from_fn_with_state;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::Routes;
use crate::auth::middleware::{authorize, verify_csrf};
use crate::config::{Config, InstanceKind};
use crate::entities::{centre, instance_info};
use crate::state::{AppState, CookieNames, Instance};
use crate::web::NavItem;
use crate::web::context::{context, not_found};
use crate::{
    account, admin, beds, centres, db, department, divisions, home, intake, openapi, schedule,
    seed, summary, treatment, web,
};

/// Every area's routes. An area that exists on one kind of instance only is added
/// here under that condition.
fn all_routes(kind: InstanceKind) -> Routes<AppState> {
    let common = web::pages::routes()
        .merge(home::routes())
        .merge(account::routes())
        .merge(admin::routes())
        .merge(centres::routes())
        .merge(openapi::routes());
    match kind {
        // Residents exist only at centres; the department never holds personal data.
        InstanceKind::Centre => common
            .merge(intake::routes())
            .merge(divisions::pages::routes())
            .merge(beds::routes())
            .merge(treatment::routes())
            .merge(schedule::routes())
            .merge(summary::routes()),
        InstanceKind::Department => common.merge(department::routes()),
    }
}

/// The main navigation, in order; each link shows only to roles its route admits.
fn navigation(kind: InstanceKind) -> Vec<NavItem> {
    match kind {
        InstanceKind::Centre => [
            home::NAV,
            intake::NAV,
            beds::NAV,
            treatment::NAV,
            schedule::NAV,
            centres::NAV,
            summary::NAV,
            admin::NAV,
        ]
        .concat(),
        InstanceKind::Department => [home::NAV, department::NAV, centres::NAV, admin::NAV].concat(),
    }
}

/// Connects, migrates (if configured), seeds reference data when missing, and checks
/// that the database belongs to this instance.
pub async fn prepare(cfg: &Config) -> anyhow::Result<(DatabaseConnection, Instance)> {
    cfg.validate()?;
    let conn = db::connect(&cfg.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&cfg.database_url)))?;
    prepare_with(cfg, conn).await
}

/// As [`prepare`], on an already open connection (tests use this).
pub async fn prepare_with(
    cfg: &Config,
    conn: DatabaseConnection,
) -> anyhow::Result<(DatabaseConnection, Instance)> {
    cfg.validate()?;
    if cfg.migrate_on_start {
        db::migrate(&conn).await.context("migrations failed")?;
    }
    let txn = db::begin_write(&conn).await?;
    seed::reference(&txn)
        .await
        .map_err(|e| anyhow::anyhow!("seeding reference data: {e}"))?;
    check_identity(&txn, cfg).await?;
    txn.commit().await?;
    let centre = match &cfg.centre {
        Some(code) => Some(
            centre::Entity::find()
                .filter(centre::COLUMN.code.eq(code.as_str()))
                .one(&conn)
                .await?
                .with_context(|| {
                    format!("unknown centre code {code}: see the centres in seed/centres.toml")
                })?,
        ),
        None => None,
    };
    if cfg.role == InstanceKind::Centre {
        // Housekeeping, not a condition of starting: a failure is logged and retried at
        // the next start.
        match intake::store::resolve_recorded_addresses(&conn).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(records = n, "addresses resolved against dated names"),
            Err(e) => tracing::warn!(error = %e, "could not resolve recorded addresses"),
        }
        // Admissions from before the half-term day was stored.
        match intake::store::fill_half_terms(&conn).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(admissions = n, "half-term days stored"),
            Err(e) => tracing::warn!(error = %e, "could not store half-term days"),
        }
    }
    let delivery = match cfg.role {
        InstanceKind::Centre => {
            let path = cfg
                .signing_key_path
                .clone()
                .unwrap_or_else(|| summary::default_key_path(cfg));
            let key = summary::signing::load_or_create(&path)?;
            Some(Arc::new(summary::Delivery::new(
                key,
                cfg.department_url.clone(),
                cfg.department_ca.as_deref(),
            )?))
        }
        InstanceKind::Department => {
            // Days recorded before their totals were kept.
            match department::days::fill_totals(&conn).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(days = n, "day totals stored"),
                Err(e) => tracing::warn!(error = %e, "could not store day totals"),
            }
            // A broken DHIS2 mapping is found at start-up, not at the first export.
            department::dhis2::Mapping::load(cfg.dhis2_mapping.as_deref())
                .map_err(|e| anyhow::anyhow!("DHIS2 mapping: {e}"))?;
            None
        }
    };
    let instance = Instance {
        kind: cfg.role,
        centre,
        demo: cfg.demo,
        cookies: CookieNames::for_slug(&cfg.instance_slug()),
        delivery,
    };
    Ok((conn, instance))
}

/// The first start records what the database is for; later starts must match, so that a
/// centre's records are never opened as another centre's.
async fn check_identity<C: sea_orm::ConnectionTrait>(conn: &C, cfg: &Config) -> anyhow::Result<()> {
    match instance_info::Entity::find().one(conn).await? {
        Some(info) => {
            anyhow::ensure!(
                info.kind == cfg.role.as_str() && info.centre_code == cfg.centre,
                "this database belongs to the {} instance {:?}, not to {} {:?}",
                info.kind,
                info.centre_code,
                cfg.role.as_str(),
                cfg.centre
            );
        }
        None => {
            instance_info::ActiveModel {
                kind: Set(cfg.role.as_str().to_owned()),
                centre_code: Set(cfg.centre.clone()),
                demo: Set(cfg.demo),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

/// The full application router for one instance.
pub fn router(
    cfg: Arc<Config>,
    conn: DatabaseConnection,
    instance: Instance,
) -> (Router, AppState) {
    let (routes, policy) = all_routes(instance.kind).into_parts();
    let state = AppState {
        db: conn,
        delivery: instance.delivery.clone(),
        nav: Arc::new(navigation(instance.kind)),
        instance: Arc::new(instance),
        policy: Arc::new(policy),
        cfg: cfg.clone(),
    };
    let x_request_id = HeaderName::from_static("x-request-id");
    // Route layers see the matched route: a method it does not take passes both checks
    // to the router's 405 (with `Allow`); the CSRF check runs first.
    let app = routes
        .route_layer(from_fn_with_state(state.clone(), authorize))
        .route_layer(from_fn_with_state(state.clone(), verify_csrf))
        // Pages and API answers carry personal data: never kept by a browser or proxy
        // (a shared desk computer's back button or cache). Assets, added below, may be.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .nest_service(
            "/assets",
            ServeDir::new(&cfg.assets_dir).precompressed_gzip(),
        )
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), context))
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .layer(axum::middleware::map_request(bounded_request_id))
        .with_state(state.clone());
    (app, state)
}

/// A request id the client sent is kept only when it is a short token (it is logged and
/// stored with audited writes, in a 64-character column); otherwise it is dropped and
/// the server makes its own.
async fn bounded_request_id(mut req: Request<axum::body::Body>) -> Request<axum::body::Body> {
    let fits = |v: &HeaderValue| {
        let b = v.as_bytes();
        (1..=64).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
    };
    if req.headers().get("x-request-id").is_some_and(|v| !fits(v)) {
        req.headers_mut().remove("x-request-id");
    }
    req
}

/// Extends recurring slots to the horizon as the days pass (centres only; the
/// department has no timetable, and an empty table costs one query).
async fn schedule_upkeep(db: &DatabaseConnection) -> crate::error::AppResult<()> {
    let today = Utc::now()
        .with_timezone(&crate::i18n::hanoi_offset())
        .date_naive();
    let txn = crate::db::begin_write(db).await?;
    let n = schedule::store::extend(&txn, today).await?;
    txn.commit().await?;
    // Scheduled doses whose window closed with nothing recorded are marked missed (in
    // their own transaction: a failure here does not hold back the timetable).
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now().timestamp() / 60;
    let missed = crate::treatment::mar::store::mark_missed(&txn, now).await?;
    txn.commit().await?;
    if missed > 0 {
        tracing::warn!(doses = missed, "scheduled doses marked missed");
    }
    if n > 0 {
        tracing::info!(slots = n, "timetable extended");
    }
    Ok(())
}

/// Serves until `shutdown` resolves; background upkeep (expired sessions) runs alongside.
pub async fn serve<L>(
    listener: L,
    app: Router,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    let mut background = summary::spawn_background(state.clone());
    background.extend(beds::spawn_background(state.clone()));
    let upkeep_db = state.db.clone();
    let upkeep = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = schedule_upkeep(&upkeep_db).await {
                tracing::warn!(error = %e, "timetable extension failed");
            }
            match crate::auth::session::purge_expired(&upkeep_db).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "session purge failed"),
            }
        }
    });
    let result = axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep.abort();
    for t in background {
        t.abort();
    }
    state.db.clone().close().await.ok();
    result.context("server error")
}
