//! Raw summaries as CSV for the department's own analysis (authorised users only: small
//! cells are kept; public exports, still to come, suppress counts of 1–4).

use crate::web::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::entities::received_summary;
use crate::error::{AppError, AppResult};
use crate::i18n::{format_datetime, parse_date};
use crate::state::AppState;
use crate::summary::schema::OccupancySummary;
use crate::web::PageCtx;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Range {
    pub from: String,
    pub to: String,
}

pub async fn summaries_csv(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(r): Query<Range>,
) -> AppResult<impl IntoResponse> {
    let to = if r.to.trim().is_empty() {
        Some(st.today())
    } else {
        parse_date(&r.to)
    };
    let from = if r.from.trim().is_empty() {
        to.map(|t| t - chrono::Duration::days(31))
    } else {
        parse_date(&r.from)
    };
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::BadRequest("error.period"));
    };
    let rows = received_summary::Entity::find()
        .filter(received_summary::COLUMN.period_to.gte(from))
        .filter(received_summary::COLUMN.period_from.lte(to))
        .order_by_asc(received_summary::COLUMN.centre_code)
        .order_by_asc(received_summary::COLUMN.sequence)
        .all(&st.db)
        .await?;
    let t = |k: &str| ctx.t(k).to_owned();
    let mut records = vec![vec![
        t("export.centre"),
        t("summary.sequence"),
        t("summary.kind"),
        t("export.as_of"),
        t("export.period_from"),
        t("export.period_to"),
        t("capacity.design_scale"),
        t("capacity.receiving_capacity"),
        t("capacity.working_beds"),
        t("dashboard.occupancy"),
        t("dashboard.compulsory"),
        t("dashboard.voluntary"),
        t("dashboard.temporary"),
        t("dashboard.male"),
        t("dashboard.female"),
        t("dashboard.minors"),
        t("export.intakes"),
        t("export.releases"),
        t("export.escapes"),
        t("export.escape_returns"),
    ]];
    for row in rows {
        let Ok(s) = serde_json::from_str::<OccupancySummary>(&row.body) else {
            continue;
        };
        let n = |v: i64| v.to_string();
        records.push(vec![
            row.centre_code.clone(),
            n(row.sequence),
            ctx.t(&format!("summary.kind_{}", row.kind)).to_owned(),
            format_datetime(s.as_of),
            crate::i18n::format_date(s.period.from),
            crate::i18n::format_date(s.period.to),
            n(s.capacity.design_scale),
            n(s.capacity.receiving_capacity),
            s.capacity.working_beds.map(n).unwrap_or_default(),
            n(s.capacity.occupancy),
            n(s.compulsory()),
            n(s.residents_of_type("voluntary")),
            n(s.temporary()),
            n(s.residents_of_sex("male")),
            n(s.residents_of_sex("female")),
            n(s.minors()),
            n(s.movements.intakes.values().sum()),
            n(s.movements.releases.values().sum()),
            n(s.movements.escapes),
            n(s.movements.escape_returns),
        ]);
    }
    let body = crate::tabular::to_csv(&records).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!(
        "attachment; filename=\"summaries-{}-{}.csv\"",
        fmt(from),
        fmt(to)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}

fn fmt(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}
