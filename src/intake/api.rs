//! Intake JSON API: the same operations, permissions and validation as the pages.

use crate::web::Path;
use crate::web::Query;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Serialize;

use super::pages::known_centres;
use super::search::{self, ResidentQuery, ResidentRow};
use super::store::{self, AdmissionForm, EventForm, Registered, ReleaseForm, ResidentForm};
use crate::auth::{Access, Permission, Routes};
use crate::db;
use crate::entities::{admission, admission_event, resident};
use crate::error::{AppError, AppResult};
use crate::need_to_know::{self, Sight};
use crate::state::AppState;
use crate::web::{Json, PageCtx};

pub fn routes() -> Routes<AppState> {
    let view = Access::Perm(Permission::ViewResidents);
    let manage = Access::Perm(Permission::ManageAdmissions);
    Routes::new()
        .get("/api/v1/residents", view, list)
        .post("/api/v1/residents", manage, create)
        .get("/api/v1/residents/{id}", view, show)
        .post("/api/v1/residents/{id}/admissions", manage, admit)
        .post("/api/v1/residents/{id}/address", manage, change_address)
        .post("/api/v1/admissions/{id}/events", manage, record_event)
        .post("/api/v1/admissions/{id}/release", manage, release)
        .get(
            "/api/v1/admissions/{id}/transfer-package",
            manage,
            transfer_package,
        )
        .post("/api/v1/transfers", manage, receive_transfer)
}

/// The signed transfer package of an admission released by transfer to another centre.
#[utoipa::path(get, path = "/api/v1/admissions/{id}/transfer-package", tag = "intake", params(("id" = i32, Path)),
    responses((status = 200, body = super::transfer::SignedPackage), (status = 422, description = "Not a transfer")),
    security(("bearer" = []), ("session" = [])))]
pub async fn transfer_package(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<axum::Json<super::transfer::SignedPackage>> {
    let (Some(c), Some(d)) = (&st.instance.centre, &st.delivery) else {
        return Err(AppError::NotFound);
    };
    let txn = db::begin_write(&st.db).await?;
    let signed = super::transfer::export(&txn, &ctx.actor(), &d.key, &c.code, id).await?;
    txn.commit().await?;
    Ok(axum::Json(signed))
}

/// Receive a transferred resident: the package is checked against the sending centre's
/// key (from the department) and the person admitted with the days served credited.
#[utoipa::path(post, path = "/api/v1/transfers", tag = "intake", request_body = super::transfer::SignedPackage,
    responses((status = 201, body = AdmissionDto), (status = 422, description = "Unreadable, not for this centre, bad signature, already received")),
    security(("bearer" = []), ("session" = [])))]
pub async fn receive_transfer(
    State(st): State<AppState>,
    ctx: PageCtx,
    Json(signed): Json<super::transfer::SignedPackage>,
) -> AppResult<(StatusCode, axum::Json<AdmissionDto>)> {
    let (Some(c), Some(d)) = (&st.instance.centre, &st.delivery) else {
        return Err(AppError::NotFound);
    };
    let bytes = serde_json::to_vec(&signed).map_err(|e| AppError::Internal(e.into()))?;
    let package = super::transfer::verify(d, &c.code, &bytes)
        .await
        .map_err(|m| AppError::invalid("file", m))?;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let txn = db::begin_write(&st.db).await?;
    let a =
        super::transfer::receive(&txn, &ctx.actor(), &c.code, &package, &raw, st.today()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(admission_dto(a, Vec::new())),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResidentPage {
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub items: Vec<ResidentRow>,
}

/// Residents (current by default; `all=true` for everyone), searched and paged.
#[utoipa::path(get, path = "/api/v1/residents", tag = "intake", params(ResidentQuery),
    responses((status = 200, body = ResidentPage, description = "The page asked for; empty past the last page"),
        (status = 400, description = "A filter or the page number does not fit (page 0, or above 1,000,000)"),
        (status = 401, description = "Not signed in"), (status = 403, description = "Role not allowed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ResidentQuery>,
) -> AppResult<axum::Json<ResidentPage>> {
    let (items, total) = search::search(&st.db, &q, st.today()).await?;
    let sight = Sight::of(ctx.role());
    let items = items
        .into_iter()
        .map(|r| need_to_know::row(sight, r))
        .collect();
    Ok(axum::Json(ResidentPage {
        total,
        page: q.page()?,
        page_size: search::PAGE_SIZE,
        items,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
/// A resident as the caller's role may see them (need to know): parts the role is not
/// granted are empty strings or null.
pub struct ResidentDto {
    pub id: i32,
    pub code: String,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub age_band: &'static str,
    pub sex: String,
    pub id_kind: String,
    pub id_number: String,
    pub home_province: String,
    pub home_district: String,
    pub home_commune: String,
    pub home_address: String,
    /// Key of the administrative unit the permanent address resolved to (`01.002.00067`,
    /// `01.00070`, a province key), or null when recorded as written.
    pub home_unit: Option<String>,
    pub current_province: String,
    pub current_district: String,
    pub current_commune: String,
    pub current_address: String,
    pub current_unit: Option<String>,
    pub family_contact: String,
    pub substances: String,
    pub education: String,
    pub occupation: String,
}

impl ResidentDto {
    fn seen_by(sight: Sight, r: resident::Model, today: NaiveDate) -> Self {
        let date_of_birth = need_to_know::date_of_birth(sight, &r);
        let age_band = need_to_know::age_band(super::rules::age_on(r.date_of_birth, today));
        let r = need_to_know::resident(sight, r);
        ResidentDto {
            id: r.id,
            code: r.code,
            full_name: r.full_name,
            date_of_birth,
            age_band,
            sex: r.sex,
            id_kind: r.id_kind,
            id_number: r.id_number,
            home_province: r.home_province,
            home_district: r.home_district,
            home_commune: r.home_commune,
            home_address: r.home_address,
            home_unit: r.home_unit,
            current_province: r.current_province,
            current_district: r.current_district,
            current_commune: r.current_commune,
            current_address: r.current_address,
            current_unit: r.current_unit,
            family_contact: r.family_contact,
            substances: r.substances,
            education: r.education,
            occupation: r.occupation,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Registration {
    /// False when the identity document was already on record (a repeat admission).
    pub created: bool,
    pub resident: ResidentDto,
}

/// Register a person; an identity document already on record returns that record
/// (`created: false`, status 200) instead of a duplicate.
#[utoipa::path(post, path = "/api/v1/residents", tag = "intake", request_body = ResidentForm,
    responses((status = 201, body = Registration), (status = 200, body = Registration), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Json(form): Json<ResidentForm>,
) -> AppResult<(StatusCode, axum::Json<Registration>)> {
    let code = st.centre_code()?;
    let txn = db::begin_write(&st.db).await?;
    let result = store::register(&txn, &ctx.actor(), &code, &form, st.today()).await?;
    txn.commit().await?;
    let sight = Sight::of(ctx.role());
    Ok(match result {
        Registered::New(r) => (
            StatusCode::CREATED,
            axum::Json(Registration {
                created: true,
                resident: ResidentDto::seen_by(sight, r, st.today()),
            }),
        ),
        Registered::Existing(r) => (
            StatusCode::OK,
            axum::Json(Registration {
                created: false,
                resident: ResidentDto::seen_by(sight, r, st.today()),
            }),
        ),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AdmissionDto {
    pub id: i32,
    pub admission_type: String,
    pub status: String,
    pub presence: String,
    pub admitted_on: NaiveDate,
    pub document_number: String,
    pub document_date: NaiveDate,
    pub issuing_body: String,
    pub term_months: Option<i32>,
    pub prior_rehabilitations: i32,
    pub regime_code: String,
    pub temp_days: i32,
    pub expected_end: Option<NaiveDate>,
    pub zone: String,
    pub stage: i32,
    pub released_on: Option<NaiveDate>,
    pub release_reason: Option<String>,
    pub events: Vec<EventDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventDto {
    pub id: i32,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub occurred_time: String,
    pub document_ref: String,
    pub months: i32,
    pub corrects_id: Option<i32>,
}

impl From<admission_event::Model> for EventDto {
    fn from(e: admission_event::Model) -> Self {
        EventDto {
            id: e.id,
            kind: e.kind,
            occurred_on: e.occurred_on,
            occurred_time: e.occurred_time,
            document_ref: e.document_ref,
            months: e.months,
            corrects_id: e.corrects_id,
        }
    }
}

fn admission_dto(a: admission::Model, events: Vec<admission_event::Model>) -> AdmissionDto {
    AdmissionDto {
        id: a.id,
        admission_type: a.admission_type,
        status: a.status,
        presence: a.presence,
        admitted_on: a.admitted_on,
        document_number: a.document_number,
        document_date: a.document_date,
        issuing_body: a.issuing_body,
        term_months: a.term_months,
        prior_rehabilitations: a.prior_rehabilitations,
        regime_code: a.regime_code,
        temp_days: a.temp_days,
        expected_end: a.expected_end,
        zone: a.zone,
        stage: a.stage,
        released_on: a.released_on,
        release_reason: a.release_reason,
        events: events.into_iter().map(EventDto::from).collect(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResidentDetail {
    pub resident: ResidentDto,
    pub admissions: Vec<AdmissionDto>,
}

/// One resident with every admission and its events.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "intake", params(("id" = i32, Path)),
    responses((status = 200, body = ResidentDetail), (status = 404)),
    security(("bearer" = []), ("session" = [])))]
pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<axum::Json<ResidentDetail>> {
    let sight = Sight::of(ctx.role());
    let r = store::get_resident(&st.db, id).await?;
    let mut admissions = Vec::new();
    for a in store::admissions_of(&st.db, id).await? {
        let events = need_to_know::movements(&st.db, sight, a.id).await?;
        admissions.push(admission_dto(need_to_know::admission(sight, a), events));
    }
    Ok(axum::Json(ResidentDetail {
        resident: ResidentDto::seen_by(sight, r, st.today()),
        admissions,
    }))
}

/// Admit a registered person under a legal basis (checked against the regime in force
/// on the decision date).
#[utoipa::path(post, path = "/api/v1/residents/{id}/admissions", tag = "intake", params(("id" = i32, Path)), request_body = AdmissionForm,
    responses((status = 201, body = AdmissionDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn admit(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(form): Json<AdmissionForm>,
) -> AppResult<(StatusCode, axum::Json<AdmissionDto>)> {
    let txn = db::begin_write(&st.db).await?;
    let limit = super::pages::capacity_limit(&st, ctx.role()).await?;
    let a = store::admit(&txn, &ctx.actor(), id, &form, st.today(), limit).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(admission_dto(a, Vec::new())),
    ))
}

/// Record a movement or status change; returns the admission as it now stands.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/events", tag = "intake", params(("id" = i32, Path)), request_body = EventForm,
    responses((status = 201, body = AdmissionDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn record_event(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(form): Json<EventForm>,
) -> AppResult<(StatusCode, axum::Json<AdmissionDto>)> {
    let txn = db::begin_write(&st.db).await?;
    store::record_event(&txn, &ctx.actor(), id, &form, st.today()).await?;
    txn.commit().await?;
    let a = store::get_admission(&st.db, id).await?;
    let events = store::events_of(&st.db, id).await?;
    Ok((StatusCode::CREATED, axum::Json(admission_dto(a, events))))
}

/// Release with a reason code.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/release", tag = "intake", params(("id" = i32, Path)), request_body = ReleaseForm,
    responses((status = 200, body = AdmissionDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn release(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(form): Json<ReleaseForm>,
) -> AppResult<axum::Json<AdmissionDto>> {
    let centres = known_centres(&st).await?;
    let txn = db::begin_write(&st.db).await?;
    let a = store::release(&txn, &ctx.actor(), id, &form, st.today(), &centres).await?;
    txn.commit().await?;
    let events = store::events_of(&st.db, id).await?;
    Ok(axum::Json(admission_dto(a, events)))
}

/// Change a resident's addresses (checked against the dated administrative names, with
/// a reason; the audit row keeps both).
#[utoipa::path(post, path = "/api/v1/residents/{id}/address", tag = "intake", params(("id" = i32, Path)),
    request_body = super::address::AddressForm,
    responses((status = 200, body = ResidentDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn change_address(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(form): Json<super::address::AddressForm>,
) -> AppResult<axum::Json<ResidentDto>> {
    let txn = db::begin_write(&st.db).await?;
    let r = super::address::change(&txn, &ctx.actor(), id, &form, st.today()).await?;
    txn.commit().await?;
    Ok(axum::Json(ResidentDto::seen_by(
        Sight::of(ctx.role()),
        r,
        st.today(),
    )))
}
