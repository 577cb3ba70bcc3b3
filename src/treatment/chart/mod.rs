//! The medical chart of an admission: progress notes and medical flags, for medical
//! roles only, every read audited. Handlers parse, call, render.

pub mod plans;
pub mod store;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use crate::db;
use crate::entities::{admission, medical_flag, progress_note, resident};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx, Path};
use store::{FlagEndForm, FlagForm, NoteForm};

#[derive(Template, WebTemplate)]
#[template(path = "treatment/chart.html")]
pub struct ChartPage {
    pub ctx: PageCtx,
    pub adm: admission::Model,
    pub r: resident::Model,
    pub notes: Vec<progress_note::Model>,
    pub note_total: u64,
    pub flags: Vec<medical_flag::Model>,
    pub kinds: Vec<Choice>,
    pub writable: bool,
    pub note_form: NoteForm,
    pub note_errors: FieldErrors,
    pub flag_form: FlagForm,
    pub flag_errors: FieldErrors,
    /// The flag whose end form failed, with what was typed.
    pub end: Option<(i32, FlagEndForm, FieldErrors)>,
    pub today: String,
}

impl ChartPage {
    /// A later note corrects this one.
    pub fn corrected(&self, n: &progress_note::Model) -> bool {
        self.notes.iter().any(|x| x.corrects_id == Some(n.id))
    }
    /// Notes that may still be corrected, for the form's choice.
    pub fn correctable(&self) -> Vec<&progress_note::Model> {
        self.notes.iter().filter(|n| !self.corrected(n)).collect()
    }
    pub fn end_form(&self, flag: &i32) -> (FlagEndForm, FieldErrors) {
        match &self.end {
            Some((id, f, e)) if id == flag => (f.clone(), e.clone()),
            _ => (
                FlagEndForm {
                    ended_on: self.today.clone(),
                    ..FlagEndForm::default()
                },
                FieldErrors::new(),
            ),
        }
    }
    pub fn excerpt(&self, n: &progress_note::Model) -> String {
        n.body.chars().take(60).collect()
    }
}

/// The forms as the page shows them.
#[derive(Default)]
pub struct Forms {
    pub note: (NoteForm, FieldErrors),
    pub flag: (FlagForm, FieldErrors),
    pub end: Option<(i32, FlagEndForm, FieldErrors)>,
}

async fn render(st: &AppState, ctx: PageCtx, id: i32, mut forms: Forms) -> AppResult<ChartPage> {
    let adm = crate::intake::store::get_admission(&st.db, id).await?;
    let r = crate::intake::store::get_resident(&st.db, adm.resident_id).await?;
    let (notes, note_total) = store::notes(&st.db, id).await?;
    let flags = store::flags(&st.db, id).await?;
    // Medical records are read under audit (design.md §3).
    crate::audit::record(
        &st.db,
        &ctx.actor(),
        "medical.read",
        "admission",
        id,
        json!({ "page": "chart" }),
    )
    .await?;
    let today = ctx.cat.date(st.today());
    if forms.flag.0.starts_on.is_empty() && forms.flag.1.is_empty() {
        forms.flag.0.starts_on = today.clone();
    }
    Ok(ChartPage {
        kinds: store::FLAG_KINDS
            .iter()
            .map(|k| Choice {
                code: k,
                key: format!("chart.flag_{k}"),
            })
            .collect(),
        writable: ctx.can(crate::auth::Permission::RecordTreatment)
            && adm.status == crate::intake::store::ACTIVE,
        note_form: forms.note.0,
        note_errors: forms.note.1,
        flag_form: forms.flag.0,
        flag_errors: forms.flag.1,
        end: forms.end,
        today,
        adm,
        r,
        notes,
        note_total,
        flags,
        ctx,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<ChartPage> {
    render(&st, ctx, id, Forms::default()).await
}

async fn write(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    result: AppResult<()>,
    txn: sea_orm::DatabaseTransaction,
    on_error: impl FnOnce(FieldErrors) -> Forms,
) -> AppResult<Response> {
    match result {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/treatment/admissions/{id}/chart?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(st, ctx, id, on_error(e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn add_note(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::add_note(&txn, &ctx.actor(), id, &f)
        .await
        .map(|_| ());
    write(&st, ctx, id, result, txn, |e| Forms {
        note: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn add_flag(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<FlagForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::add_flag(&txn, &ctx.actor(), id, &f).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        flag: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn end_flag(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, flag)): Path<(i32, i32)>,
    Form(f): Form<FlagEndForm>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let found = medical_flag::Entity::find_by_id(flag)
        .one(&st.db)
        .await?
        .filter(|x| x.admission_id == id)
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(&st.db).await?;
    let result = store::end_flag(&txn, &ctx.actor(), found, &f, st.today()).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        end: Some((flag, f, e)),
        ..Forms::default()
    })
    .await
}
