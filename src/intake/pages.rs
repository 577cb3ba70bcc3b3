//! Intake pages. Handlers parse, call the store, and render.

use crate::web::Path;
use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sea_orm::{EntityTrait, QueryOrder};

use super::rules::{self, AdmissionType, EventKind, IdKind, Presence, ReleaseReason, Sex};
use super::search::{self, ResidentQuery, ResidentRow};
use super::store::{self, AdmissionForm, EventForm, Registered, ReleaseForm, ResidentForm};
use crate::auth::{Permission, role_has};
use crate::db;
use crate::entities::{admission, admission_event, centre, resident};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::need_to_know::{self, Sight};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx};

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, key: fn(T) -> String) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            code: code(*v),
            key: key(*v),
        })
        .collect()
}

pub fn type_choices() -> Vec<Choice> {
    choices(
        AdmissionType::ALL,
        AdmissionType::as_str,
        AdmissionType::label_key,
    )
}

// ---------- list ----------

#[derive(Template, WebTemplate)]
#[template(path = "intake/residents.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub q: ResidentQuery,
    pub rows: Vec<ResidentRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub types: Vec<Choice>,
    /// Zone names for the zone filter.
    pub zones: Vec<String>,
    pub can_manage: bool,
    pub prev_query: Option<String>,
    pub next_query: Option<String>,
}

impl ListPage {
    pub fn date(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn opt_date(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| self.ctx.cat.date(d))
            .unwrap_or_else(|| "—".into())
    }
    pub fn due_within_value(&self) -> String {
        self.q.due_within.map(|n| n.to_string()).unwrap_or_default()
    }
}

fn page_link(q: &ResidentQuery, page: u64) -> String {
    let due = q.due_within.map(|n| n.to_string()).unwrap_or_default();
    let page = page.to_string();
    crate::web::query_string(&[
        ("q", q.q.as_str()),
        ("all", if q.all { "true" } else { "" }),
        ("admission_type", q.admission_type.as_str()),
        ("sex", q.sex.as_str()),
        ("zone", q.zone.as_str()),
        ("minors", if q.minors { "true" } else { "" }),
        ("due_within", due.as_str()),
        ("page", page.as_str()),
    ])
}

pub async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ResidentQuery>,
) -> AppResult<Response> {
    let today = st.today();
    let (rows, total) = search::search(&st.db, &q, today).await?;
    let sight = Sight::of(ctx.role());
    let rows = rows
        .into_iter()
        .map(|r| need_to_know::row(sight, r))
        .collect();
    let pages = total.div_ceil(search::PAGE_SIZE).max(1);
    let page = q.page()?;
    if page > pages {
        // An old link past the end (the list shrank): show the last page.
        return Ok(Redirect::to(&format!("/residents?{}", page_link(&q, pages))).into_response());
    }
    let can_manage = ctx
        .role()
        .is_some_and(|r| role_has(r, Permission::ManageAdmissions));
    let zones = crate::beds::store::zone_names(&st.db).await?;
    Ok(ListPage {
        prev_query: (page > 1).then(|| page_link(&q, page - 1)),
        next_query: (page < pages).then(|| page_link(&q, page + 1)),
        ctx,
        q,
        rows,
        total,
        page,
        pages,
        types: type_choices(),
        zones,
        can_manage,
    }
    .into_response())
}

// ---------- registration ----------

#[derive(Template, WebTemplate)]
#[template(path = "intake/resident_new.html")]
pub struct NewPage {
    pub ctx: PageCtx,
    pub form: ResidentForm,
    pub errors: FieldErrors,
    pub sexes: Vec<Choice>,
    pub id_kinds: Vec<Choice>,
    /// Names offered as the clerk types (datalists): today's first, then former ones.
    pub provinces: Vec<String>,
    pub communes: Vec<String>,
}

fn new_page(ctx: PageCtx, form: ResidentForm, errors: FieldErrors, today: NaiveDate) -> NewPage {
    let divisions = crate::divisions::Divisions::shipped();
    NewPage {
        ctx,
        form,
        errors,
        sexes: choices(Sex::ALL, Sex::as_str, Sex::label_key),
        id_kinds: choices(IdKind::ALL, IdKind::as_str, IdKind::label_key),
        provinces: divisions.province_choices(today),
        communes: divisions.commune_choices(today),
    }
}

pub async fn new_form(State(st): State<AppState>, ctx: PageCtx) -> NewPage {
    let form = ResidentForm {
        id_kind: "cccd".into(),
        home_province: "Thành phố Hà Nội".into(),
        ..Default::default()
    };
    new_page(ctx, form, FieldErrors::new(), st.today())
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ResidentForm>,
) -> AppResult<Response> {
    let code = st.centre_code()?;
    let txn = db::begin_write(&st.db).await?;
    match store::register(&txn, &ctx.actor(), &code, &form, st.today()).await {
        Ok(Registered::New(r)) => {
            txn.commit().await?;
            Ok(
                Redirect::to(&format!("/residents/{}/admit?ok=resident_created", r.id))
                    .into_response(),
            )
        }
        Ok(Registered::Existing(r)) => {
            drop(txn);
            Ok(Redirect::to(&format!("/residents/{}?ok=resident_exists", r.id)).into_response())
        }
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            new_page(ctx, form, errors, st.today()),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

// ---------- detail ----------

pub struct AdmissionView {
    pub a: admission::Model,
    pub type_key: String,
    pub presence_key: String,
    pub release_key: Option<String>,
    pub events: Vec<EventView>,
    pub escape_days: i64,
    pub overstay_days: i64,
    pub reduction_months: i32,
    pub open_escape: bool,
    pub aftercare_years: Option<i32>,
}

pub struct EventView {
    pub e: admission_event::Model,
    pub kind_key: String,
    pub superseded: bool,
}

pub fn admission_view(
    a: admission::Model,
    events: Vec<admission_event::Model>,
    dob: NaiveDate,
    today: NaiveDate,
) -> AdmissionView {
    let corrected: std::collections::HashSet<i32> =
        events.iter().filter_map(|e| e.corrects_id).collect();
    let comp = a.term_months.map(|t| {
        rules::expected_end(
            a.admitted_on,
            t,
            i64::from(a.temp_days),
            &store::term_events(&events),
            today,
        )
    });
    let t = AdmissionType::parse(&a.admission_type);
    let reason = a.release_reason.as_deref().and_then(ReleaseReason::parse);
    AdmissionView {
        type_key: format!("admission_type.{}", a.admission_type),
        presence_key: format!("presence.{}", a.presence),
        release_key: a
            .release_reason
            .as_ref()
            .map(|r| format!("release_reason.{r}")),
        escape_days: comp.as_ref().map_or(0, |c| c.escape_days),
        overstay_days: comp.as_ref().map_or(0, |c| c.overstay_days),
        reduction_months: comp.as_ref().map_or(0, |c| c.reduction_months),
        open_escape: comp.as_ref().is_some_and(|c| c.open_escape),
        aftercare_years: match (t, reason, a.released_on) {
            (Some(t), Some(r), Some(on)) => rules::aftercare_years(t, rules::age_on(dob, on), r),
            _ => None,
        },
        events: events
            .into_iter()
            .map(|e| EventView {
                kind_key: format!("event.{}", e.kind),
                superseded: corrected.contains(&e.id),
                e,
            })
            .collect(),
        a,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/resident.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    /// The record as this role may see it (`need_to_know`).
    pub r: resident::Model,
    pub sight: Sight,
    pub age: i32,
    pub age_band: &'static str,
    pub active: Option<AdmissionView>,
    pub past: Vec<AdmissionView>,
    pub can_manage: bool,
    pub event_form: EventForm,
    pub event_errors: FieldErrors,
    pub release_form: ReleaseForm,
    pub release_errors: FieldErrors,
    /// What the care areas say is missing before a release (warnings, not refusals).
    pub release_warnings: Vec<crate::error::Msg>,
    pub event_kinds: Vec<Choice>,
    pub release_reasons: Vec<Choice>,
    pub centres: Vec<centre::Model>,
    pub today: String,
    /// The bed the resident is in now ("zone · room · bed").
    pub bed: Option<String>,
    pub bed_choices: Vec<crate::beds::store::BedChoice>,
    pub bed_form: crate::beds::store::AssignForm,
    pub bed_errors: FieldErrors,
    pub can_assign_bed: bool,
    pub is_director: bool,
    /// Every bed the resident has held, newest first.
    pub bed_history: Vec<crate::beds::store::Stay>,
    pub has_photo: bool,
    pub photo_errors: FieldErrors,
    /// The correction form that was sent with errors: event id, form, errors.
    pub correction: Option<(i32, super::corrections::CorrectionForm, FieldErrors)>,
    /// Where the addresses' units lie today, when that is worth saying.
    pub home_note: Option<String>,
    pub current_note: Option<String>,
}

/// The note beside an address: where a former unit lies today, or that the name was
/// recorded as written.
pub fn address_note(
    cat: &crate::i18n::Catalog,
    unit: Option<&str>,
    today: NaiveDate,
) -> Option<String> {
    use crate::divisions::{Divisions, Standing};
    match Divisions::shipped().standing(unit, today) {
        Standing::InForce => None,
        Standing::Became(n) => Some(cat.t1("residents.home_now", "name", &n)),
        Standing::Split(v) => Some(cat.t1("residents.home_now_split", "names", v.join("; "))),
        Standing::AsWritten => Some(cat.t("residents.home_as_written").to_owned()),
    }
}

impl ShowPage {
    pub fn date(&self, d: &NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
    pub fn opt_date(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| self.ctx.cat.date(d))
            .unwrap_or_else(|| "—".into())
    }
    pub fn when(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.cat.datetime(*t)
    }
    /// Whether the correction form of this event is the one re-shown with errors.
    pub fn correcting(&self, event_id: &i32) -> bool {
        self.correction
            .as_ref()
            .is_some_and(|(id, _, _)| id == event_id)
    }
    /// A field of the correction form: as typed when re-shown, else the event's value.
    pub fn corr_value(&self, ev: &EventView, field: &str) -> String {
        if let Some((id, f, _)) = &self.correction {
            if *id == ev.e.id {
                return match field {
                    "occurred_on" => f.occurred_on.clone(),
                    "occurred_time" => f.occurred_time.clone(),
                    "document_ref" => f.document_ref.clone(),
                    "reason" => f.reason.clone(),
                    "place" => f.place.clone(),
                    "months" => f.months.clone(),
                    _ => f.correction_reason.clone(),
                };
            }
        }
        match field {
            "occurred_on" => self.ctx.cat.date(ev.e.occurred_on),
            "occurred_time" => ev.e.occurred_time.clone(),
            "document_ref" => ev.e.document_ref.clone(),
            "reason" => ev.e.reason.clone(),
            "place" => ev.e.place.clone(),
            "months" => ev.e.months.to_string(),
            _ => String::new(),
        }
    }
    pub fn corr_error(&self, event_id: &i32, field: &str) -> Option<String> {
        let (id, _, e) = self.correction.as_ref()?;
        (id == event_id)
            .then(|| e.get(field).map(|m| self.ctx.msg(m)))
            .flatten()
    }
}

/// What the user typed into one of the resident page's forms, shown again with its
/// errors; the page's other forms start blank.
#[derive(Default)]
pub enum Typed {
    #[default]
    Nothing,
    Event(EventForm, FieldErrors),
    Release(ReleaseForm, FieldErrors),
    Bed(crate::beds::store::AssignForm, FieldErrors),
    Photo(FieldErrors),
    Correction(i32, super::corrections::CorrectionForm, FieldErrors),
}

/// The resident's page re-shown with a correction form's errors (that event's form open).
pub async fn show_with_correction_errors(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    event_id: i32,
    form: super::corrections::CorrectionForm,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    show_page(st, ctx, id, Typed::Correction(event_id, form, errors)).await
}

/// The resident's page re-shown with the photo upload's error.
pub async fn show_with_photo_errors(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    show_page(st, ctx, id, Typed::Photo(errors)).await
}

/// The resident's page re-shown with the bed form's errors (from the beds area).
pub async fn show_with_bed_errors(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    bed_form: crate::beds::store::AssignForm,
    bed_errors: FieldErrors,
) -> AppResult<ShowPage> {
    show_page(st, ctx, id, Typed::Bed(bed_form, bed_errors)).await
}

async fn show_page(st: &AppState, ctx: PageCtx, id: i32, typed: Typed) -> AppResult<ShowPage> {
    let today_text = ctx.cat.date(st.today());
    let (mut event_form, mut event_errors) = (
        EventForm {
            occurred_on: today_text.clone(),
            ..Default::default()
        },
        FieldErrors::new(),
    );
    let (mut release_form, mut release_errors) = (
        ReleaseForm {
            released_on: today_text,
            ..Default::default()
        },
        FieldErrors::new(),
    );
    let (mut bed_form, mut bed_errors) = (
        crate::beds::store::AssignForm::default(),
        FieldErrors::new(),
    );
    let mut photo_errors = FieldErrors::new();
    let mut correction: Option<(i32, super::corrections::CorrectionForm, FieldErrors)> = None;
    match typed {
        Typed::Nothing => {}
        Typed::Event(f, e) => (event_form, event_errors) = (f, e),
        Typed::Release(f, e) => (release_form, release_errors) = (f, e),
        Typed::Bed(f, e) => (bed_form, bed_errors) = (f, e),
        Typed::Photo(e) => photo_errors = e,
        Typed::Correction(id, f, e) => correction = Some((id, f, e)),
    }
    let today = st.today();
    // What this role may see of the record (need to know), applied before anything
    // else reads it.
    let sight = Sight::of(ctx.role());
    let r = need_to_know::resident(sight, store::get_resident(&st.db, id).await?);
    let mut active = None;
    let mut past = Vec::new();
    for a in store::admissions_of(&st.db, id).await? {
        let events = need_to_know::movements(&st.db, sight, a.id).await?;
        let view = admission_view(
            need_to_know::admission(sight, a),
            events,
            r.date_of_birth,
            today,
        );
        if view.a.status == store::ACTIVE {
            active = Some(view);
        } else {
            past.push(view);
        }
    }
    let presence = active
        .as_ref()
        .and_then(|v| Presence::parse(&v.a.presence))
        .unwrap_or(Presence::Present);
    let t = active
        .as_ref()
        .and_then(|v| AdmissionType::parse(&v.a.admission_type));
    let event_kinds = EventKind::ALL
        .iter()
        .filter(|k| rules::next_presence(presence, **k).is_ok())
        // Stages are recorded in the treatment area, with its checks.
        .filter(|k| **k != EventKind::StageChange)
        .filter(|k| **k != EventKind::TermReduction || t.is_some_and(AdmissionType::is_compulsory))
        .map(|k| Choice {
            code: k.as_str(),
            key: k.label_key(),
        })
        .collect();
    let release_reasons = ReleaseReason::ALL
        .iter()
        .filter(|r| t.is_some_and(|t| r.fits(t)))
        .map(|r| Choice {
            code: r.as_str(),
            key: r.label_key(),
        })
        .collect();
    let own = st
        .instance
        .centre
        .as_ref()
        .map(|c| c.code.clone())
        .unwrap_or_default();
    let centres = centre::Entity::find()
        .order_by_asc(centre::COLUMN.code)
        .all(&st.db)
        .await?
        .into_iter()
        .filter(|c| c.code != own && c.closed_on.is_none())
        .collect();
    let can_manage = ctx
        .role()
        .is_some_and(|r| role_has(r, Permission::ManageAdmissions));
    let can_assign_bed = ctx
        .role()
        .is_some_and(|r| role_has(r, Permission::ManageBeds));
    let release_warnings = match (&active, can_manage) {
        (Some(v), true) => crate::care::release_warnings(&st.db, &v.a).await?,
        _ => Vec::new(),
    };
    let (bed, bed_choices) = match &active {
        Some(v) => {
            let bed = crate::beds::store::current_bed(&st.db, v.a.id)
                .await?
                .map(|(b, room, z)| format!("{} · {} · {}", z.name, room.code, b.code));
            let choices = if can_assign_bed {
                crate::beds::store::suggestions(&st.db, &v.a, &r, today, 30).await?
            } else {
                Vec::new()
            };
            (bed, choices)
        }
        None => (None, Vec::new()),
    };
    let bed_history = crate::beds::store::resident_bed_history(&st.db, r.id).await?;
    let has_photo = super::photo::has_photo(&st.db, r.id).await?;
    Ok(ShowPage {
        home_note: address_note(ctx.cat, r.home_unit.as_deref(), st.today()),
        current_note: if r.current_commune.is_empty() {
            None
        } else {
            address_note(ctx.cat, r.current_unit.as_deref(), st.today())
        },
        correction,
        has_photo,
        photo_errors,
        bed_history,
        bed,
        bed_choices,
        bed_form,
        bed_errors,
        can_assign_bed,
        is_director: ctx.role() == Some(crate::auth::Role::Director),
        age: rules::age_on(r.date_of_birth, today),
        age_band: need_to_know::age_band(rules::age_on(r.date_of_birth, today)),
        sight,
        today: ctx.cat.date(today),
        ctx,
        r,
        active,
        past,
        can_manage,
        event_form,
        event_errors,
        release_form,
        release_errors,
        release_warnings,
        event_kinds,
        release_reasons,
        centres,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<ShowPage> {
    show_page(&st, ctx, id, Typed::Nothing).await
}

// ---------- admission ----------

#[derive(Template, WebTemplate)]
#[template(path = "intake/admit.html")]
pub struct AdmitPage {
    pub ctx: PageCtx,
    pub r: resident::Model,
    pub age: i32,
    pub form: AdmissionForm,
    pub errors: FieldErrors,
    pub types: Vec<Choice>,
    pub prior: usize,
    pub is_director: bool,
    /// The centre's zones, to choose from.
    pub zones: Vec<String>,
}

async fn admit_page(
    st: &AppState,
    ctx: PageCtx,
    id: i32,
    form: AdmissionForm,
    errors: FieldErrors,
) -> AppResult<AdmitPage> {
    let r = store::get_resident(&st.db, id).await?;
    let admissions = store::admissions_of(&st.db, id).await?;
    if admissions.iter().any(|a| a.status == store::ACTIVE) && errors.is_empty() {
        return Err(AppError::Conflict("error.active_admission_exists"));
    }
    let prior = admissions
        .iter()
        .filter(|a| {
            AdmissionType::parse(&a.admission_type).is_some_and(AdmissionType::is_rehabilitation)
        })
        .count();
    Ok(AdmitPage {
        age: rules::age_on(r.date_of_birth, st.today()),
        is_director: ctx.role() == Some(crate::auth::Role::Director),
        ctx,
        r,
        form,
        errors,
        types: type_choices(),
        prior,
        zones: crate::beds::store::zone_names(&st.db).await?,
    })
}

pub async fn admit_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<AdmitPage> {
    let today = ctx.cat.date(st.today());
    let form = AdmissionForm {
        admitted_on: today,
        ..Default::default()
    };
    admit_page(&st, ctx, id, form, FieldErrors::new()).await
}

pub async fn admit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<AdmissionForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let limit = capacity_limit(&st, ctx.role()).await?;
    match store::admit(&txn, &ctx.actor(), id, &form, st.today(), limit).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/residents/{id}?ok=admitted")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                admit_page(&st, ctx, id, form, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------- events and release ----------

pub async fn record_event(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match store::record_event(&txn, &ctx.actor(), id, &form, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            let a = store::get_admission(&st.db, id).await?;
            Ok(
                Redirect::to(&format!("/residents/{}?ok=event_recorded", a.resident_id))
                    .into_response(),
            )
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let a = store::get_admission(&st.db, id).await?;
            let page = show_page(&st, ctx, a.resident_id, Typed::Event(form, errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// This centre's receiving capacity today and whether the user may override it.
pub async fn capacity_limit(
    st: &AppState,
    role: Option<crate::auth::Role>,
) -> AppResult<store::CapacityCheck> {
    let Some(c) = &st.instance.centre else {
        return Ok(store::CapacityCheck::default());
    };
    let figures = crate::centres::capacity::for_centre_on(&st.db, &c.code, st.today()).await?;
    Ok(store::CapacityCheck {
        receiving_capacity: figures
            .map(|f| i64::from(f.receiving_capacity))
            .filter(|c| *c > 0),
        may_override: role == Some(crate::auth::Role::Director),
    })
}

pub async fn known_centres(st: &AppState) -> AppResult<Vec<String>> {
    let own = st
        .instance
        .centre
        .as_ref()
        .map(|c| c.code.clone())
        .unwrap_or_default();
    Ok(centre::Entity::find()
        .all(&st.db)
        .await?
        .into_iter()
        .filter(|c| c.code != own && c.closed_on.is_none())
        .map(|c| c.code)
        .collect())
}

pub async fn release(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReleaseForm>,
) -> AppResult<Response> {
    let centres = known_centres(&st).await?;
    let txn = db::begin_write(&st.db).await?;
    match store::release(&txn, &ctx.actor(), id, &form, st.today(), &centres).await {
        Ok(a) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/residents/{}?ok=released", a.resident_id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let a = store::get_admission(&st.db, id).await?;
            let page = show_page(&st, ctx, a.resident_id, Typed::Release(form, errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------- release calendar ----------

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CalendarQuery {
    pub days: Option<i64>,
    /// Page from 1 (the pager); past the last shows the last.
    pub page: Option<u64>,
}

/// Rows of the release calendar per page.
pub const RELEASES_PER_PAGE: u64 = 50;

pub struct CalendarRow {
    pub resident: resident::Model,
    pub admission: admission::Model,
    pub end: String,
    pub days_left: i64,
    pub type_key: String,
    pub notice_due: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/releases.html")]
pub struct CalendarPage {
    pub ctx: PageCtx,
    pub days: i64,
    pub rows: Vec<CalendarRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

impl CalendarPage {
    pub fn page_link(&self, page: u64) -> String {
        let q = crate::web::query_string(&[
            ("days", &self.days.to_string()),
            ("page", &page.to_string()),
        ]);
        format!("/releases?{q}")
    }
}

pub async fn release_calendar(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<CalendarQuery>,
) -> AppResult<CalendarPage> {
    let today = st.today();
    let days = q.days.unwrap_or(60).clamp(1, 730);
    let last = today + chrono::Duration::days(days);
    let (due, total, page) =
        store::releases_due(&st.db, today, last, q.page.unwrap_or(1), RELEASES_PER_PAGE).await?;
    let pages = total.div_ceil(RELEASES_PER_PAGE).max(1);
    let people = store::residents_by_id(&st.db, due.iter().map(|(a, _)| a.resident_id)).await?;
    let rows = due
        .into_iter()
        .filter_map(|(a, end)| {
            let left = (end - today).num_days();
            Some(CalendarRow {
                end: ctx.cat.date(end),
                days_left: left,
                type_key: format!("admission_type.{}", a.admission_type),
                notice_due: left <= 15 && a.admission_type != AdmissionType::Determination.as_str(),
                resident: people.get(&a.resident_id).cloned()?,
                admission: a,
            })
        })
        .collect();
    Ok(CalendarPage {
        ctx,
        days,
        rows,
        total,
        page,
        pages,
    })
}
