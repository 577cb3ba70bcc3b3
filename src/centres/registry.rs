//! The centre registry as dated data: closing a centre, or merging it into another, on
//! a date. The centre and its figures stay; reports for periods before the date still
//! show it (the city's seven centres were merged into four in 2025).

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor};
use crate::db;
use crate::entities::centre;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    /// dd/mm/yyyy: the first day the centre no longer operates.
    pub closed_on: String,
    /// Code of the centre that takes over its residents (a merger), or empty.
    pub merged_into: String,
    pub note: String,
}

/// Checks a closure: a date not before the opening and at most a year ahead; a merger
/// target that is another centre open on that day; a note.
pub fn check_close(
    c: &centre::Model,
    f: &CloseForm,
    all: &[centre::Model],
    today: NaiveDate,
) -> Result<(NaiveDate, Option<String>), FieldErrors> {
    let mut e = FieldErrors::new();
    let day = parse_date(&f.closed_on);
    match day {
        None => e.add(
            "closed_on",
            if f.closed_on.trim().is_empty() {
                "error.required"
            } else {
                "error.date_format"
            },
        ),
        Some(d) if d <= c.opened_on => e.add("closed_on", "error.close_before_opening"),
        Some(d) if d > today + chrono::Days::new(366) => e.add("closed_on", "error.date_too_far"),
        _ => {}
    }
    if c.closed_on.is_some() {
        e.add("closed_on", "error.centre_already_closed");
    }
    let target = f.merged_into.trim();
    let merged = if target.is_empty() {
        None
    } else {
        match all.iter().find(|x| x.code == target) {
            Some(t) if t.code == c.code => {
                e.add("merged_into", "error.merge_into_self");
                None
            }
            Some(t) if day.is_some_and(|d| !super::capacity::open_on(t, d)) => {
                e.add("merged_into", "error.merge_into_closed");
                None
            }
            Some(t) => Some(t.code.clone()),
            None => {
                e.add("merged_into", "error.required");
                None
            }
        }
    };
    if f.note.trim().is_empty() {
        e.add("note", "error.reason_required");
    } else if f.note.chars().count() > 500 {
        e.add("note", "error.too_long");
    }
    match (day, e.is_empty()) {
        (Some(d), true) => Ok((d, merged)),
        _ => Err(e),
    }
}

pub async fn close<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    code: &str,
    f: &CloseForm,
    today: NaiveDate,
) -> AppResult<centre::Model> {
    let all = centre::Entity::find().all(conn).await?;
    let c = all
        .iter()
        .find(|c| c.code == code)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let (day, merged) = check_close(&c, f, &all, today).map_err(AppError::Invalid)?;
    let mut am = c.into_active_model();
    am.closed_on = Set(Some(day));
    am.merged_into = Set(merged.clone());
    am.note = Set(f.note.trim().to_owned());
    let c = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        if merged.is_some() {
            "centre.merge"
        } else {
            "centre.close"
        },
        "centre",
        c.id,
        json!({ "code": c.code, "closed_on": day, "merged_into": merged, "note": c.note }),
    )
    .await?;
    Ok(c)
}

#[derive(Template, WebTemplate)]
#[template(path = "centres/registry.html")]
pub struct RegistryPage {
    pub ctx: PageCtx,
    pub centres: Vec<centre::Model>,
    pub form_for: String,
    pub form: CloseForm,
    pub errors: FieldErrors,
}

impl RegistryPage {
    pub fn day(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn open(&self) -> Vec<&centre::Model> {
        self.centres
            .iter()
            .filter(|c| c.closed_on.is_none())
            .collect()
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    form_for: String,
    form: CloseForm,
    errors: FieldErrors,
) -> AppResult<RegistryPage> {
    let centres = centre::Entity::find()
        .order_by_asc(centre::COLUMN.code)
        .all(&st.db)
        .await?;
    Ok(RegistryPage {
        ctx,
        centres,
        form_for,
        form,
        errors,
    })
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<RegistryPage> {
    render(
        &st,
        ctx,
        String::new(),
        CloseForm::default(),
        FieldErrors::new(),
    )
    .await
}

pub async fn close_post(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(code): Path<String>,
    Form(f): Form<CloseForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match close(&txn, &ctx.actor(), &code, &f, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/admin/centres?ok=centre_closed").into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, code, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
