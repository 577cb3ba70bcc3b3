//! Timetable pages shared by the care areas: the week's calendar (per zone, staff member
//! or resident), a slot with its members, and an occurrence's attendance sheet.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::attendance::{self, Mark, Members, SHEET_PAGE, Sheet, SheetErrors};
use super::calendar::{self, Entry, Filter, WEEK_LIMIT};
use super::recurrence::{self, local_time, week_start};
use super::store;
use crate::db;
use crate::entities::{attendance_reason, schedule_slot, slot_occurrence};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::state::AppState;
use crate::web::{Form, PageCtx, Path, Query};

/// Whether the signed-in user may take attendance at, or change, a slot: its own staff
/// member, the director, or a role of the slot's area (a treatment session is the
/// clinicians', counsellors' and teachers'; a class the trainers'; a shift the labour
/// supervisors'). The route's permission is checked first; this narrows it per slot.
pub fn may_act_on(ctx: &PageCtx, slot: &schedule_slot::Model) -> bool {
    use crate::auth::Role as R;
    let Some(u) = &ctx.user else {
        return false;
    };
    if slot.staff_id == Some(u.id) || u.role == R::Director {
        return true;
    }
    match slot.area.as_str() {
        "treatment" => matches!(u.role, R::Doctor | R::Nurse | R::Counsellor | R::Teacher),
        "vocational" => u.role == R::VocationalTrainer,
        "labour" => u.role == R::LabourSupervisor,
        _ => false,
    }
}

/// The last page number read (beyond any list here; it keeps OFFSET in range).
const MAX_PAGE: u64 = 100_000;

/// `HH:MM` in Hanoi time.
pub fn clock(epoch_minutes: &i64) -> String {
    local_time(*epoch_minutes).format("%H:%M").to_string()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CalendarQuery {
    pub zone: String,
    /// A staff account id.
    pub staff: Option<i32>,
    /// A resident code.
    pub resident: String,
    /// Any day of the week to show (dd/mm/yyyy); this week by default.
    pub week: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule/calendar.html")]
pub struct CalendarPage {
    pub ctx: PageCtx,
    pub q: CalendarQuery,
    pub monday: NaiveDate,
    /// The seven days with their occurrences.
    pub days: Vec<(NaiveDate, Vec<Entry>)>,
    pub full: bool,
    pub zones: Vec<String>,
    pub staff: Vec<(i32, String)>,
    /// The resident code typed did not match a resident on the register.
    pub unknown_resident: bool,
    pub can_plan: bool,
}

impl CalendarPage {
    pub fn week_link(&self, weeks: i64) -> String {
        let day = self.ctx.cat.date(self.monday + Duration::weeks(weeks));
        let staff = self.q.staff.map(|s| s.to_string()).unwrap_or_default();
        let q = crate::web::query_string(&[
            ("zone", &self.q.zone),
            ("staff", &staff),
            ("resident", &self.q.resident),
            ("week", &day),
        ]);
        format!("/schedule?{q}")
    }
    pub fn staff_chosen(&self, id: &i32) -> bool {
        self.q.staff == Some(*id)
    }
    /// The chosen staff member's name (printed in the title).
    pub fn staff_name(&self) -> Option<&str> {
        let id = self.q.staff?;
        self.staff
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.as_str())
    }
    pub fn sunday(&self) -> NaiveDate {
        self.monday + Duration::days(6)
    }
}

async fn resident_admission(st: &AppState, code: &str) -> AppResult<Option<i32>> {
    use crate::entities::{admission, resident};
    use sea_orm::QueryFilter;
    let Some(r) = resident::Entity::find()
        .filter(resident::COLUMN.code.eq(code.trim().to_uppercase()))
        .one(&st.db)
        .await?
    else {
        return Ok(None);
    };
    Ok(admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(r.id))
        .filter(admission::COLUMN.status.eq(crate::intake::store::ACTIVE))
        .one(&st.db)
        .await?
        .map(|a| a.id))
}

pub async fn calendar(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<CalendarQuery>,
) -> AppResult<Response> {
    let day = match q.week.trim() {
        "" => st.today(),
        v => parse_date(v).ok_or(AppError::BadRequest("error.date_format"))?,
    };
    let monday = week_start(day);
    let mut unknown_resident = false;
    let filter = if !q.resident.trim().is_empty() {
        match resident_admission(&st, &q.resident).await? {
            Some(id) => Filter::Resident(id),
            None => {
                unknown_resident = true;
                Filter::Resident(0)
            }
        }
    } else if let Some(id) = q.staff {
        Filter::Staff(id)
    } else if !q.zone.trim().is_empty() {
        Filter::Zone(q.zone.trim().to_owned())
    } else {
        Filter::Everyone
    };
    let entries = calendar::week(&st.db, &filter, monday).await?;
    let full = entries.len() as u64 >= WEEK_LIMIT;
    let mut days: Vec<(NaiveDate, Vec<Entry>)> = (0..7)
        .map(|i| (monday + Duration::days(i), Vec::new()))
        .collect();
    for e in entries {
        if let Some(d) = days.iter_mut().find(|(d, _)| *d == e.day) {
            d.1.push(e);
        }
    }
    let page = CalendarPage {
        zones: crate::beds::store::zone_names(&st.db).await?,
        staff: crate::treatment::sessions::staff_choices(&st.db).await?,
        can_plan: ctx.can(crate::auth::Permission::PlanProgramme),
        ctx,
        q,
        monday,
        days,
        full,
        unknown_resident,
    };
    Ok(page.into_response())
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExcuseForm {
    pub member: String,
    pub excused_from: String,
    pub excuse_note: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    pub cancel_from: String,
    pub cancel_note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule/slot.html")]
pub struct SlotPage {
    pub ctx: PageCtx,
    pub slot: schedule_slot::Model,
    /// A page of the current members.
    pub members: Vec<store::Member>,
    pub member_count: i64,
    /// Upcoming member-occurrences left out by a clash.
    pub excluded: i64,
    pub page: u64,
    pub pages: u64,
    pub upcoming: Vec<slot_occurrence::Model>,
    pub can_plan: bool,
    pub excuse: ExcuseForm,
    pub cancel: CancelForm,
    pub errors: FieldErrors,
}

impl SlotPage {
    pub fn days_label(&self) -> String {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        if self.slot.weekdays == 0 {
            return self.ctx.t("schedule.once").to_owned();
        }
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| self.slot.weekdays & (1 << i) != 0)
            .map(|(_, n)| self.ctx.t(&format!("weekday.{n}")).to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    }
    pub fn time_label(&self) -> String {
        let start =
            recurrence::epoch_minutes(self.slot.first_day, 0) + i64::from(self.slot.start_minute);
        format!(
            "{}–{}",
            clock(&start),
            clock(&(start + i64::from(self.slot.duration_minutes)))
        )
    }
    pub fn page_link(&self, page: u64) -> String {
        format!("/schedule/slots/{}?page={page}", self.slot.id)
    }
}

async fn slot_of(st: &AppState, id: i32) -> AppResult<schedule_slot::Model> {
    schedule_slot::Entity::find_by_id(id)
        .one(&st.db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn render_slot(
    st: &AppState,
    ctx: PageCtx,
    (id, page): (i32, u64),
    excuse: ExcuseForm,
    cancel: CancelForm,
    errors: FieldErrors,
) -> AppResult<SlotPage> {
    let slot = slot_of(st, id).await?;
    let now = recurrence::epoch_minutes(st.today(), 0);
    let (members, member_count, excluded) = store::members(&st.db, id, now, page).await?;
    let today = ctx.cat.date(st.today());
    let fill = |v: String| if v.is_empty() { today.clone() } else { v };
    Ok(SlotPage {
        members,
        member_count,
        excluded,
        pages: u64::try_from(member_count)
            .unwrap_or(0)
            .div_ceil(store::MEMBERS_PAGE)
            .max(1),
        page,
        upcoming: store::upcoming(&st.db, id, now, 12).await?,
        can_plan: ctx.can(crate::auth::Permission::PlanProgramme)
            && may_act_on(&ctx, &slot)
            && slot.cancelled_from.is_none(),
        excuse: ExcuseForm {
            excused_from: fill(excuse.excused_from),
            ..excuse
        },
        cancel: CancelForm {
            cancel_from: fill(cancel.cancel_from),
            ..cancel
        },
        slot,
        errors,
        ctx,
    })
}

pub async fn show_slot(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<SheetQuery>,
) -> AppResult<SlotPage> {
    render_slot(
        &st,
        ctx,
        (id, q.page.unwrap_or(1).clamp(1, MAX_PAGE)),
        ExcuseForm::default(),
        CancelForm::default(),
        FieldErrors::new(),
    )
    .await
}

fn required_date(value: &str, field: &'static str) -> AppResult<NaiveDate> {
    match value.trim() {
        "" => Err(AppError::invalid(field, "error.required")),
        v => parse_date(v).ok_or_else(|| AppError::invalid(field, "error.date_format")),
    }
}

/// Commits and goes back to the slot, or shows the slot again with the errors (422).
async fn slot_write(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    result: AppResult<()>,
    txn: sea_orm::DatabaseTransaction,
    forms: (ExcuseForm, CancelForm),
) -> AppResult<Response> {
    match result {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/schedule/slots/{id}?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let page = render_slot(st, ctx, (id, 1), forms.0, forms.1, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn excuse(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ExcuseForm>,
) -> AppResult<Response> {
    if !may_act_on(&ctx, &slot_of(&st, id).await?) {
        return Err(AppError::Forbidden);
    }
    let txn = db::begin_write(&st.db).await?;
    let result = async {
        let from = required_date(&f.excused_from, "excused_from")?;
        if from < st.today() {
            return Err(AppError::invalid("excused_from", "schedule.error.past"));
        }
        let member = f
            .member
            .trim()
            .parse::<i32>()
            .map_err(|_| AppError::invalid("member", "error.required"))?;
        store::excuse(&txn, &ctx.actor(), id, member, from, &f.excuse_note).await
    }
    .await;
    slot_write(&st, ctx, id, result, txn, (f, CancelForm::default())).await
}

pub async fn end(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<CancelForm>,
) -> AppResult<Response> {
    let slot = slot_of(&st, id).await?;
    if !may_act_on(&ctx, &slot) {
        return Err(AppError::Forbidden);
    }
    let txn = db::begin_write(&st.db).await?;
    let result = async {
        let from = required_date(&f.cancel_from, "cancel_from")?;
        if from < st.today() {
            return Err(AppError::invalid("cancel_from", "schedule.error.past"));
        }
        store::cancel_from(&txn, &ctx.actor(), slot, from, &f.cancel_note).await
    }
    .await;
    slot_write(&st, ctx, id, result, txn, (ExcuseForm::default(), f)).await
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule/sheet.html")]
pub struct SheetPage {
    pub ctx: PageCtx,
    pub sheet: Sheet,
    pub reasons: Vec<attendance_reason::Model>,
    /// What the form shows per member: typed values after an error, else the record.
    pub marks: HashMap<i32, Mark>,
    pub errors: SheetErrors,
    pub cancel_note: String,
    pub cancel_errors: FieldErrors,
    pub writable: bool,
    pub today: NaiveDate,
    pub page: u64,
    pub pages: u64,
}

impl SheetPage {
    pub fn page_link(&self, page: u64) -> String {
        format!(
            "/schedule/occurrences/{}?page={page}",
            self.sheet.occurrence.id
        )
    }
    pub fn mark(&self, line: &attendance::Line) -> Mark {
        self.marks
            .get(&line.admission_id)
            .cloned()
            .unwrap_or_else(|| Mark {
                reason: line.reason.clone().unwrap_or_else(|| {
                    attendance::proposed_reason(
                        &line.state,
                        &line.presence,
                        self.sheet.occurrence.day == self.today,
                    )
                    .to_owned()
                }),
                note: line.note.clone().unwrap_or_default(),
            })
    }
    pub fn takes_mark(&self, line: &attendance::Line) -> bool {
        attendance::takes_mark(&line.state)
    }
    pub fn line_error(&self, line: &attendance::Line) -> Option<&crate::error::Msg> {
        self.errors.lines.get(&line.admission_id)
    }
    pub fn time_label(&self) -> String {
        format!(
            "{}–{}",
            clock(&self.sheet.occurrence.start_at),
            clock(&self.sheet.occurrence.end_at)
        )
    }
}

async fn render_sheet(
    st: &AppState,
    ctx: PageCtx,
    (id, page): (i32, u64),
    marks: HashMap<i32, Mark>,
    errors: SheetErrors,
    cancel: (String, FieldErrors),
) -> AppResult<SheetPage> {
    // After an error the members typed for are shown again, whatever their page.
    let named: Vec<i32> = marks.keys().copied().collect();
    let which = if named.is_empty() {
        Members::Page(page)
    } else {
        Members::Of(&named)
    };
    let sheet = attendance::sheet(&st.db, id, which).await?;
    let pages = u64::try_from(sheet_pages(&sheet)).unwrap_or(1);
    let writable = ctx.can(crate::auth::Permission::RecordAttendance)
        && may_act_on(&ctx, &sheet.slot)
        && sheet.occurrence.cancelled.is_empty();
    Ok(SheetPage {
        reasons: attendance::reasons(&st.db).await?,
        today: st.today(),
        sheet,
        marks,
        errors,
        cancel_note: cancel.0,
        cancel_errors: cancel.1,
        writable,
        pages,
        page,
        ctx,
    })
}

fn sheet_pages(sheet: &Sheet) -> i64 {
    let per = i64::try_from(SHEET_PAGE).unwrap_or(100);
    ((sheet.total + per - 1) / per).max(1)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SheetQuery {
    pub page: Option<u64>,
}

pub async fn show_sheet(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<SheetQuery>,
) -> AppResult<SheetPage> {
    render_sheet(
        &st,
        ctx,
        (id, q.page.unwrap_or(1).clamp(1, MAX_PAGE)),
        HashMap::new(),
        SheetErrors::default(),
        Default::default(),
    )
    .await
}

/// The sheet's fields: `reason_<admission>` and `note_<admission>` for each member.
fn marks_of(fields: &[(String, String)]) -> HashMap<i32, Mark> {
    let mut out: HashMap<i32, Mark> = HashMap::new();
    for (k, v) in fields {
        let (slot, id) = match k.split_once('_') {
            Some(("reason", id)) => (0, id),
            Some(("note", id)) => (1, id),
            _ => continue,
        };
        let Ok(id) = id.parse::<i32>() else {
            continue;
        };
        let m = out.entry(id).or_default();
        if slot == 0 {
            m.reason = v.clone();
        } else {
            m.note = v.clone();
        }
    }
    out
}

pub async fn record(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let marks = marks_of(&fields);
    let page = fields
        .iter()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    let named: Vec<i32> = marks.keys().copied().collect();
    // Read inside the write transaction: the records replaced are the current ones.
    let txn = db::begin_write(&st.db).await?;
    let sheet = attendance::sheet(&txn, id, Members::Of(&named)).await?;
    if !may_act_on(&ctx, &sheet.slot) {
        return Err(AppError::Forbidden);
    }
    match attendance::record(&txn, &ctx.actor(), &sheet, &marks, st.today()).await? {
        Ok(_) => {
            txn.commit().await?;
            let to = format!("/schedule/occurrences/{id}?ok=saved&page={page}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            drop(txn);
            let page =
                render_sheet(&st, ctx, (id, page), marks, errors, Default::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelOccurrenceForm {
    pub cancel_note: String,
}

pub async fn cancel(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<CancelOccurrenceForm>,
) -> AppResult<Response> {
    let occurrence = slot_occurrence::Entity::find_by_id(id)
        .one(&st.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_act_on(&ctx, &slot_of(&st, occurrence.slot_id).await?) {
        return Err(AppError::Forbidden);
    }
    let txn = db::begin_write(&st.db).await?;
    match attendance::cancel(&txn, &ctx.actor(), &occurrence, &f.cancel_note).await {
        Ok(()) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/schedule/occurrences/{id}?ok=saved")).into_response())
        }
        Err(AppError::Invalid(e)) => {
            drop(txn);
            let errors = SheetErrors::default();
            let page = render_sheet(
                &st,
                ctx,
                (id, 1),
                HashMap::new(),
                errors,
                (f.cancel_note, e),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
