//! Roll count pages: the list, taking tonight's count, and confirming it line by line.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::roll_call::{self, RollCounts, RollLine};
use crate::auth::Permission;
use crate::db;
use crate::entities::roll_call as roll_call_row;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "beds/roll_calls.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub rows: Vec<(roll_call_row::Model, RollCounts)>,
    pub taken_today: bool,
    pub can_take: bool,
}

impl ListPage {
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<ListPage> {
    let rows = roll_call::list(&st.db, 60).await?;
    let today = st.today();
    Ok(ListPage {
        taken_today: rows.iter().any(|(r, _)| r.day == today),
        can_take: ctx.can(Permission::ManageBeds),
        ctx,
        rows,
    })
}

pub async fn take(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    let rc = roll_call::take(&txn, &ctx.actor(), st.today()).await?;
    txn.commit().await?;
    Ok(Redirect::to(&format!("/beds/roll-calls/{}", rc.id)))
}

#[derive(Template, WebTemplate)]
#[template(path = "beds/roll_call.html")]
pub struct DetailPage {
    pub ctx: PageCtx,
    pub rc: roll_call_row::Model,
    pub lines: Vec<RollLine>,
    pub counts: RollCounts,
    pub can_confirm: bool,
    pub errors: FieldErrors,
}

impl DetailPage {
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.cat.datetime(*t)
    }
    pub fn status_key(&self, l: &RollLine) -> String {
        if l.line.status == "out" {
            format!("presence.{}", l.line.presence)
        } else {
            format!("roll.status_{}", l.line.status)
        }
    }
    pub fn expected_here(&self, l: &RollLine) -> bool {
        matches!(l.line.status.as_str(), "in_bed" | "no_bed")
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: FieldErrors,
) -> AppResult<DetailPage> {
    let (rc, lines) = roll_call::get(&st.db, id).await?;
    let rows: Vec<_> = lines.iter().map(|l| l.line.clone()).collect();
    Ok(DetailPage {
        counts: roll_call::counts(&rows),
        can_confirm: rc.confirmed_at.is_none() && ctx.can(Permission::ManageBeds),
        ctx,
        rc,
        lines,
        errors,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<DetailPage> {
    render(&st, ctx, id, FieldErrors::new()).await
}

/// The confirmation form: `missing` repeated once per line not found, and `note`.
pub async fn confirm(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let missing: Vec<i32> = pairs
        .iter()
        .filter(|(k, _)| k == "missing")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let note = pairs
        .iter()
        .find(|(k, _)| k == "note")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    // A confirmed count is final: the clerk says so explicitly (works without JavaScript).
    if !pairs.iter().any(|(k, v)| k == "final" && v == "yes") {
        let mut e = FieldErrors::new();
        e.add("final", "error.roll_not_final");
        let page = render(&st, ctx, id, e).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let txn = db::begin_write(&st.db).await?;
    match roll_call::confirm(&txn, &ctx.actor(), id, &missing, note).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/beds/roll-calls/{id}?ok=roll_confirmed")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, id, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
