//! Care plans (Decree 116/2021 Art 27–30): at stage 1 the classification and the
//! individual rehabilitation plan, at stage 5 the reintegration plan. Each save is a new
//! version naming the one it replaces; the page shows the current version of each and
//! the plans the admission's stage still expects. (Printing waits for the official
//! papers' layout.)

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db;
use crate::entities::{admission, care_plan, resident};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::intake::store::{ACTIVE, get_admission};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx, Path};

pub const KINDS: [&str; 3] = ["classification", "rehabilitation", "reintegration"];
const TEXT_MAX: usize = 8_000;

/// The plans an admission at `stage` should have (stage 1 on: classification and the
/// individual plan; stage 5: the reintegration plan too), less those it has.
pub fn missing(stage: i32, have: &[&str]) -> Vec<&'static str> {
    let expected: &[&'static str] = if stage >= 5 { &KINDS } else { &KINDS[..2] };
    expected
        .iter()
        .copied()
        .filter(|k| !have.contains(k))
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub kind: String,
    pub assessment: String,
    pub goals: String,
    pub actions: String,
    pub review_on: String,
}

/// Saves a new version of a plan (the current one of its kind, if any, is replaced).
pub async fn save<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &PlanForm,
) -> AppResult<()> {
    if get_admission(conn, admission_id).await?.status != ACTIVE {
        return Err(AppError::invalid("kind", "error.admission_not_active"));
    }
    let mut e = FieldErrors::new();
    let kind = f.kind.trim();
    if !KINDS.contains(&kind) {
        e.add("kind", "error.required");
    }
    if f.assessment.trim().is_empty() {
        e.add("assessment", "error.required");
    }
    for (field, v) in [
        ("assessment", &f.assessment),
        ("goals", &f.goals),
        ("actions", &f.actions),
    ] {
        if v.trim().chars().count() > TEXT_MAX {
            e.add(field, "error.too_long");
        }
    }
    let review_on = match f.review_on.trim() {
        "" => None,
        v => parse_date(v).or_else(|| {
            e.add("review_on", "error.date_format");
            None
        }),
    };
    e.into_result()?;
    let current = care_plan::Entity::find()
        .filter(care_plan::COLUMN.admission_id.eq(admission_id))
        .filter(care_plan::COLUMN.kind.eq(kind))
        .order_by_desc(care_plan::COLUMN.id)
        .one(conn)
        .await?;
    let plan = care_plan::ActiveModel {
        admission_id: Set(admission_id),
        kind: Set(kind.to_owned()),
        assessment: Set(f.assessment.trim().to_owned()),
        goals: Set(f.goals.trim().to_owned()),
        actions: Set(f.actions.trim().to_owned()),
        review_on: Set(review_on),
        replaces_id: Set(current.map(|c| c.id)),
        written_by_name: Set(actor.username.clone()),
        written_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "chart.plan",
        "admission",
        admission_id,
        json!({ "plan": plan.id, "kind": kind, "replaces": plan.replaces_id }),
    )
    .await?;
    Ok(())
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/plans.html")]
pub struct PlansPage {
    pub ctx: PageCtx,
    pub adm: admission::Model,
    pub r: resident::Model,
    /// Every version, the newest first.
    pub plans: Vec<care_plan::Model>,
    pub missing: Vec<&'static str>,
    pub kinds: Vec<Choice>,
    pub writable: bool,
    pub form: PlanForm,
    pub errors: FieldErrors,
}

impl PlansPage {
    /// A later version replaces this one.
    pub fn replaced(&self, p: &care_plan::Model) -> bool {
        self.plans.iter().any(|x| x.replaces_id == Some(p.id))
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    form: PlanForm,
    errors: FieldErrors,
) -> AppResult<PlansPage> {
    let adm = get_admission(&st.db, id).await?;
    let r = crate::intake::store::get_resident(&st.db, adm.resident_id).await?;
    let plans = care_plan::Entity::find()
        .filter(care_plan::COLUMN.admission_id.eq(id))
        .order_by_desc(care_plan::COLUMN.id)
        .limit(200)
        .all(&st.db)
        .await?;
    audit::record(
        &st.db,
        &ctx.actor(),
        "medical.read",
        "admission",
        id,
        json!({ "page": "plans" }),
    )
    .await?;
    let have: Vec<&str> = plans.iter().map(|p| p.kind.as_str()).collect();
    Ok(PlansPage {
        missing: missing(adm.stage, &have),
        kinds: KINDS
            .iter()
            .map(|k| Choice {
                code: k,
                key: format!("care_plan.kind.{k}"),
            })
            .collect(),
        writable: ctx.can(crate::auth::Permission::RecordTreatment) && adm.status == ACTIVE,
        adm,
        r,
        plans,
        form,
        errors,
        ctx,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<PlansPage> {
    render(&st, ctx, id, PlanForm::default(), FieldErrors::new()).await
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<PlanForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match save(&txn, &ctx.actor(), id, &f).await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/treatment/admissions/{id}/plans?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, id, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_expects_its_plans() {
        assert_eq!(missing(1, &[]), vec!["classification", "rehabilitation"]);
        assert_eq!(missing(3, &["classification"]), vec!["rehabilitation"]);
        assert_eq!(
            missing(5, &["classification", "rehabilitation"]),
            vec!["reintegration"]
        );
        assert!(missing(5, &KINDS).is_empty());
    }
}
