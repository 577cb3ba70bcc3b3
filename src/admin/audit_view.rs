//! The audit log, read-only, filtered and paged.

use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Duration, NaiveTime};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::entities::audit_log;
use crate::error::AppResult;
use crate::i18n::{format_datetime, hanoi_offset, parse_date};
use crate::state::AppState;
use crate::web::PageCtx;

pub const PAGE_SIZE: u64 = 50;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<u64>,
}

pub struct AuditRow {
    pub at: String,
    pub entry: audit_log::Model,
}

/// Records about residents whose details an administrator must not read.
const RESIDENT_ENTITIES: &[&str] = &["resident", "admission", "admission_event"];

/// Administrators see who did what and when, but not the details of residents' records
/// (their role holds no resident data); directors see everything.
pub fn redact_for(role: Option<crate::auth::Role>, mut e: audit_log::Model) -> audit_log::Model {
    if role == Some(crate::auth::Role::Administrator)
        && RESIDENT_ENTITIES.contains(&e.entity.as_str())
    {
        e.summary = "—".into();
    }
    e
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub filter: AuditFilter,
    pub rows: Vec<AuditRow>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub date_error: bool,
    pub prev_query: Option<String>,
    pub next_query: Option<String>,
}

pub async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(f): Query<AuditFilter>,
) -> AppResult<AuditPage> {
    let mut q = audit_log::Entity::find();
    if !f.username.trim().is_empty() {
        q = q.filter(audit_log::COLUMN.username.eq(f.username.trim()));
    }
    if !f.action.trim().is_empty() {
        q = q.filter(audit_log::COLUMN.action.starts_with(f.action.trim()));
    }
    let mut date_error = false;
    // Dates are Hanoi calendar days.
    let start_of = |s: &str| {
        parse_date(s).map(|d| {
            d.and_time(NaiveTime::MIN)
                .and_local_timezone(hanoi_offset())
                .single()
        })
    };
    if !f.from.trim().is_empty() {
        match start_of(&f.from) {
            Some(Some(t)) => q = q.filter(audit_log::COLUMN.at.gte(t.to_utc())),
            _ => date_error = true,
        }
    }
    if !f.to.trim().is_empty() {
        match start_of(&f.to) {
            Some(Some(t)) => {
                q = q.filter(audit_log::COLUMN.at.lt((t + Duration::days(1)).to_utc()))
            }
            _ => date_error = true,
        }
    }
    let paginator = q
        .order_by_desc(audit_log::COLUMN.id)
        .paginate(&st.db, PAGE_SIZE);
    let total = paginator.num_items().await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let rows = paginator
        .fetch_page(page - 1)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: format_datetime(e.at),
            entry: redact_for(ctx.role(), e),
        })
        .collect();
    let link = |p: u64| {
        serde_urlencoded::to_string([
            ("username", f.username.as_str()),
            ("action", f.action.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
            ("page", &p.to_string()),
        ])
        .ok()
    };
    Ok(AuditPage {
        prev_query: (page > 1).then(|| link(page - 1)).flatten(),
        next_query: (page < pages).then(|| link(page + 1)).flatten(),
        ctx,
        filter: f,
        rows,
        page,
        pages,
        total,
        date_error,
    })
}
