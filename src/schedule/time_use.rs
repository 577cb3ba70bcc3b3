//! Time use (issue 13; the seeds' proposal, local policy): for each resident and month,
//! the share of attended programme hours spent in counselling, education and vocational
//! training, against the centre's target (70% unless the director sets another).
//! Each month's minutes are kept per resident as attendance is recorded (`add_minutes`),
//! so the report reads one row per resident, a page at a time.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Deserialize;
use serde_json::json;

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
    super::store::setting(conn, TARGET, 70).await
}

/// The category a slot's minutes count in: 0 counselling, 1 education, 2 vocational,
/// none for the rest of the programme (sport, health checks, labour).
pub fn category(area: &str, kind: &str) -> Option<usize> {
    if area == "vocational" {
        return Some(2);
    }
    match kind {
        "counselling_individual" | "counselling_group" | "psychotherapy" => Some(0),
        "education" | "literacy" | "life_skills" => Some(1),
        _ => None,
    }
}

/// Adds `minutes` (negative to take back) of a slot of `area`/`kind` to a resident's
/// month, as an attendance record starts or stops counting.
pub async fn add_minutes<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    day: NaiveDate,
    (area, kind): (&str, &str),
    minutes: i64,
) -> AppResult<()> {
    let (first, _) = month_bounds(day);
    let mut by = [0i64; 3];
    if let Some(c) = category(area, kind) {
        by[c] = minutes;
    }
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(
        backend,
        "INSERT INTO time_use_month \
           (admission_id, month, counselling, education, vocational, total) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (admission_id, month) DO UPDATE SET \
           counselling = time_use_month.counselling + excluded.counselling, \
           education = time_use_month.education + excluded.education, \
           vocational = time_use_month.vocational + excluded.vocational, \
           total = time_use_month.total + excluded.total",
        [
            admission_id.into(),
            first.into(),
            by[0].into(),
            by[1].into(),
            by[2].into(),
            minutes.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Rebuilds every month from the current attendance records (after a bulk load).
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let month = match backend {
        sea_orm::DbBackend::Postgres => "CAST(date_trunc('month', o.day) AS DATE)",
        _ => "date(o.day, 'start of month')",
    };
    let minutes = "(o.end_at - o.start_at)";
    conn.execute_unprepared("DELETE FROM time_use_month")
        .await?;
    conn.execute_unprepared(&format!(
        "INSERT INTO time_use_month \
           (admission_id, month, counselling, education, vocational, total) \
         SELECT t.admission_id, {month}, \
           SUM(CASE WHEN s.area <> 'vocational' AND s.kind IN ({COUNSELLING}) \
             THEN {minutes} ELSE 0 END), \
           SUM(CASE WHEN s.area <> 'vocational' AND s.kind IN ({EDUCATION}) \
             THEN {minutes} ELSE 0 END), \
           SUM(CASE WHEN s.area = 'vocational' THEN {minutes} ELSE 0 END), \
           SUM({minutes}) \
         FROM attendance t JOIN slot_occurrence o ON o.id = t.occurrence_id \
         JOIN schedule_slot s ON s.id = o.slot_id \
         JOIN attendance_reason ar ON ar.code = t.reason AND ar.counts_attended = TRUE \
         WHERE NOT EXISTS (SELECT 1 FROM attendance x WHERE x.replaces_id = t.id) \
         GROUP BY t.admission_id, {month}"
    ))
    .await?;
    Ok(())
}

/// A page of residents' time use in `month` (worst share first) and how many there are,
/// read from the monthly figures kept as attendance is recorded.
pub async fn month<C: ConnectionTrait>(
    conn: &C,
    month: NaiveDate,
    zone: &str,
    page: u64,
) -> AppResult<(Vec<Line>, u64)> {
    let (first, _) = month_bounds(month);
    let mut values: Vec<Value> = vec![first.into()];
    let zone_filter = if zone.trim().is_empty() {
        ""
    } else {
        values.push(zone.trim().into());
        "AND a.zone = ?"
    };
    let from = format!(
        "FROM time_use_month u JOIN admission a ON a.id = u.admission_id \
         JOIN resident r ON r.id = a.resident_id \
         WHERE u.month = ? AND u.total > 0 {zone_filter}"
    );
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let backend = conn.get_database_backend();
    let total = Count::find_by_statement(statement(
        backend,
        &format!("SELECT COUNT(*) AS n {from}"),
        values.clone(),
    ))
    .one(conn)
    .await?
    .map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
    let offset = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let sql = format!(
        "SELECT a.id AS admission_id, r.code AS code, r.full_name AS full_name, a.zone AS zone, \
           u.counselling AS counselling, u.education AS education, \
           u.vocational AS vocational, u.total AS total {from} \
         ORDER BY (u.counselling + u.education + u.vocational) * 1.0 / u.total, \
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
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
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
        assert_eq!(category("vocational", "class"), Some(2));
        assert_eq!(category("treatment", "psychotherapy"), Some(0));
        assert_eq!(category("treatment", "life_skills"), Some(1));
        assert_eq!(category("treatment", "sport"), None);
        assert_eq!(category("labour", "shift"), None);
    }
}
