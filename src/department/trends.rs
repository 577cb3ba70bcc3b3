//! Trends: occupancy of each centre over the last twelve months, and intakes against
//! releases per month, from the centres' day figures.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Datelike, Days, NaiveDate};
use sea_orm::{EntityTrait, QueryOrder};

use crate::entities::centre;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::chart::{LineChart, Series};

pub struct MonthRow {
    pub month: NaiveDate,
    pub intakes: i64,
    pub releases: i64,
    pub escapes: i64,
}

impl MonthRow {
    pub fn net(&self) -> i64 {
        self.intakes - self.releases
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "department/trends.html")]
pub struct TrendsPage {
    pub ctx: PageCtx,
    pub occupancy_svg: String,
    pub flows_svg: String,
    pub months: Vec<MonthRow>,
    pub legend: Vec<(String, String)>,
}

impl TrendsPage {
    pub fn month(&self, d: &NaiveDate) -> String {
        format!("{:02}/{}", d.month(), d.year())
    }
    pub fn n(&self, v: &i64) -> String {
        self.ctx.cat.number(*v)
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<TrendsPage> {
    let today = st.today();
    // Whole months only: a partial first month would show as a dip in the flows.
    let from = first_of_month(
        today
            .checked_sub_months(chrono::Months::new(11))
            .unwrap_or(today - Days::new(335)),
    );
    let rows = super::days::points_between(&st.db, from, today).await?;
    let names: BTreeMap<String, String> = centre::Entity::find()
        .order_by_asc(centre::COLUMN.code)
        .all(&st.db)
        .await?
        .into_iter()
        .map(|c| (c.code, c.short_name))
        .collect();
    let mut per_centre: BTreeMap<&str, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    let mut months: BTreeMap<NaiveDate, MonthRow> = BTreeMap::new();
    for r in &rows {
        per_centre
            .entry(r.centre_code.as_str())
            .or_default()
            .push((r.day, i64::from(r.occupancy)));
        let m = months.entry(first_of_month(r.day)).or_insert(MonthRow {
            month: first_of_month(r.day),
            intakes: 0,
            releases: 0,
            escapes: 0,
        });
        m.intakes += r.intakes_total;
        m.releases += r.releases_total;
        m.escapes += i64::from(r.escapes);
    }
    const STYLES: [&str; 7] = ["s0", "s1", "s2", "s3", "s4", "s5", "s6"];
    let mut series = Vec::new();
    let mut legend = Vec::new();
    for (i, (code, points)) in per_centre.into_iter().enumerate() {
        let style = STYLES[i % STYLES.len()];
        let label = names.get(code).cloned().unwrap_or_else(|| code.to_owned());
        legend.push((style.to_owned(), label.clone()));
        series.push(Series {
            label,
            style,
            points,
            continuous: false,
        });
    }
    let occupancy_svg = LineChart {
        title: ctx.t("trends.occupancy_title").to_owned(),
        from,
        to: today,
        series,
        marker: None,
    }
    .to_svg(ctx.cat);
    let months: Vec<MonthRow> = months.into_values().collect();
    let flows_svg = LineChart {
        title: ctx.t("trends.flows_title").to_owned(),
        from: first_of_month(from),
        to: first_of_month(today),
        series: vec![
            Series {
                label: ctx.t("trends.intakes").to_owned(),
                style: "intakes",
                points: months.iter().map(|m| (m.month, m.intakes)).collect(),
                continuous: true,
            },
            Series {
                label: ctx.t("trends.releases").to_owned(),
                style: "releases",
                points: months.iter().map(|m| (m.month, m.releases)).collect(),
                continuous: true,
            },
        ],
        marker: None,
    }
    .to_svg(ctx.cat);
    Ok(TrendsPage {
        ctx,
        occupancy_svg,
        flows_svg,
        months,
        legend,
    })
}
