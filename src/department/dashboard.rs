//! The department's dashboard: the seven centres side by side and the total, from the
//! latest summary each centre sent.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::centres::capacity;
use crate::entities::received_summary;
use crate::error::AppResult;
use crate::i18n::{format_datetime, hanoi_offset};
use crate::state::AppState;
use crate::summary::schema::OccupancySummary;
use crate::web::PageCtx;

/// How fresh a centre's last report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Within the last 2 hours (hourly reports arrive).
    Fresh,
    /// Within 26 hours (at least the daily close arrived).
    Stale,
    /// Older, or never.
    Missing,
}

impl Freshness {
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Stale => "stale",
            Freshness::Missing => "missing",
        }
    }
    pub fn label_key(self) -> String {
        format!("dashboard.fresh_{}", self.as_str())
    }
}

impl MonthlyStatus {
    pub fn label_key(self) -> &'static str {
        match self {
            MonthlyStatus::OnTime => "dashboard.monthly_on_time",
            MonthlyStatus::Late => "dashboard.monthly_late",
            MonthlyStatus::Due => "dashboard.monthly_due",
            MonthlyStatus::Missing => "dashboard.monthly_missing",
        }
    }
}

pub fn freshness(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Freshness {
    match last {
        Some(t) if now - t <= Duration::hours(2) => Freshness::Fresh,
        Some(t) if now - t <= Duration::hours(26) => Freshness::Stale,
        _ => Freshness::Missing,
    }
}

/// Status of the monthly report (Biểu 02-BCN equivalent) for the previous month: due
/// before the 3rd of the next month (TT 05/2011 Art 3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyStatus {
    OnTime,
    Late,
    /// Not received yet, and the deadline has not passed.
    Due,
    /// Not received, deadline passed.
    Missing,
}

/// Last day of the month before `today`, and the deadline (end of the 3rd, Hanoi time).
pub fn previous_month(today: NaiveDate) -> (NaiveDate, DateTime<Utc>) {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last_of_previous = first.pred_opt().unwrap_or(first);
    let deadline = NaiveDate::from_ymd_opt(today.year(), today.month(), 4)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(hanoi_offset()).single())
        .map(|t| t.to_utc())
        .unwrap_or_else(Utc::now);
    (last_of_previous, deadline)
}

pub fn monthly_status(
    received_at: Option<DateTime<Utc>>,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> MonthlyStatus {
    match received_at {
        Some(t) if t < deadline => MonthlyStatus::OnTime,
        Some(_) => MonthlyStatus::Late,
        None if now < deadline => MonthlyStatus::Due,
        None => MonthlyStatus::Missing,
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CentreRow {
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub design_scale: i64,
    pub receiving_capacity: i64,
    pub occupancy: i64,
    pub compulsory: i64,
    pub voluntary: i64,
    pub temporary: i64,
    pub male: i64,
    pub female: i64,
    pub minors: i64,
    pub last_report: Option<DateTime<Utc>>,
    pub sequence: Option<i64>,
    #[schema(value_type = String)]
    pub freshness: Freshness,
    #[schema(value_type = String)]
    pub monthly: MonthlyStatus,
    /// The treatment section of the latest summary (residents by stage, in detox,
    /// restricted); null when the centre has not reported one.
    pub treatment: Option<std::collections::BTreeMap<String, i64>>,
}

impl CentreRow {
    /// A figure of the treatment section, when reported.
    pub fn treatment_figure(&self, key: &str) -> Option<i64> {
        self.treatment.as_ref().and_then(|t| t.get(key).copied())
    }
}

impl CentreRow {
    pub fn pct_design(&self) -> f64 {
        pct(self.occupancy, self.design_scale)
    }
    pub fn pct_receiving(&self) -> f64 {
        pct(self.occupancy, self.receiving_capacity)
    }
    /// `over` above receiving capacity, `near` above 90% of it (domain.md §10).
    pub fn load(&self) -> &'static str {
        let p = self.pct_receiving();
        if p > 100.0 {
            "over"
        } else if p > 90.0 {
            "near"
        } else {
            "ok"
        }
    }
}

fn pct(n: i64, of: i64) -> f64 {
    if of <= 0 {
        0.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TotalsRow {
    pub centres: i64,
    pub design_scale: i64,
    pub receiving_capacity: i64,
    pub occupancy: i64,
    pub compulsory: i64,
    pub voluntary: i64,
    pub temporary: i64,
    pub male: i64,
    pub female: i64,
    pub minors: i64,
}

impl TotalsRow {
    pub fn pct_design(&self) -> f64 {
        pct(self.occupancy, self.design_scale)
    }
    pub fn pct_receiving(&self) -> f64 {
        pct(self.occupancy, self.receiving_capacity)
    }
}

/// The latest summary of each centre.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> AppResult<Option<(received_summary::Model, OccupancySummary)>> {
    let row = received_summary::Entity::find()
        .filter(received_summary::COLUMN.centre_code.eq(code))
        // A reconstructed past day (history sent late) is not the centre's present.
        .filter(received_summary::COLUMN.kind.ne("reconstructed"))
        .order_by_desc(received_summary::COLUMN.sequence)
        .one(conn)
        .await?;
    Ok(row.and_then(|r| {
        serde_json::from_str::<OccupancySummary>(&r.body)
            .ok()
            .map(|s| (r, s))
    }))
}

pub async fn rows<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<(Vec<CentreRow>, TotalsRow)> {
    let (month_end, deadline) = previous_month(today);
    let mut rows = Vec::new();
    let mut t = TotalsRow::default();
    for f in capacity::open_centres_on(conn, today).await? {
        let latest = latest(conn, &f.centre.code).await?;
        let monthly_received = received_summary::Entity::find()
            .filter(
                received_summary::COLUMN
                    .centre_code
                    .eq(f.centre.code.as_str()),
            )
            // The month's last day close, live or reconstructed from the records (history
            // sent after the fact is still the report, late).
            .filter(
                received_summary::COLUMN
                    .kind
                    .is_in(["daily", "reconstructed"]),
            )
            .filter(received_summary::COLUMN.period_to.eq(month_end))
            .order_by_asc(received_summary::COLUMN.received_at)
            .one(conn)
            .await?
            .map(|r| r.received_at);
        // Before a centre's first summary arrives, its registry figures stand and the
        // counts are zero.
        let s = latest.as_ref().map(|(_, s)| s);
        let count = |f: fn(&OccupancySummary) -> i64| s.map_or(0, f);
        let received = latest.as_ref().map(|(r, _)| r.received_at);
        let row = CentreRow {
            code: f.centre.code.clone(),
            name: f.centre.name.clone(),
            short_name: f.centre.short_name.clone(),
            design_scale: s.map_or(i64::from(f.design_scale), |s| s.capacity.design_scale),
            receiving_capacity: s.map_or(i64::from(f.receiving_capacity), |s| {
                s.capacity.receiving_capacity
            }),
            occupancy: count(|s| s.capacity.occupancy),
            compulsory: count(OccupancySummary::compulsory),
            voluntary: count(|s| s.residents_of_type("voluntary")),
            temporary: count(OccupancySummary::temporary),
            male: count(|s| s.residents_of_sex("male")),
            female: count(|s| s.residents_of_sex("female")),
            minors: count(OccupancySummary::minors),
            last_report: received,
            sequence: latest.as_ref().map(|(r, _)| r.sequence),
            freshness: freshness(received, now),
            monthly: monthly_status(monthly_received, deadline, now),
            treatment: s.and_then(|s| s.areas.get("treatment").cloned()),
        };
        t.centres += 1;
        t.design_scale += row.design_scale;
        t.receiving_capacity += row.receiving_capacity;
        t.occupancy += row.occupancy;
        t.compulsory += row.compulsory;
        t.voluntary += row.voluntary;
        t.temporary += row.temporary;
        t.male += row.male;
        t.female += row.female;
        t.minors += row.minors;
        rows.push(row);
    }
    Ok((rows, t))
}

#[derive(Template, WebTemplate)]
#[template(path = "department/dashboard.html")]
pub struct DashboardPage {
    pub ctx: PageCtx,
    pub rows: Vec<CentreRow>,
    pub totals: TotalsRow,
    pub month_label: String,
}

impl DashboardPage {
    pub fn when(&self, t: &Option<DateTime<Utc>>) -> String {
        t.map(format_datetime).unwrap_or_else(|| "—".into())
    }
    pub fn pct(&self, v: f64) -> String {
        self.ctx.cat.percent(v)
    }
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<DashboardPage> {
    let today = st.today();
    let (rows, totals) = rows(&st.db, today, Utc::now()).await?;
    let (month_end, _) = previous_month(today);
    Ok(DashboardPage {
        month_label: format!("{:02}/{}", month_end.month(), month_end.year()),
        ctx,
        rows,
        totals,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub centres: Vec<CentreRow>,
    pub totals: TotalsRow,
}

/// The dashboard's figures: each open centre's latest summary and the total.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "department",
    responses((status = 200, body = Dashboard), (status = 401), (status = 403)),
    security(("bearer" = []), ("session" = [])))]
pub async fn api(State(st): State<AppState>) -> AppResult<axum::Json<Dashboard>> {
    let (centres, totals) = rows(&st.db, st.today(), Utc::now()).await?;
    Ok(axum::Json(Dashboard { centres, totals }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staleness_and_monthly_deadline() {
        let now = Utc::now();
        assert_eq!(
            freshness(Some(now - Duration::minutes(30)), now),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(Some(now - Duration::hours(5)), now),
            Freshness::Stale
        );
        assert_eq!(freshness(None, now), Freshness::Missing);
        let (end, deadline) = previous_month(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(end, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        // End of 03/03/2026 in Hanoi is 17:00 UTC on the 3rd.
        assert_eq!(deadline.to_rfc3339(), "2026-03-03T17:00:00+00:00");
        assert_eq!(
            monthly_status(Some(deadline - Duration::hours(1)), deadline, now),
            MonthlyStatus::OnTime
        );
        assert_eq!(
            monthly_status(Some(deadline + Duration::hours(1)), deadline, now),
            MonthlyStatus::Late
        );
        assert_eq!(
            monthly_status(None, deadline, deadline - Duration::days(1)),
            MonthlyStatus::Due
        );
        assert_eq!(
            monthly_status(None, deadline, deadline + Duration::days(1)),
            MonthlyStatus::Missing
        );
    }
}
