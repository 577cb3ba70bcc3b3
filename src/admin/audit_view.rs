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
    /// What was done, in the reader's language (the code stays in `entry.action`).
    pub action_label: String,
    pub role_label: String,
    pub entry: audit_log::Model,
}

/// The label of an audit action code: `audit_action.<code>`, and for a movement
/// (`admission.event.<kind>`) "Movement recorded: <kind>". An unknown code (from an older
/// release) is shown as written.
pub fn action_label(cat: &crate::i18n::Catalog, code: &str) -> String {
    if let Some(kind) = code.strip_prefix("admission.event.") {
        let kind_key = format!("event.{kind}");
        if cat.has(&kind_key) {
            return format!(
                "{}: {}",
                cat.t("audit_action.admission.event"),
                cat.t(&kind_key)
            );
        }
    }
    let key = format!("audit_action.{code}");
    if cat.has(&key) {
        cat.t(&key).to_owned()
    } else {
        code.to_owned()
    }
}

impl AuditRow {
    /// A row as `role` may read it, labelled in the catalogue's language.
    pub fn new(
        cat: &crate::i18n::Catalog,
        role: Option<crate::auth::Role>,
        e: audit_log::Model,
    ) -> AuditRow {
        AuditRow {
            at: format_datetime(e.at),
            action_label: action_label(cat, &e.action),
            role_label: role_label(cat, &e.role),
            entry: redact_for(role, e),
        }
    }
}

fn role_label(cat: &crate::i18n::Catalog, code: &str) -> String {
    let key = format!("role.{code}");
    if cat.has(&key) {
        cat.t(&key).to_owned()
    } else {
        code.to_owned()
    }
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
        .map(|e| AuditRow::new(ctx.cat, ctx.role(), e))
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

#[cfg(test)]
mod tests {
    use super::action_label;
    use crate::i18n::Lang;
    use crate::intake::rules::EventKind;

    /// The top-level arguments of the call starting at `src[0]` (just after its `(`).
    fn call_args(src: &str) -> Vec<String> {
        let (mut args, mut cur, mut depth, mut in_str) = (Vec::new(), String::new(), 0, false);
        let mut chars = src.chars();
        while let Some(c) = chars.next() {
            if in_str {
                cur.push(c);
                match c {
                    '\\' => cur.extend(chars.next()),
                    '"' => in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        args.push(cur);
        args
    }

    fn literals(arg: &str) -> Vec<String> {
        arg.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    /// Action codes written by every `audit::record` call in the source (the third
    /// argument; both branches where it is an `if`).
    fn codes_in_source() -> std::collections::BTreeSet<String> {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("src").flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            let marker = if f.ends_with("audit.rs") {
                " record("
            } else {
                "audit::record("
            };
            for (at, _) in text.match_indices(marker) {
                let args = call_args(&text[at + marker.len()..]);
                let Some(action) = args.get(2) else { continue };
                if action.contains("format!") {
                    continue; // admission.event.<kind>: checked over EventKind::ALL below
                }
                codes.extend(literals(action));
            }
        }
        codes
    }

    #[test]
    fn every_audit_action_has_a_label_in_both_languages() {
        let codes = codes_in_source();
        assert!(codes.len() >= 45, "found only {codes:?}");
        for lang in Lang::ALL {
            let cat = lang.catalog();
            for code in &codes {
                assert!(
                    cat.has(&format!("audit_action.{code}")),
                    "{lang:?}: no label for audit action {code}"
                );
            }
            for kind in EventKind::ALL {
                let code = format!("admission.event.{}", kind.as_str());
                assert_ne!(action_label(cat, &code), code, "{lang:?}");
            }
        }
    }
}
