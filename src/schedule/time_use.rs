//! Time use (issue 13; the seeds' proposal, local policy): for each resident and month,
//! the share of attended programme hours spent in counselling, education and vocational
//! training, against the centre's target (70% unless the director sets another).
//! Counted in SQL from the current attendance records, a page of residents at a time.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Deserialize;
use serde_json::json;

use super::recurrence::epoch_minutes;
use crate::db::statement;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Form, PageCtx, Query};

pub const PAGE_SIZE: u64 = 50;
const TARGET: &str = "time_use_target_pct";

/// Which kinds count as counselling or education; vocational is the vocational area.
const COUNSELLING: &str = "'counselling_individual', 'counselling_group', 'psychotherapy'";
const EDUCATION: &str = "'education', 'literacy', 'life_skills'";

/// A resident's attended programme minutes in a month.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Line {
    pub admission_id: i32,
    pub code: String,
    pub full_name: String,
    pub zone: String,
    pub counselling: i64,
    pub education: i64,
    pub vocational: i64,
    pub total: i64,
}

impl Line {
    /// The share of the month's programme time in counselling, education and training.
    pub fn share(&self) -> Option<f64> {
        share(
            self.counselling + self.education + self.vocational,
            self.total,
        )
    }
}

/// `part / total` as a percentage; none when nothing was attended.
pub fn share(part: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| part as f64 * 100.0 / total as f64)
}

/// Below the target (a month with nothing attended is below it too).
pub fn below(share: Option<f64>, target_pct: i64) -> bool {
    share.is_none_or(|s| s < target_pct as f64)
}

/// The first day of `month` and of the next.
pub fn month_bounds(month: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = month.with_day(1).unwrap_or(month);
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (first, next)
}

pub async fn target<C: ConnectionTrait>(conn: &C) -> AppResult<i64> {
    #[derive(FromQueryResult)]
    struct V {
        value: i32,
    }
    let backend = conn.get_database_backend();
    Ok(V::find_by_statement(statement(
        backend,
        "SELECT value FROM programme_setting WHERE name = ?",
        [TARGET.into()],
    ))
    .one(conn)
    .await?
    .map_or(70, |v| i64::from(v.value)))
}

/// A page of residents' time use in `month` (worst share first) and how many there are.
pub async fn month<C: ConnectionTrait>(
    conn: &C,
    month: NaiveDate,
    zone: &str,
    page: u64,
) -> AppResult<(Vec<Line>, u64)> {
    let (first, next) = month_bounds(month);
    let mut values: Vec<Value> = vec![
        epoch_minutes(first, 0).into(),
        epoch_minutes(next, 0).into(),
    ];
    let zone_filter = if zone.trim().is_empty() {
        ""
    } else {
        values.push(zone.trim().into());
        "AND a.zone = ?"
    };
    let minutes = "(o.end_at - o.start_at)";
    let base = format!(
        "SELECT a.id AS admission_id, r.code AS code, r.full_name AS full_name, a.zone AS zone, \
           CAST(SUM(CASE WHEN s.kind IN ({COUNSELLING}) THEN {minutes} ELSE 0 END) AS BIGINT) AS counselling, \
           CAST(SUM(CASE WHEN s.kind IN ({EDUCATION}) THEN {minutes} ELSE 0 END) AS BIGINT) AS education, \
           CAST(SUM(CASE WHEN s.area = 'vocational' THEN {minutes} ELSE 0 END) AS BIGINT) AS vocational, \
           CAST(SUM({minutes}) AS BIGINT) AS total \
         FROM slot_occurrence o \
         JOIN attendance t ON t.occurrence_id = o.id \
           AND NOT EXISTS (SELECT 1 FROM attendance x WHERE x.replaces_id = t.id) \
         JOIN attendance_reason ar ON ar.code = t.reason AND ar.counts_attended = TRUE \
         JOIN schedule_slot s ON s.id = o.slot_id \
         JOIN admission a ON a.id = t.admission_id JOIN resident r ON r.id = a.resident_id \
         WHERE o.start_at >= ? AND o.start_at < ? {zone_filter} \
         GROUP BY a.id, r.code, r.full_name, r.name_search, a.zone"
    );
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let backend = conn.get_database_backend();
    let total = Count::find_by_statement(statement(
        backend,
        &format!("SELECT COUNT(*) AS n FROM ({base}) c"),
        values.clone(),
    ))
    .one(conn)
    .await?
    .map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
    let offset = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let sql = format!(
        "{base} ORDER BY (SUM(CASE WHEN s.kind IN ({COUNSELLING}, {EDUCATION}) \
           OR s.area = 'vocational' THEN {minutes} ELSE 0 END) * 1.0 / SUM({minutes})), \
           r.name_search, a.id LIMIT {PAGE_SIZE} OFFSET {offset}"
    );
    let lines = Line::find_by_statement(statement(backend, &sql, values))
        .all(conn)
        .await?;
    Ok((lines, total))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TimeUseQuery {
    /// mm/yyyy; this month by default.
    pub month: String,
    pub zone: String,
    pub page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule/time_use.html")]
pub struct TimeUsePage {
    pub ctx: PageCtx,
    pub q: TimeUseQuery,
    pub month: NaiveDate,
    pub lines: Vec<Line>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub target: i64,
    pub zones: Vec<String>,
    pub can_set: bool,
    pub target_form: String,
    pub errors: FieldErrors,
}

impl TimeUsePage {
    pub fn hours(&self, minutes: &i64) -> String {
        self.ctx.cat.decimal1(*minutes as f64 / 60.0)
    }
    pub fn share_label(&self, l: &Line) -> String {
        l.share()
            .map_or_else(|| "—".to_owned(), |s| self.ctx.cat.percent(s))
    }
    pub fn below(&self, l: &Line) -> bool {
        below(l.share(), self.target)
    }
    pub fn month_label(&self) -> String {
        self.month.format("%m/%Y").to_string()
    }
    pub fn page_link(&self, page: u64) -> String {
        let p = page.to_string();
        let m = self.month_label();
        let q = crate::web::query_string(&[("month", &m), ("zone", &self.q.zone), ("page", &p)]);
        format!("/schedule/time-use?{q}")
    }
}

fn parse_month(v: &str) -> Option<NaiveDate> {
    let (m, y) = v.trim().split_once('/')?;
    NaiveDate::from_ymd_opt(y.trim().parse().ok()?, m.trim().parse().ok()?, 1)
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    q: TimeUseQuery,
    target_form: Option<String>,
    errors: FieldErrors,
) -> AppResult<TimeUsePage> {
    let month = match q.month.trim() {
        "" => st.today().with_day(1).unwrap_or(st.today()),
        v => parse_month(v).ok_or(AppError::BadRequest("error.invalid"))?,
    };
    let page = q.page.unwrap_or(1).max(1);
    let (lines, total) = self::month(&st.db, month, &q.zone, page).await?;
    let target = target(&st.db).await?;
    Ok(TimeUsePage {
        zones: crate::beds::store::zone_names(&st.db).await?,
        can_set: ctx.can(crate::auth::Permission::ManageCapacity),
        pages: total.div_ceil(PAGE_SIZE).max(1),
        target_form: target_form.unwrap_or_else(|| target.to_string()),
        ctx,
        q,
        month,
        lines,
        total,
        page,
        target,
        errors,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TimeUseQuery>,
) -> AppResult<TimeUsePage> {
    render(&st, ctx, q, None, FieldErrors::new()).await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TargetForm {
    pub target: String,
}

/// The director sets the target (a whole percentage, 1–100).
pub async fn set_target(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<TargetForm>,
) -> AppResult<Response> {
    let Some(v) = f
        .target
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|v| (1..=100).contains(v))
    else {
        let mut e = FieldErrors::new();
        e.add("target", "schedule.error.target");
        let page = render(&st, ctx, TimeUseQuery::default(), Some(f.target), e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let txn = crate::db::begin_write(&st.db).await?;
    let before = target(&txn).await?;
    let backend = txn.get_database_backend();
    txn.execute_raw(statement(
        backend,
        "UPDATE programme_setting SET value = ? WHERE name = ?",
        [v.into(), TARGET.into()],
    ))
    .await?;
    crate::audit::record(
        &txn,
        &ctx.actor(),
        "schedule.target",
        "programme_setting",
        TARGET,
        json!({ "before": before, "after": v }),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/schedule/time-use?ok=saved").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_and_the_target() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(35, 50), Some(70.0));
        assert!(!below(Some(70.0), 70));
        assert!(below(Some(69.9), 70));
        assert!(
            below(None, 70),
            "a month with nothing attended is below target"
        );
        let (a, b) = month_bounds(NaiveDate::from_ymd_opt(2026, 12, 17).unwrap());
        assert_eq!((a.day(), b.month(), b.year()), (1, 1, 2027));
    }
}
