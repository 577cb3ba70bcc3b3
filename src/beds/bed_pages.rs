//! One bed: its full history, out-of-service and back, and swapping its occupant with
//! another bed's.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, BedDetail, BedStateForm, SwapForm};
use crate::auth::{Permission, Role};
use crate::db;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "beds/bed.html")]
pub struct BedPage {
    pub ctx: PageCtx,
    pub d: BedDetail,
    pub occupied: bool,
    pub can_manage: bool,
    pub is_director: bool,
    pub state_form: BedStateForm,
    pub swap_form: SwapForm,
    pub errors: FieldErrors,
}

impl BedPage {
    pub fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.cat.datetime(*t)
    }
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    state_form: BedStateForm,
    swap_form: SwapForm,
    errors: FieldErrors,
) -> AppResult<BedPage> {
    let d = store::bed_detail(&st.db, id).await?;
    Ok(BedPage {
        occupied: d.stays.first().is_some_and(|s| s.to_at.is_none()),
        can_manage: ctx.can(Permission::ManageBeds),
        is_director: ctx.role() == Some(Role::Director),
        ctx,
        d,
        state_form,
        swap_form,
        errors,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<BedPage> {
    render(
        &st,
        ctx,
        id,
        BedStateForm::default(),
        SwapForm::default(),
        FieldErrors::new(),
    )
    .await
}

pub async fn set_state(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<BedStateForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match store::set_state(&txn, &ctx.actor(), id, &f, st.today()).await {
        Ok(b) => {
            txn.commit().await?;
            let ok = if b.state == store::IN_SERVICE {
                "bed_in_service"
            } else {
                "bed_out_of_service"
            };
            Ok(Redirect::to(&format!("/beds/{id}?ok={ok}")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, id, f, SwapForm::default(), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn swap(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<SwapForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let director = ctx.role() == Some(Role::Director);
    match store::swap(&txn, &ctx.actor(), director, id, &f, st.today()).await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/beds/{id}?ok=beds_swapped")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, id, BedStateForm::default(), f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
