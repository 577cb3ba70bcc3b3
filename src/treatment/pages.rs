//! Treatment pages: the ward list (stage, days in stage against the plan, open detox)
//! and one admission's treatment record with its forms. Handlers parse, call, render.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde_json::json;

use super::detox::{Outcome, SubstanceClass};
use super::fitness::Activity;
use super::stages;
use super::store::{
    self, AssessmentForm, DetoxEndForm, DetoxForm, DrugTestForm, RestrictionForm, StageForm,
    WardQuery, WardRow,
};
use crate::db;
use crate::entities::{admission, resident};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx, Path, Query};

fn stage_choices() -> Vec<Choice> {
    const CODES: [&str; 5] = ["1", "2", "3", "4", "5"];
    (1..=5)
        .map(|s| Choice {
            code: CODES[(s - 1) as usize],
            key: stages::label_key(s),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/ward.html")]
pub struct WardPage {
    pub ctx: PageCtx,
    pub rows: Vec<WardRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub zone: String,
    pub stage: Option<i32>,
    pub zones: Vec<String>,
    /// (stage, label key, chosen) for the filter.
    pub stage_options: Vec<(i32, String, bool)>,
    pub plan: [Option<i32>; 6],
    pub today: NaiveDate,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl WardPage {
    /// An open opioid episode whose withdrawal assessment is overdue.
    pub fn assessment_overdue(&self, r: &WardRow) -> bool {
        match (&r.detox_class, r.detox_since, r.detox_hours) {
            (Some(c), Some(since), Some(h)) if c == "opioid" => {
                super::cows::overdue(r.detox_last, since, h, self.now)
            }
            _ => false,
        }
    }
    /// The periodic health check is overdue (six months, Decree 116/2021 Art 65).
    pub fn health_check_overdue(&self, r: &WardRow) -> bool {
        stages::health_check_due(r.admitted_on, r.last_health_check) < self.today
    }
    pub fn since(&self, r: &WardRow) -> NaiveDate {
        r.stage_since.unwrap_or(r.admitted_on)
    }
    pub fn days_in_stage(&self, r: &WardRow) -> i64 {
        (self.today - self.since(r)).num_days()
    }
    pub fn overrun(&self, r: &WardRow) -> Option<i64> {
        let planned = usize::try_from(r.stage)
            .ok()
            .and_then(|i| self.plan.get(i).copied().flatten());
        stages::overrun(self.since(r), self.today, planned)
    }
    pub fn stage_label(&self, s: &i32) -> String {
        stages::label_key(*s)
    }
    pub fn page_link(&self, page: u64) -> String {
        let stage = self.stage.map(|s| s.to_string()).unwrap_or_default();
        let p = page.to_string();
        let q = crate::web::query_string(&[("zone", &self.zone), ("stage", &stage), ("page", &p)]);
        format!("/treatment?{q}")
    }
}

pub async fn ward(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<WardQuery>,
) -> AppResult<WardPage> {
    let (rows, total) = store::ward(&st.db, &q).await?;
    let pages = total.div_ceil(store::PAGE_SIZE).max(1);
    Ok(WardPage {
        rows,
        total,
        page: q.page.unwrap_or(1).max(1),
        pages,
        zones: crate::beds::store::zone_names(&st.db).await?,
        stage_options: (1..=5)
            .map(|s| (s, stages::label_key(s), q.stage == Some(s)))
            .collect(),
        plan: store::plan(&st.db).await?,
        today: st.today(),
        now: chrono::Utc::now(),
        zone: q.zone,
        stage: q.stage,
        ctx,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/admission.html")]
pub struct AdmissionPage {
    pub ctx: PageCtx,
    pub adm: admission::Model,
    pub r: resident::Model,
    /// The user may write, and the admission is still open.
    pub writable: bool,
    pub record: store::Record,
    pub stages: Vec<Choice>,
    pub classes: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub stage_form: StageForm,
    pub stage_errors: FieldErrors,
    pub detox_form: DetoxForm,
    pub detox_errors: FieldErrors,
    pub end_form: DetoxEndForm,
    pub end_errors: FieldErrors,
    pub activities: Vec<Choice>,
    pub restriction_form: RestrictionForm,
    pub restriction_errors: FieldErrors,
    pub methods: Vec<Choice>,
    pub results: Vec<Choice>,
    pub test_form: DrugTestForm,
    pub test_errors: FieldErrors,
    /// The hospital movement a clinician may record now (`hospital_out` when present,
    /// `hospital_return` when in hospital), if any.
    pub hospital_kind: Option<&'static str>,
    pub hospital_form: crate::intake::store::EventForm,
    pub hospital_errors: FieldErrors,
    /// COWS assessments of the open episode, latest first.
    pub assessments: Vec<crate::entities::withdrawal_assessment::Model>,
    /// (field, item label key, anchor scores, value typed) for the COWS form.
    pub cows_items: Vec<(&'static str, String, Vec<u8>, String)>,
    pub assessment_form: AssessmentForm,
    pub assessment_errors: FieldErrors,
    /// Required stages not reached yet (what the release check will warn of).
    pub missing: Vec<i32>,
    pub today: NaiveDate,
}

impl AdmissionPage {
    pub fn stage_label(&self, s: &i32) -> String {
        stages::label_key(*s)
    }
    pub fn type_label(&self) -> String {
        format!("admission_type.{}", self.adm.admission_type)
    }
    pub fn open_episode(&self) -> Option<&crate::entities::detox_episode::Model> {
        self.record.episodes.iter().find(|e| e.ended_on.is_none())
    }
    pub fn class_label(&self, code: &str) -> String {
        SubstanceClass::parse(code).map_or_else(|| code.to_owned(), SubstanceClass::label_key)
    }
    pub fn activity_label(&self, code: &str) -> String {
        Activity::parse(code).map_or_else(|| code.to_owned(), Activity::label_key)
    }
    /// The restriction is in force today.
    pub fn in_force(&self, r: &crate::entities::medical_restriction::Model) -> bool {
        r.starts_on <= self.today && r.ends_on.is_none_or(|e| e >= self.today)
    }
    pub fn outcome_label(&self, code: &str) -> String {
        Outcome::parse(code).map_or_else(|| code.to_owned(), Outcome::label_key)
    }
}

/// The forms as the page shows them, with what was typed and its errors.
#[derive(Default)]
pub struct Forms {
    pub stage: (StageForm, FieldErrors),
    pub detox: (DetoxForm, FieldErrors),
    pub end: (DetoxEndForm, FieldErrors),
    pub restriction: (RestrictionForm, FieldErrors),
    pub test: (DrugTestForm, FieldErrors),
    pub hospital: (crate::intake::store::EventForm, FieldErrors),
    pub assessment: (AssessmentForm, FieldErrors),
}

impl Forms {
    /// The date fields of the forms not being corrected start at today, as the desk's do.
    fn dated(mut self, today: &str) -> Forms {
        let fill = |v: &mut String, errors: &FieldErrors| {
            if v.is_empty() && errors.is_empty() {
                *v = today.to_owned();
            }
        };
        fill(&mut self.stage.0.entered_on, &self.stage.1);
        fill(&mut self.detox.0.started_on, &self.detox.1);
        fill(&mut self.end.0.ended_on, &self.end.1);
        fill(&mut self.test.0.tested_on, &self.test.1);
        fill(&mut self.hospital.0.occurred_on, &self.hospital.1);
        fill(&mut self.assessment.0.assessed_on, &self.assessment.1);
        if self.detox.0.assessment_hours.is_empty() && self.detox.1.is_empty() {
            self.detox.0.assessment_hours = "8".into();
        }
        if self.assessment.0.assessed_time.is_empty() && self.assessment.1.is_empty() {
            let now = chrono::Utc::now().with_timezone(&crate::i18n::hanoi_offset());
            self.assessment.0.assessed_time = now.format("%H:%M").to_string();
        }
        self
    }
}

async fn render(st: &AppState, ctx: PageCtx, id: i32, forms: Forms) -> AppResult<AdmissionPage> {
    let forms = forms.dated(&ctx.cat.date(st.today()));
    let a = crate::intake::store::get_admission(&st.db, id).await?;
    let r = crate::intake::store::get_resident(&st.db, a.resident_id).await?;
    let record = store::record_of(&st.db, id).await?;
    let assessments = match record.episodes.iter().find(|e| e.ended_on.is_none()) {
        Some(open) => store::assessments(&st.db, open.id).await?,
        None => Vec::new(),
    };
    let values = forms.assessment.0.items();
    let cows_items = super::cows::ITEMS
        .iter()
        .zip(store::ITEM_FIELDS)
        .zip(values)
        .map(|(((key, allowed), field), v)| {
            (
                field,
                format!("cows.item_{key}"),
                allowed.to_vec(),
                v.to_owned(),
            )
        })
        .collect();
    let reached: Vec<i32> = record.transitions.iter().map(|t| t.stage).collect();
    let missing = crate::intake::rules::AdmissionType::parse(&a.admission_type)
        .map(|t| stages::missing(t, &reached))
        .unwrap_or_default();
    // Medical records are read under audit (design.md §3).
    crate::audit::record(
        &st.db,
        &ctx.actor(),
        "medical.read",
        "admission",
        id,
        json!({ "page": "treatment" }),
    )
    .await?;
    let choices = |all: &[SubstanceClass]| -> Vec<Choice> {
        all.iter()
            .map(|c| Choice {
                code: c.as_str(),
                key: c.label_key(),
            })
            .collect()
    };
    Ok(AdmissionPage {
        stages: stage_choices(),
        classes: choices(SubstanceClass::ALL),
        outcomes: Outcome::ALL
            .iter()
            // "Released" is written by the release itself, not chosen.
            .filter(|o| **o != Outcome::Released)
            .map(|o| Choice {
                code: o.as_str(),
                key: o.label_key(),
            })
            .collect(),
        stage_form: forms.stage.0,
        stage_errors: forms.stage.1,
        detox_form: forms.detox.0,
        detox_errors: forms.detox.1,
        end_form: forms.end.0,
        end_errors: forms.end.1,
        activities: Activity::ALL
            .iter()
            .map(|a| Choice {
                code: a.as_str(),
                key: a.label_key(),
            })
            .collect(),
        restriction_form: forms.restriction.0,
        restriction_errors: forms.restriction.1,
        methods: super::detox::TestMethod::ALL
            .iter()
            .map(|m| Choice {
                code: m.as_str(),
                key: m.label_key(),
            })
            .collect(),
        results: ["positive", "negative"]
            .into_iter()
            .map(|r| Choice {
                code: r,
                key: format!("drug_test.{r}"),
            })
            .collect(),
        test_form: forms.test.0,
        test_errors: forms.test.1,
        hospital_kind: hospital_kind(&a.presence),
        hospital_form: forms.hospital.0,
        hospital_errors: forms.hospital.1,
        assessments,
        cows_items,
        assessment_form: forms.assessment.0,
        assessment_errors: forms.assessment.1,
        missing,
        today: st.today(),
        writable: ctx.can(crate::auth::Permission::RecordTreatment)
            && a.status == crate::intake::store::ACTIVE,
        adm: a,
        r,
        record,
        ctx,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<AdmissionPage> {
    render(&st, ctx, id, Forms::default()).await
}

/// Runs a write; on field errors renders the page again with them (422), on success
/// goes back to the record.
async fn write<T>(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    result: AppResult<T>,
    txn: sea_orm::DatabaseTransaction,
    on_error: impl FnOnce(FieldErrors) -> Forms,
) -> AppResult<Response> {
    match result {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/treatment/admissions/{id}?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(st, ctx, id, on_error(e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn change_stage(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<StageForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::record_stage(&txn, &ctx.actor(), id, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        stage: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn start_detox(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DetoxForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::open_detox(&txn, &ctx.actor(), id, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        detox: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn end_detox(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, episode)): Path<(i32, i32)>,
    Form(f): Form<DetoxEndForm>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let belongs = crate::entities::detox_episode::Entity::find_by_id(episode)
        .one(&st.db)
        .await?
        .is_some_and(|e| e.admission_id == id);
    if !belongs {
        return Err(AppError::NotFound);
    }
    let txn = db::begin_write(&st.db).await?;
    let result = store::end_detox(&txn, &ctx.actor(), episode, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        end: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn add_restriction(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<RestrictionForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::add_restriction(&txn, &ctx.actor(), id, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        restriction: (f, e),
        ..Forms::default()
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/plan.html")]
pub struct PlanPage {
    pub ctx: PageCtx,
    pub form: store::PlanForm,
    pub errors: FieldErrors,
    pub can_edit: bool,
}

impl PlanPage {
    /// (field, stage label key, value) for each stage.
    pub fn rows(&self) -> Vec<(&'static str, String, String)> {
        let f = &self.form;
        [&f.stage_1, &f.stage_2, &f.stage_3, &f.stage_4, &f.stage_5]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let s = i as i32 + 1;
                (STAGE_FIELDS[i], stages::label_key(s), (*v).clone())
            })
            .collect()
    }
}

const STAGE_FIELDS: [&str; 5] = ["stage_1", "stage_2", "stage_3", "stage_4", "stage_5"];

pub async fn plan(State(st): State<AppState>, ctx: PageCtx) -> AppResult<PlanPage> {
    let form = store::PlanForm::of(&store::plan(&st.db).await?);
    Ok(PlanPage {
        can_edit: ctx.can(crate::auth::Permission::ManageCapacity),
        ctx,
        form,
        errors: FieldErrors::new(),
    })
}

pub async fn set_plan(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<store::PlanForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match store::set_plan(&txn, &ctx.actor(), &f).await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to("/treatment/plan?ok=saved").into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let page = PlanPage {
                can_edit: true,
                ctx,
                form: f,
                errors,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The hospital movement a doctor or nurse on duty may record (an emergency transfer
/// and the return), so the night shift need not wait for the desk.
fn hospital_kind(presence: &str) -> Option<&'static str> {
    use crate::intake::rules::{EventKind, Presence};
    match Presence::parse(presence)? {
        Presence::Present => Some(EventKind::HospitalOut.as_str()),
        Presence::InHospital => Some(EventKind::HospitalReturn.as_str()),
        _ => None,
    }
}

pub async fn add_drug_test(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DrugTestForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::add_drug_test(&txn, &ctx.actor(), id, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        test: (f, e),
        ..Forms::default()
    })
    .await
}

/// An emergency hospital transfer or the return, recorded by a clinician as the desk
/// records movements (the same rules, the same record).
pub async fn hospital_movement(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<crate::intake::store::EventForm>,
) -> AppResult<Response> {
    use crate::intake::rules::EventKind;
    let allowed = [EventKind::HospitalOut, EventKind::HospitalReturn];
    if !allowed.iter().any(|k| k.as_str() == f.kind.trim()) {
        return Err(AppError::BadRequest("error.invalid"));
    }
    let txn = db::begin_write(&st.db).await?;
    let result = crate::intake::store::record_event(&txn, &ctx.actor(), id, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        hospital: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn add_assessment(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, episode)): Path<(i32, i32)>,
    Form(f): Form<AssessmentForm>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let belongs = crate::entities::detox_episode::Entity::find_by_id(episode)
        .one(&st.db)
        .await?
        .is_some_and(|e| e.admission_id == id);
    if !belongs {
        return Err(AppError::NotFound);
    }
    let txn = db::begin_write(&st.db).await?;
    let result =
        store::record_assessment(&txn, &ctx.actor(), episode, &f, chrono::Utc::now()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        assessment: (f, e),
        ..Forms::default()
    })
    .await
}
