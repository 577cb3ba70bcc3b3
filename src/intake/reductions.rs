//! The quarterly reduction review: every three months the centre lists the residents
//! who have served at least half their term (and have had no reduction), proposes a
//! reduction (1–3 months, up to 6 for a meritorious act) or not, with a reason, and
//! sends the list to the court. The court's decision is then recorded as a term
//! reduction on each resident (with the decision number).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::rules::Warning;
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::db;
use crate::entities::{reduction_proposal, reduction_review, resident};
use crate::error::{AppError, AppResult, Msg};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

/// `2026-Q4` for a day in October–December 2026.
pub fn quarter_of(d: NaiveDate) -> String {
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

/// A resident due for this quarter's review.
pub struct Candidate {
    pub resident: resident::Model,
    pub admission_id: i32,
    pub served_days: i64,
}

pub async fn candidates<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> AppResult<Vec<Candidate>> {
    let mut out = Vec::new();
    for w in super::warnings::for_centre(conn, today).await? {
        if w.warning != Warning::ReductionCandidate {
            continue;
        }
        out.push(Candidate {
            admission_id: w.admission.id,
            resident: w.resident,
            served_days: w.served_days,
        });
    }
    out.sort_by(|a, b| a.resident.full_name.cmp(&b.resident.full_name));
    Ok(out)
}

pub async fn review_of<C: ConnectionTrait>(
    conn: &C,
    quarter: &str,
) -> AppResult<
    Option<(
        reduction_review::Model,
        Vec<(reduction_proposal::Model, resident::Model)>,
    )>,
> {
    let Some(r) = reduction_review::Entity::find()
        .filter(reduction_review::COLUMN.quarter.eq(quarter))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let props = reduction_proposal::Entity::find()
        .filter(reduction_proposal::COLUMN.review_id.eq(r.id))
        .all(conn)
        .await?;
    let people = resident::Entity::find()
        .filter(
            resident::COLUMN
                .id
                .is_in(props.iter().map(|p| p.resident_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    let mut rows: Vec<_> = props
        .into_iter()
        .filter_map(|p| {
            let who = people.iter().find(|x| x.id == p.resident_id)?.clone();
            Some((p, who))
        })
        .collect();
    rows.sort_by(|a, b| a.1.full_name.cmp(&b.1.full_name));
    Ok(Some((r, rows)))
}

/// Checks one line: months 0–3, or up to 6 with a stated merit; a reason always.
pub fn check_line(months: &str, reason: &str) -> Result<i32, Msg> {
    let m: i32 = months
        .trim()
        .parse()
        .ok()
        .filter(|m| (0..=6).contains(m))
        .ok_or_else(|| {
            Msg::new("error.number_range")
                .arg("min", "0")
                .arg("max", "6")
        })?;
    if reason.trim().is_empty() {
        return Err(Msg::new("error.reason_required"));
    }
    if m > 3
        && !reason.to_lowercase().contains("lập công")
        && !reason.to_lowercase().contains("merit")
    {
        return Err(Msg::new("error.reduction_merit_reason"));
    }
    Ok(m)
}

/// Why a review was not prepared: messages per candidate line (by admission id) or for
/// the whole list.
#[derive(Debug, Default)]
pub struct ReviewErrors {
    pub lines: std::collections::BTreeMap<i32, Msg>,
    pub list: Option<Msg>,
}

pub enum ReviewError {
    Invalid(ReviewErrors),
    App(AppError),
}

impl From<AppError> for ReviewError {
    fn from(e: AppError) -> Self {
        ReviewError::App(e)
    }
}

impl From<sea_orm::DbErr> for ReviewError {
    fn from(e: sea_orm::DbErr) -> Self {
        ReviewError::App(e.into())
    }
}

fn list_error(key: &str) -> ReviewError {
    ReviewError::Invalid(ReviewErrors {
        list: Some(Msg::new(key)),
        ..Default::default()
    })
}

/// Prepares the quarter's review from the posted lines (`m{admission}` months and
/// `r{admission}` reason for every candidate). Once per quarter.
pub async fn prepare<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    pairs: &[(String, String)],
    today: NaiveDate,
) -> Result<reduction_review::Model, ReviewError> {
    let quarter = quarter_of(today);
    if review_of(conn, &quarter).await?.is_some() {
        return Err(list_error("error.review_exists"));
    }
    let get = |k: String| {
        pairs
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let list = candidates(conn, today).await?;
    if list.is_empty() {
        return Err(list_error("error.review_empty"));
    }
    let mut errs = ReviewErrors::default();
    let mut lines = Vec::new();
    for c in &list {
        let months = get(format!("m{}", c.admission_id));
        let reason = get(format!("r{}", c.admission_id));
        match check_line(&months, &reason) {
            Ok(m) => lines.push((c, m, reason.trim().to_owned())),
            Err(m) => {
                errs.lines.insert(c.admission_id, m);
            }
        }
    }
    if !errs.lines.is_empty() {
        return Err(ReviewError::Invalid(errs));
    }
    let review = reduction_review::ActiveModel {
        quarter: Set(quarter.clone()),
        prepared_by: Set(actor.username.clone()),
        prepared_at: Set(Utc::now()),
        note: Set(get("note".into()).trim().to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (c, m, reason) in &lines {
        reduction_proposal::ActiveModel {
            review_id: Set(review.id),
            admission_id: Set(c.admission_id),
            resident_id: Set(c.resident.id),
            served_days: Set(i32::try_from(c.served_days).unwrap_or(i32::MAX)),
            proposed_months: Set(*m),
            reason: Set(reason.clone()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    audit::record(
        conn,
        actor,
        "reduction_review.prepare",
        "reduction_review",
        review.id,
        json!({ "quarter": quarter, "lines": lines.len(), "proposed": lines.iter().filter(|l| l.1 > 0).count() }),
    )
    .await?;
    Ok(review)
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/reductions.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    pub quarter: String,
    pub candidates: Vec<Candidate>,
    pub review: Option<(
        reduction_review::Model,
        Vec<(reduction_proposal::Model, resident::Model)>,
    )>,
    pub may_prepare: bool,
    pub errors: ReviewErrors,
    pub typed: Vec<(String, String)>,
}

impl ReviewPage {
    pub fn typed(&self, key: String) -> String {
        self.typed
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn line_error(&self, admission_id: &i32) -> Option<String> {
        self.errors.lines.get(admission_id).map(|m| self.ctx.msg(m))
    }
    pub fn list_error(&self) -> Option<String> {
        self.errors.list.as_ref().map(|m| self.ctx.msg(m))
    }
    pub fn day(&self, t: &chrono::DateTime<Utc>) -> String {
        self.ctx.cat.datetime(*t)
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    errors: ReviewErrors,
    typed: Vec<(String, String)>,
) -> AppResult<ReviewPage> {
    let today = st.today();
    let quarter = quarter_of(today);
    let review = review_of(&st.db, &quarter).await?;
    let candidates = if review.is_none() {
        candidates(&st.db, today).await?
    } else {
        Vec::new()
    };
    Ok(ReviewPage {
        may_prepare: ctx.role() == Some(Role::Director),
        ctx,
        quarter,
        candidates,
        review,
        errors,
        typed,
    })
}

pub async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<ReviewPage> {
    render(&st, ctx, ReviewErrors::default(), Vec::new()).await
}

pub async fn post(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if ctx.role() != Some(Role::Director) {
        return Err(AppError::Forbidden);
    }
    let txn = db::begin_write(&st.db).await?;
    match prepare(&txn, &ctx.actor(), &pairs, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to("/reductions?ok=review_prepared").into_response())
        }
        Err(ReviewError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, e, pairs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ReviewError::App(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_and_lines() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 15).unwrap();
        assert_eq!(quarter_of(d(1)), "2026-Q1");
        assert_eq!(quarter_of(d(3)), "2026-Q1");
        assert_eq!(quarter_of(d(4)), "2026-Q2");
        assert_eq!(quarter_of(d(12)), "2026-Q4");
        assert_eq!(check_line("2", "Chấp hành tốt nội quy"), Ok(2));
        assert_eq!(check_line("0", "Vi phạm kỷ luật tháng 9"), Ok(0));
        assert_eq!(
            check_line("2", " ").unwrap_err().key,
            "error.reason_required"
        );
        assert_eq!(
            check_line("5", "Chấp hành tốt").unwrap_err().key,
            "error.reduction_merit_reason"
        );
        assert_eq!(check_line("5", "Lập công cứu người"), Ok(5));
        assert_eq!(check_line("7", "x").unwrap_err().key, "error.number_range");
    }
}
