//! The medication administration record (MAR) of an admission: the doctor's orders and
//! the day's doses, each recorded by the nurse who gives it. Handlers parse, call, render.

pub mod rules;
pub mod store;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::db;
use crate::entities::{admission, medication_dose, medication_order, resident};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::schedule::recurrence::local_time;
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx, Path, Query};
use store::{DoseForm, OrderForm};

/// One scheduled dose of the day and what was recorded for it.
pub struct DueLine {
    pub order: medication_order::Model,
    pub due_at: i64,
    pub record: Option<medication_dose::Model>,
    /// May be recorded now: due within the window, and not recorded yet.
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/mar.html")]
pub struct MarPage {
    pub ctx: PageCtx,
    pub adm: admission::Model,
    pub r: resident::Model,
    pub day: NaiveDate,
    pub orders: Vec<medication_order::Model>,
    pub due: Vec<DueLine>,
    /// Doses recorded for the day without a schedule (as needed, without an order), and
    /// every one still waiting for a doctor's acknowledgement.
    pub other: Vec<medication_dose::Model>,
    pub can_order: bool,
    pub can_give: bool,
    pub kinds: Vec<Choice>,
    pub routes: Vec<Choice>,
    pub order_form: OrderForm,
    pub order_errors: FieldErrors,
    pub dose_form: DoseForm,
    pub dose_errors: FieldErrors,
    pub is_today: bool,
}

impl MarPage {
    pub fn at(&self, minutes: &i64) -> String {
        local_time(*minutes).format("%H:%M").to_string()
    }
    pub fn times(&self, o: &medication_order::Model) -> String {
        rules::stored_times(&o.times)
            .into_iter()
            .map(rules::clock)
            .collect::<Vec<_>>()
            .join(", ")
    }
    pub fn running(&self, o: &medication_order::Model) -> bool {
        o.stopped_at.is_none() && o.ends_on.is_none_or(|e| e >= self.day)
    }
    pub fn as_needed(&self) -> Vec<&medication_order::Model> {
        self.orders
            .iter()
            .filter(|o| o.kind == rules::Kind::AsNeeded.as_str() && self.running(o))
            .collect()
    }
    pub fn order_of(&self, d: &medication_dose::Model) -> String {
        match d
            .order_id
            .and_then(|id| self.orders.iter().find(|o| o.id == id))
        {
            Some(o) => format!("{} {}", o.drug, o.dose),
            None => format!("{} {}", d.drug, d.dose),
        }
    }
    /// This dose's form was the one that failed: show its errors there.
    pub fn failed(&self, order: &i32, due: &i64) -> bool {
        !self.dose_errors.is_empty()
            && self.dose_form.order == order.to_string()
            && self.dose_form.due_at == due.to_string()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    /// dd/mm/yyyy; today by default.
    pub day: String,
}

#[derive(Default)]
pub struct Forms {
    pub order: (OrderForm, FieldErrors),
    pub dose: (DoseForm, FieldErrors),
}

fn choices(prefix: &str, codes: &[&'static str]) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            code: c,
            key: format!("{prefix}.{c}"),
        })
        .collect()
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    day: NaiveDate,
    forms: Forms,
) -> AppResult<MarPage> {
    let adm = crate::intake::store::get_admission(&st.db, id).await?;
    let r = crate::intake::store::get_resident(&st.db, adm.resident_id).await?;
    let (orders, doses) = store::day_of(&st.db, id, day).await?;
    crate::audit::record(
        &st.db,
        &ctx.actor(),
        "medical.read",
        "admission",
        id,
        json!({ "page": "mar" }),
    )
    .await?;
    let window = store::late_window(&st.db).await?;
    let now = now_minutes();
    // Today's doses, and yesterday's still open in their window (just after midnight).
    let days = if day == st.today() {
        vec![day - chrono::Duration::days(1), day]
    } else {
        vec![day]
    };
    let mut due: Vec<DueLine> = Vec::new();
    for o in &orders {
        for d in days.iter().flat_map(|x| store::due_of(o, *x)) {
            let record = doses
                .iter()
                .find(|x| x.order_id == Some(o.id) && x.due_at == Some(d))
                .cloned();
            let today_or_open = d >= crate::schedule::recurrence::epoch_minutes(day, 0)
                || (record.is_none() && d + window >= now);
            if today_or_open {
                due.push(DueLine {
                    open: record.is_none() && d <= now + window && d + window >= now - 24 * 60,
                    order: o.clone(),
                    due_at: d,
                    record,
                });
            }
        }
    }
    due.sort_by_key(|l| (l.due_at, l.order.id));
    let other = doses.into_iter().filter(|d| d.due_at.is_none()).collect();
    let active = adm.status == crate::intake::store::ACTIVE;
    let mut order_form = forms.order.0;
    if order_form.starts_on.is_empty() && forms.order.1.is_empty() {
        order_form.starts_on = ctx.cat.date(st.today());
    }
    Ok(MarPage {
        can_order: active && ctx.can(crate::auth::Permission::Prescribe),
        can_give: active && ctx.can(crate::auth::Permission::RecordTreatment),
        kinds: choices("mar.kind", &["regular", "prn", "stat"]),
        routes: choices("mar.routes", &rules::ROUTES),
        is_today: day == st.today(),
        order_form,
        order_errors: forms.order.1,
        dose_form: forms.dose.0,
        dose_errors: forms.dose.1,
        adm,
        r,
        day,
        orders,
        due,
        other,
        ctx,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<DayQuery>,
) -> AppResult<MarPage> {
    let day = match q.day.trim() {
        "" => st.today(),
        v => crate::i18n::parse_date(v).ok_or(AppError::BadRequest("error.date_format"))?,
    };
    render(&st, ctx, id, day, Forms::default()).await
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
            Ok(Redirect::to(&format!("/treatment/admissions/{id}/mar?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(st, ctx, id, st.today(), on_error(e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

fn now_minutes() -> i64 {
    chrono::Utc::now().timestamp() / 60
}

pub async fn create_order(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<OrderForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::create_order(&txn, &ctx.actor(), id, &f, st.today())
        .await
        .map(|_| ());
    write(&st, ctx, id, result, txn, |e| Forms {
        order: (f, e),
        ..Forms::default()
    })
    .await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StopForm {
    pub stop_reason: String,
}

pub async fn stop_order(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, order)): Path<(i32, i32)>,
    Form(f): Form<StopForm>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let o = medication_order::Entity::find_by_id(order)
        .one(&st.db)
        .await?
        .filter(|o| o.admission_id == id)
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(&st.db).await?;
    let result = store::stop_order(&txn, &ctx.actor(), o, &f.stop_reason, now_minutes()).await;
    write(&st, ctx, id, result, txn, |_| Forms::default()).await
}

pub async fn record_dose(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DoseForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let result = store::record_dose(&txn, &ctx.actor(), id, &f, (st.today(), now_minutes())).await;
    write(&st, ctx, id, result, txn, |e| Forms {
        dose: (f, e),
        ..Forms::default()
    })
    .await
}

pub async fn acknowledge(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path((id, dose)): Path<(i32, i32)>,
) -> AppResult<Response> {
    use sea_orm::EntityTrait;
    let d = medication_dose::Entity::find_by_id(dose)
        .one(&st.db)
        .await?
        .filter(|d| d.admission_id == id)
        .ok_or(AppError::NotFound)?;
    let txn = db::begin_write(&st.db).await?;
    let result = store::acknowledge(&txn, &ctx.actor(), d).await;
    write(&st, ctx, id, result, txn, |_| Forms::default()).await
}
