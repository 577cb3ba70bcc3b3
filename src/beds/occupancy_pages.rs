//! Occupancy over time: the 12-month history chart, the 90-day forecast with planned
//! intakes, and the director's dated capacity changes.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};

use super::history::{self, CapacityForm, PlannedIntakeForm};
use super::occupancy::Forecast;
use crate::auth::Permission;
use crate::db;
use crate::entities::{centre_capacity, occupancy_day, planned_intake};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::chart::{LineChart, Series};
use crate::web::{Choice, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "beds/occupancy.html")]
pub struct OccupancyPage {
    pub ctx: PageCtx,
    pub today: Option<occupancy_day::Model>,
    pub history_svg: String,
    pub forecast_svg: String,
    pub forecast: Forecast,
    pub planned: Vec<planned_intake::Model>,
    pub can_plan: bool,
    pub form: PlannedIntakeForm,
    pub errors: FieldErrors,
    pub types: Vec<Choice>,
    pub highest: Option<occupancy_day::Model>,
}

impl OccupancyPage {
    pub fn day(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn pct(&self, n: &i32, of: &i32) -> String {
        if *of <= 0 {
            return "–".into();
        }
        let v = f64::from(*n) * 100.0 / f64::from(*of);
        let s = format!("{v:.1}");
        if self.ctx.cat.lang == crate::i18n::Lang::Vi {
            s.replace('.', ",")
        } else {
            s
        }
    }
    pub fn n(&self, v: &i64) -> String {
        self.ctx.cat.number(*v)
    }
}

fn history_chart(
    ctx: &PageCtx,
    rows: &[occupancy_day::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> LineChart {
    let pick = |f: fn(&occupancy_day::Model) -> Option<i64>| -> Vec<(NaiveDate, i64)> {
        rows.iter().filter_map(|r| Some((r.day, f(r)?))).collect()
    };
    LineChart {
        title: ctx.t("occupancy.history_title").to_owned(),
        from,
        to,
        series: vec![
            Series {
                label: ctx.t("occupancy.design_scale").to_owned(),
                style: "design",
                points: pick(|r| Some(i64::from(r.design_scale)).filter(|v| *v > 0)),
                continuous: false,
            },
            Series {
                label: ctx.t("occupancy.receiving_capacity").to_owned(),
                style: "capacity",
                points: pick(|r| Some(i64::from(r.receiving_capacity)).filter(|v| *v > 0)),
                continuous: false,
            },
            Series {
                label: ctx.t("occupancy.occupancy").to_owned(),
                style: "occupancy",
                points: pick(|r| Some(i64::from(r.occupancy))),
                continuous: false,
            },
        ],
        marker: None,
    }
}

fn forecast_chart(ctx: &PageCtx, f: &Forecast, today: NaiveDate) -> LineChart {
    LineChart {
        title: ctx.t("occupancy.forecast_title").to_owned(),
        from: today,
        to: f.days.last().map_or(today, |d| d.day),
        series: vec![
            Series {
                label: ctx.t("occupancy.receiving_capacity").to_owned(),
                style: "capacity",
                points: f
                    .days
                    .iter()
                    .map(|d| (d.day, d.receiving_capacity))
                    .collect(),
                continuous: false,
            },
            Series {
                label: ctx.t("occupancy.forecast").to_owned(),
                style: "forecast",
                points: f.days.iter().map(|d| (d.day, d.occupancy)).collect(),
                continuous: false,
            },
        ],
        marker: f.first_over.map(|d| (d.day, ctx.cat.date(d.day))),
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    form: PlannedIntakeForm,
    errors: FieldErrors,
) -> AppResult<OccupancyPage> {
    let code = st.centre_code()?;
    let today = st.today();
    let from = today - Days::new(history::HISTORY_DAYS);
    // The headline is the register as it is now (as on the home page).
    let rows = history::days_current(&st.db, &code, from, today).await?;
    let forecast = history::forecast(&st.db, &code, today).await?;
    let planned = history::planned_intakes(&st.db, today).await?;
    let history_svg = history_chart(&ctx, &rows, from, today).to_svg(ctx.cat);
    let forecast_svg = forecast_chart(&ctx, &forecast, today).to_svg(ctx.cat);
    let highest = rows.iter().max_by_key(|r| (r.occupancy, r.day)).cloned();
    Ok(OccupancyPage {
        today: rows.last().filter(|r| r.day == today).cloned(),
        can_plan: ctx.can(Permission::ManageBeds),
        types: crate::intake::pages::type_choices(),
        ctx,
        history_svg,
        forecast_svg,
        forecast,
        planned,
        form,
        errors,
        highest,
    })
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<OccupancyPage> {
    render(&st, ctx, PlannedIntakeForm::default(), FieldErrors::new()).await
}

/// The stored daily history as CSV (one row per day).
pub async fn csv(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let today = st.today();
    let from = today - Days::new(history::HISTORY_DAYS);
    let rows = history::days_current(&st.db, &st.centre_code()?, from, today).await?;
    let mut records = vec![
        [
            "occupancy.day",
            "occupancy.occupancy",
            "occupancy.present",
            "occupancy.working_beds",
            "occupancy.beds_used",
            "occupancy.design_scale",
            "occupancy.receiving_capacity",
            "occupancy.source",
        ]
        .iter()
        .map(|k| ctx.t(k).to_owned())
        .collect::<Vec<_>>(),
    ];
    let opt = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        records.push(vec![
            ctx.cat.date(r.day),
            r.occupancy.to_string(),
            r.present.to_string(),
            opt(r.working_beds),
            opt(r.beds_used),
            r.design_scale.to_string(),
            r.receiving_capacity.to_string(),
            ctx.t(&format!("occupancy.source_{}", r.source)).to_owned(),
        ]);
    }
    let body = crate::tabular::to_csv(&records).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::attachment(
        body,
        "text/csv; charset=utf-8",
        &format!("occupancy-{}.csv", today.format("%Y%m%d")),
    ))
}

pub async fn add_planned(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<PlannedIntakeForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match history::add_planned_intake(&txn, &ctx.actor(), &f, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/beds/occupancy?ok=planned_added#forecast").into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn cancel_planned(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    history::cancel_planned_intake(&txn, &ctx.actor(), id).await?;
    txn.commit().await?;
    Ok(Redirect::to(
        "/beds/occupancy?ok=planned_cancelled#forecast",
    ))
}

// ---------- capacity ----------

#[derive(Template, WebTemplate)]
#[template(path = "beds/capacity.html")]
pub struct CapacityPage {
    pub ctx: PageCtx,
    pub log: Vec<centre_capacity::Model>,
    pub in_force: Option<centre_capacity::Model>,
    pub occupancy: i64,
    pub working_beds: i64,
    pub can_change: bool,
    pub form: CapacityForm,
    pub errors: FieldErrors,
}

impl CapacityPage {
    pub fn day(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.cat.datetime(*t)
    }
    pub fn n(&self, v: &i32) -> String {
        self.ctx.cat.number(i64::from(*v))
    }
    pub fn is_future(&self, r: &centre_capacity::Model) -> bool {
        self.in_force
            .as_ref()
            .is_some_and(|f| r.effective_from > f.effective_from)
    }
}

async fn render_capacity(
    st: &AppState,
    ctx: PageCtx,
    form: CapacityForm,
    errors: FieldErrors,
) -> AppResult<CapacityPage> {
    let code = st.centre_code()?;
    let today = st.today();
    let log = history::capacity_log(&st.db, &code).await?;
    let in_force = log.iter().find(|r| r.effective_from <= today).cloned();
    let now = history::now(&st.db).await?;
    let (occupancy, working_beds) = (now.occupancy, now.working_beds);
    Ok(CapacityPage {
        can_change: ctx.can(Permission::ManageCapacity),
        ctx,
        log,
        in_force,
        occupancy,
        working_beds,
        form,
        errors,
    })
}

pub async fn capacity(State(st): State<AppState>, ctx: PageCtx) -> AppResult<CapacityPage> {
    let mut page = render_capacity(&st, ctx, CapacityForm::default(), FieldErrors::new()).await?;
    // Start from the figures in force: a change usually moves one of them.
    page.form = CapacityForm {
        effective_from: page.ctx.cat.date(st.today()),
        design_scale: page
            .in_force
            .as_ref()
            .map(|f| f.design_scale.to_string())
            .unwrap_or_default(),
        receiving_capacity: page
            .in_force
            .as_ref()
            .map(|f| f.receiving_capacity.to_string())
            .unwrap_or_default(),
        reason: String::new(),
    };
    Ok(page)
}

pub async fn change_capacity(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<CapacityForm>,
) -> AppResult<Response> {
    let code = st.centre_code()?;
    let txn = db::begin_write(&st.db).await?;
    match history::change_capacity(&txn, &ctx.actor(), &code, &f, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            // The department hears of it with the next summary.
            if let Err(e) = crate::summary::enqueue_now(&st, "on_demand", st.today()).await {
                tracing::warn!(error = %e, "summary after a capacity change failed");
            }
            Ok(Redirect::to("/beds/capacity?ok=capacity_changed").into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render_capacity(&st, ctx, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
