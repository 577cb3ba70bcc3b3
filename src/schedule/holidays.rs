//! The centre's holiday calendar (public holidays and Tết, Labour Code Art 112; Tết's
//! days are announced each year): a holiday cancels that day's occurrences, and taking
//! one back restores them, each member as their membership now says.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::json;

use super::store::{BOOKED, CANCELLED, CLASH, EXCUSED, LEFT};
use crate::audit::{self, Actor};
use crate::db::statement;
use crate::entities::{holiday, slot_occurrence};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::state::AppState;
use crate::web::{Form, PageCtx};

const HOLIDAY: &str = "holiday";

/// Adds a holiday on `day` (today or later): that day's held occurrences are cancelled.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    day: NaiveDate,
    name: &str,
) -> AppResult<()> {
    if holiday::Entity::find_by_id(day).one(conn).await?.is_some() {
        return Err(AppError::invalid("day", "holiday.error.exists"));
    }
    holiday::ActiveModel {
        day: Set(day),
        name: Set(name.to_owned()),
    }
    .insert(conn)
    .await?;
    let backend = conn.get_database_backend();
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_booking SET state = '{CANCELLED}' WHERE state IN \
             ('{BOOKED}', '{CLASH}', '{EXCUSED}') AND occurrence_id IN \
             (SELECT id FROM slot_occurrence WHERE day = ? AND cancelled = '' \
               AND id NOT IN (SELECT occurrence_id FROM attendance))"
        ),
        [day.into()],
    ))
    .await?;
    conn.execute_raw(statement(
        backend,
        // A session already held (attendance taken) stays as it was.
        &format!(
            "UPDATE slot_occurrence SET cancelled = '{HOLIDAY}' WHERE day = ? AND cancelled = '' \
             AND id NOT IN (SELECT occurrence_id FROM attendance)"
        ),
        [day.into()],
    ))
    .await?;
    audit::record(
        conn,
        actor,
        "holiday.add",
        "holiday",
        day,
        json!({ "name": name }),
    )
    .await?;
    Ok(())
}

/// Takes a holiday back: its occurrences are held again, booked for current members
/// (excused or gone as their membership says), and clashes are left out again.
pub async fn remove<C: ConnectionTrait>(conn: &C, actor: &Actor, day: NaiveDate) -> AppResult<()> {
    let Some(h) = holiday::Entity::find_by_id(day).one(conn).await? else {
        return Err(AppError::NotFound);
    };
    let backend = conn.get_database_backend();
    let member = "SELECT 1 FROM slot_member m WHERE m.slot_id = slot_booking.slot_id \
        AND m.admission_id = slot_booking.admission_id AND m.left_on IS NULL";
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_booking SET state = CASE \
               WHEN EXISTS ({member} AND (m.excused_from IS NULL OR m.excused_from > ?)) \
                 THEN '{BOOKED}' \
               WHEN EXISTS ({member}) THEN '{EXCUSED}' ELSE '{LEFT}' END \
             WHERE state = '{CANCELLED}' AND occurrence_id IN \
               (SELECT id FROM slot_occurrence WHERE day = ? AND cancelled = '{HOLIDAY}')"
        ),
        [day.into(), day.into()],
    ))
    .await?;
    let slots: Vec<i32> = slot_occurrence::Entity::find()
        .select_only()
        .column(slot_occurrence::Column::SlotId)
        .filter(slot_occurrence::COLUMN.day.eq(day))
        .filter(slot_occurrence::COLUMN.cancelled.eq(HOLIDAY))
        .into_tuple()
        .all(conn)
        .await?;
    conn.execute_raw(statement(
        backend,
        &format!(
            "UPDATE slot_occurrence SET cancelled = '' WHERE day = ? AND cancelled = '{HOLIDAY}'"
        ),
        [day.into()],
    ))
    .await?;
    let from_at = super::recurrence::epoch_minutes(day, 0);
    for slot in slots {
        super::store::exclude_clashes(conn, slot, from_at).await?;
    }
    holiday::Entity::delete_by_id(day).exec(conn).await?;
    audit::record(
        conn,
        actor,
        "holiday.remove",
        "holiday",
        day,
        json!({ "name": h.name }),
    )
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HolidayForm {
    pub day: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule/holidays.html")]
pub struct HolidaysPage {
    pub ctx: PageCtx,
    /// From a year back on, in date order.
    pub holidays: Vec<holiday::Model>,
    pub can_edit: bool,
    pub form: HolidayForm,
    pub errors: FieldErrors,
    pub today: NaiveDate,
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    form: HolidayForm,
    errors: FieldErrors,
) -> AppResult<HolidaysPage> {
    let today = st.today();
    Ok(HolidaysPage {
        holidays: holiday::Entity::find()
            .filter(holiday::COLUMN.day.gte(today - Duration::days(365)))
            .order_by_asc(holiday::COLUMN.day)
            .limit(200)
            .all(&st.db)
            .await?,
        can_edit: ctx.can(crate::auth::Permission::ManageCapacity),
        ctx,
        form,
        errors,
        today,
    })
}

pub async fn show(State(st): State<AppState>, ctx: PageCtx) -> AppResult<HolidaysPage> {
    render(&st, ctx, HolidayForm::default(), FieldErrors::new()).await
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<HolidayForm>,
) -> AppResult<Response> {
    let txn = crate::db::begin_write(&st.db).await?;
    let result = async {
        let mut e = FieldErrors::new();
        let day = match f.day.trim() {
            "" => {
                e.add("day", "error.required");
                None
            }
            v => parse_date(v).or_else(|| {
                e.add("day", "error.date_format");
                None
            }),
        };
        if day.is_some_and(|d| d < st.today()) {
            e.add("day", "schedule.error.past");
        }
        let name = f.name.trim();
        if name.is_empty() {
            e.add("name", "error.required");
        } else if name.chars().count() > 200 {
            e.add("name", "error.too_long");
        }
        e.into_result()?;
        let day = day.ok_or(AppError::BadRequest("error.invalid"))?;
        add(&txn, &ctx.actor(), day, name).await
    }
    .await;
    match result {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to("/schedule/holidays?ok=saved").into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render(&st, ctx, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn delete(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<HolidayForm>,
) -> AppResult<Response> {
    let day = parse_date(f.day.trim()).ok_or(AppError::BadRequest("error.date_format"))?;
    if day < st.today() {
        return Err(AppError::BadRequest("schedule.error.past"));
    }
    let txn = crate::db::begin_write(&st.db).await?;
    remove(&txn, &ctx.actor(), day).await?;
    txn.commit().await?;
    Ok(Redirect::to("/schedule/holidays?ok=saved").into_response())
}
