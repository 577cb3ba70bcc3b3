//! Progress against the city's plan targets (plan 241/KH-UBND, 2021–2025), read from
//! the day figures the centres sent. Targets are dated data in `seed/plan_targets.toml`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;

const PLANS: &str = include_str!("../../seed/plan_targets.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub indicator: String,
    pub target: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub code: String,
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(rename = "target")]
    pub targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Plans {
    plan: Vec<Plan>,
}

pub fn plans() -> Result<Vec<Plan>, String> {
    toml::from_str::<Plans>(PLANS)
        .map(|p| p.plan)
        .map_err(|e| e.to_string())
}

/// One target with what the centres' figures show.
pub struct Progress {
    pub indicator: String,
    pub target: i64,
    /// None when no centre reports this indicator yet (its area is still to come).
    pub achieved: Option<i64>,
}

impl Progress {
    pub fn percent(&self) -> Option<f64> {
        self.achieved
            .filter(|_| self.target > 0)
            .map(|a| a as f64 * 100.0 / self.target as f64)
    }
}

/// Progress of each target from the sums of intakes by type over the plan period.
pub fn progress(plan: &Plan, report: &super::report::CentreReport) -> Vec<Progress> {
    plan.targets
        .iter()
        .map(|t| Progress {
            indicator: t.indicator.clone(),
            target: t.target,
            achieved: match t.indicator.as_str() {
                "intakes.compulsory" => {
                    Some(report.intakes_of(&["compulsory_adult", "compulsory_minor"]))
                }
                "intakes.voluntary" => Some(report.intakes_of(&["voluntary"])),
                _ => None,
            },
        })
        .collect()
}

pub struct PlanView {
    pub plan: Plan,
    /// Catalogue key: ended, in force, or not yet in force (plans are dated data).
    pub status: &'static str,
    pub rows: Vec<Progress>,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
}

#[derive(Template, WebTemplate)]
#[template(path = "department/plan.html")]
pub struct PlanPage {
    pub ctx: PageCtx,
    pub plans: Vec<PlanView>,
    /// Whether any plan on file applies today (if not, the page says so).
    pub in_force: bool,
}

/// Where a plan stands on `today`.
pub fn status_on(plan: &Plan, today: NaiveDate) -> &'static str {
    if today > plan.to {
        "plan.status_ended"
    } else if today < plan.from {
        "plan.status_future"
    } else {
        "plan.status_in_force"
    }
}

impl PlanPage {
    pub fn day(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn pct(&self, p: &Progress) -> String {
        p.percent()
            .map_or_else(|| "—".into(), |v| self.ctx.cat.percent(v))
    }
    pub fn bar(&self, p: &Progress) -> i64 {
        p.percent()
            .map_or(0, |v| v.clamp(0.0, 100.0).round() as i64)
    }
    pub fn n(&self, v: &i64) -> String {
        self.ctx.cat.number(*v)
    }
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<PlanPage> {
    let today = st.today();
    let mut out = Vec::new();
    for plan in plans().map_err(|e| AppError::Internal(anyhow::anyhow!("plan targets: {e}")))? {
        let rows = super::days::between(&st.db, plan.from, plan.to).await?;
        let first_day = rows.iter().map(|r| r.day).min();
        let last_day = rows.iter().map(|r| r.day).max();
        let period = super::report::ReportPeriod {
            kind: super::report::PeriodKind::Year,
            year: 0,
            index: 0,
            from: plan.from,
            to: plan.to,
        };
        let codes: Vec<(String, String)> = {
            let mut c: Vec<String> = rows.iter().map(|r| r.centre_code.clone()).collect();
            c.sort();
            c.dedup();
            c.into_iter().map(|c| (c.clone(), c)).collect()
        };
        let (_, total) = super::report::build(&rows, &codes, &period);
        out.push(PlanView {
            rows: progress(&plan, &total),
            status: status_on(&plan, today),
            plan,
            first_day,
            last_day,
        });
    }
    let in_force = out.iter().any(|v| v.status == "plan.status_in_force");
    // The plan in force (or the latest) first.
    out.sort_by_key(|v| std::cmp::Reverse(v.plan.to));
    Ok(PlanPage {
        ctx,
        plans: out,
        in_force,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_ended_in_force_or_not_yet_by_its_dates() {
        let p = &plans().unwrap()[0];
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(status_on(p, d(2026, 11, 24)), "plan.status_ended");
        assert_eq!(status_on(p, d(2025, 12, 31)), "plan.status_in_force");
        assert_eq!(status_on(p, d(2020, 12, 31)), "plan.status_future");
    }

    #[test]
    fn plan_241_targets_are_loaded() {
        let p = plans().unwrap();
        assert_eq!(p[0].code, "241/KH-UBND");
        let t: Vec<(&str, i64)> = p[0]
            .targets
            .iter()
            .map(|t| (t.indicator.as_str(), t.target))
            .collect();
        assert_eq!(t[0], ("intakes.compulsory", 6900));
        assert_eq!(t[1], ("intakes.voluntary", 6900));
        let mut r = crate::department::report::CentreReport::default();
        r.intakes.insert("compulsory_adult".into(), 3000);
        r.intakes.insert("compulsory_minor".into(), 450);
        let pr = progress(&p[0], &r);
        assert_eq!(pr[0].achieved, Some(3450));
        assert_eq!(pr[0].percent(), Some(50.0));
        assert_eq!(pr[2].achieved, None);
    }
}
