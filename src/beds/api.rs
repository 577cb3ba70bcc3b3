//! Beds JSON API: the same operations, permissions and validation as the pages.

use crate::web::Path;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::history::{self, CapacityForm, PlannedIntakeForm};
use super::roll_call::{self, RollCounts};
use super::store::{self, AssignForm, BedStateForm, Stay, SwapForm};
use crate::auth::{Access, Permission, Role, Routes};
use crate::db;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Json, PageCtx};

pub fn routes() -> Routes<AppState> {
    let view = Access::Perm(Permission::ViewOccupancy);
    let manage = Access::Perm(Permission::ManageBeds);
    Routes::new()
        .get("/api/v1/beds", view, board)
        .get("/api/v1/beds/{id}", view, bed)
        .post("/api/v1/beds/{id}/state", manage, set_state)
        .post("/api/v1/beds/{id}/swap", manage, swap)
        .get(
            "/api/v1/admissions/{id}/bed/suggestions",
            manage,
            suggestions,
        )
        .post("/api/v1/admissions/{id}/bed", manage, assign)
        .post("/api/v1/admissions/{id}/bed/vacate", manage, vacate)
        .get("/api/v1/occupancy/history", view, occupancy_history)
        .get("/api/v1/occupancy/forecast", view, forecast)
        .post("/api/v1/planned-intakes", manage, add_planned)
        .post(
            "/api/v1/capacity",
            Access::Perm(Permission::ManageCapacity),
            change_capacity,
        )
        .get("/api/v1/roll-calls", view, roll_calls)
        .post("/api/v1/roll-calls", manage, take_roll_call)
        .post("/api/v1/roll-calls/{id}/confirm", manage, confirm_roll_call)
}

fn is_director(ctx: &PageCtx) -> bool {
    ctx.role() == Some(Role::Director)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BedDto {
    pub id: i32,
    pub code: String,
    pub tags: String,
    /// `in_service` or `out_of_service`.
    pub state: String,
    pub out_reason: String,
    pub out_until: Option<NaiveDate>,
    pub out_permanent: bool,
    /// The resident in the bed (id and code), if any.
    pub resident_id: Option<i32>,
    pub resident_code: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoomDto {
    pub id: i32,
    pub code: String,
    pub floor_area_m2: f64,
    pub care_24h: bool,
    /// Most people the floor area allows (6 m², 8 m² with 24-hour care).
    pub area_ceiling: i64,
    pub beds: Vec<BedDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BreakdownDto {
    pub admission_type: String,
    pub male: usize,
    pub female: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ZoneDto {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub sex: String,
    pub used: usize,
    pub free: usize,
    pub out_of_service: usize,
    pub by_type_and_sex: Vec<BreakdownDto>,
    pub rooms: Vec<RoomDto>,
}

fn breakdown_dto(b: &store::Breakdown) -> Vec<BreakdownDto> {
    b.rows()
        .into_iter()
        .map(|r| BreakdownDto {
            admission_type: r.admission_type.as_str().into(),
            male: r.male,
            female: r.female,
        })
        .collect()
}

/// The board: zones → rooms → beds with state and occupant.
#[utoipa::path(get, path = "/api/v1/beds", tag = "beds",
    responses((status = 200, body = [ZoneDto])), security(("bearer" = []), ("session" = [])))]
pub async fn board(State(st): State<AppState>) -> AppResult<axum::Json<Vec<ZoneDto>>> {
    let zones = store::board(&st.db).await?;
    Ok(axum::Json(
        zones
            .into_iter()
            .map(|z| ZoneDto {
                by_type_and_sex: breakdown_dto(&z.breakdown),
                id: z.zone.id,
                code: z.zone.code,
                name: z.zone.name,
                kind: z.zone.kind,
                sex: z.zone.sex,
                used: z.used,
                free: z.free,
                out_of_service: z.out,
                rooms: z
                    .rooms
                    .into_iter()
                    .map(|r| RoomDto {
                        id: r.room.id,
                        code: r.room.code,
                        floor_area_m2: r.room.floor_area_m2,
                        care_24h: r.room.care_24h,
                        area_ceiling: r.ceiling,
                        beds: r
                            .beds
                            .into_iter()
                            .map(|c| BedDto {
                                resident_id: c.occupant.as_ref().map(|o| o.0),
                                resident_code: c.occupant.map(|o| o.2),
                                id: c.bed.id,
                                code: c.bed.code,
                                tags: c.bed.tags,
                                state: c.bed.state,
                                out_reason: c.bed.out_reason,
                                out_until: c.bed.out_until,
                                out_permanent: c.bed.out_permanent,
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StateChangeDto {
    pub at: chrono::DateTime<chrono::Utc>,
    pub state: String,
    pub reason: String,
    pub until: Option<NaiveDate>,
    pub permanent: bool,
    pub changed_by: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BedHistoryDto {
    pub id: i32,
    pub code: String,
    pub zone: String,
    pub room: String,
    pub state: String,
    /// Every stay, newest first.
    pub stays: Vec<Stay>,
    pub state_changes: Vec<StateChangeDto>,
}

/// One bed with its full history.
#[utoipa::path(get, path = "/api/v1/beds/{id}", tag = "beds", params(("id" = i32, Path)),
    responses((status = 200, body = BedHistoryDto), (status = 404, description = "No such bed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn bed(
    State(st): State<AppState>,
    Path(id): Path<i32>,
) -> AppResult<axum::Json<BedHistoryDto>> {
    let d = store::bed_detail(&st.db, id).await?;
    Ok(axum::Json(BedHistoryDto {
        id: d.bed.id,
        code: d.bed.code,
        zone: d.zone.name,
        room: d.room.code,
        state: d.bed.state,
        stays: d.stays,
        state_changes: d
            .changes
            .into_iter()
            .map(|c| StateChangeDto {
                at: c.at,
                state: c.state,
                reason: c.reason,
                until: c.until,
                permanent: c.permanent,
                changed_by: c.changed_by,
            })
            .collect(),
    }))
}

/// Take a bed out of service (reason required) or put it back.
#[utoipa::path(post, path = "/api/v1/beds/{id}/state", tag = "beds", params(("id" = i32, Path)), request_body = BedStateForm,
    responses((status = 200, body = BedHistoryDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_state(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(f): Json<BedStateForm>,
) -> AppResult<axum::Json<BedHistoryDto>> {
    let txn = db::begin_write(&st.db).await?;
    store::set_state(&txn, &ctx.actor(), id, &f, st.today()).await?;
    txn.commit().await?;
    bed(State(st), Path(id)).await
}

/// Swap the residents of this bed and another occupied bed.
#[utoipa::path(post, path = "/api/v1/beds/{id}/swap", tag = "beds", params(("id" = i32, Path)), request_body = SwapForm,
    responses((status = 200, body = BedHistoryDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn swap(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(f): Json<SwapForm>,
) -> AppResult<axum::Json<BedHistoryDto>> {
    let txn = db::begin_write(&st.db).await?;
    store::swap(&txn, &ctx.actor(), is_director(&ctx), id, &f, st.today()).await?;
    txn.commit().await?;
    bed(State(st), Path(id)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BedChoiceDto {
    pub bed_id: i32,
    /// "zone · room · bed".
    pub label: String,
}

/// Free beds that satisfy every zone rule for the admission, best first.
#[utoipa::path(get, path = "/api/v1/admissions/{id}/bed/suggestions", tag = "beds", params(("id" = i32, Path)),
    responses((status = 200, body = [BedChoiceDto])), security(("bearer" = []), ("session" = [])))]
pub async fn suggestions(
    State(st): State<AppState>,
    Path(id): Path<i32>,
) -> AppResult<axum::Json<Vec<BedChoiceDto>>> {
    let a = crate::intake::store::get_admission(&st.db, id).await?;
    let p = crate::intake::store::get_resident(&st.db, a.resident_id).await?;
    let choices = store::suggestions(&st.db, &a, &p, st.today(), 50).await?;
    Ok(axum::Json(
        choices
            .into_iter()
            .map(|c| BedChoiceDto {
                bed_id: c.bed_id,
                label: c.label,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentDto {
    pub id: i32,
    pub bed_id: i32,
    pub admission_id: i32,
    pub from_at: chrono::DateTime<chrono::Utc>,
}

/// Put an admission in a bed (a transfer when it has one). Zone rules apply; a director
/// may override with `override_reason`.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/bed", tag = "beds", params(("id" = i32, Path)), request_body = AssignForm,
    responses((status = 201, body = AssignmentDto), (status = 422, description = "Validation errors per field (a taken bed, a zone rule)")),
    security(("bearer" = []), ("session" = [])))]
pub async fn assign(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(f): Json<AssignForm>,
) -> AppResult<(StatusCode, axum::Json<AssignmentDto>)> {
    let txn = db::begin_write(&st.db).await?;
    let row = store::assign(&txn, &ctx.actor(), is_director(&ctx), id, &f, st.today()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AssignmentDto {
            id: row.id,
            bed_id: row.bed_id,
            admission_id: row.admission_id,
            from_at: row.from_at,
        }),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VacatedDto {
    /// Whether a bed was freed (false when the admission held none).
    pub vacated: bool,
}

/// Free the admission's bed.
#[utoipa::path(post, path = "/api/v1/admissions/{id}/bed/vacate", tag = "beds", params(("id" = i32, Path)),
    responses((status = 200, body = VacatedDto)), security(("bearer" = []), ("session" = [])))]
pub async fn vacate(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<axum::Json<VacatedDto>> {
    crate::intake::store::get_admission(&st.db, id).await?;
    let txn = db::begin_write(&st.db).await?;
    let vacated = store::vacate(&txn, &ctx.actor(), id, "vacated").await?;
    txn.commit().await?;
    Ok(axum::Json(VacatedDto { vacated }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OccupancyDayDto {
    pub day: NaiveDate,
    pub occupancy: i32,
    pub present: i32,
    pub working_beds: Option<i32>,
    pub beds_used: Option<i32>,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    /// `live` or `reconstructed` (from the admission records).
    pub source: String,
}

/// Daily occupancy for the last 12 months, oldest first.
#[utoipa::path(get, path = "/api/v1/occupancy/history", tag = "beds",
    responses((status = 200, body = [OccupancyDayDto])), security(("bearer" = []), ("session" = [])))]
pub async fn occupancy_history(
    State(st): State<AppState>,
) -> AppResult<axum::Json<Vec<OccupancyDayDto>>> {
    let today = st.today();
    let from = today - chrono::Days::new(history::HISTORY_DAYS);
    let code = st.centre_code()?;
    let rows = history::days_current(&st.db, &code, from, today).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| OccupancyDayDto {
                day: r.day,
                occupancy: r.occupancy,
                present: r.present,
                working_beds: r.working_beds,
                beds_used: r.beds_used,
                design_scale: r.design_scale,
                receiving_capacity: r.receiving_capacity,
                source: r.source,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ForecastDayDto {
    pub day: NaiveDate,
    pub occupancy: i64,
    pub receiving_capacity: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ForecastDto {
    pub from: NaiveDate,
    pub days: Vec<ForecastDayDto>,
    /// The first day occupancy would exceed the receiving capacity, if any.
    pub first_over_capacity: Option<ForecastDayDto>,
}

/// Occupancy for the next 90 days from expected release dates and planned intakes.
#[utoipa::path(get, path = "/api/v1/occupancy/forecast", tag = "beds",
    responses((status = 200, body = ForecastDto)), security(("bearer" = []), ("session" = [])))]
pub async fn forecast(State(st): State<AppState>) -> AppResult<axum::Json<ForecastDto>> {
    let code = st.centre_code()?;
    let f = history::forecast(&st.db, &code, st.today()).await?;
    let dto = |d: super::occupancy::ForecastDay| ForecastDayDto {
        day: d.day,
        occupancy: d.occupancy,
        receiving_capacity: d.receiving_capacity,
    };
    Ok(axum::Json(ForecastDto {
        from: st.today(),
        first_over_capacity: f.first_over.map(dto),
        days: f.days.into_iter().map(dto).collect(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlannedIntakeDto {
    pub id: i32,
    pub expected_on: NaiveDate,
    pub count: i32,
    pub admission_type: String,
}

/// Announce intakes ahead of time (they feed the forecast).
#[utoipa::path(post, path = "/api/v1/planned-intakes", tag = "beds", request_body = PlannedIntakeForm,
    responses((status = 201, body = PlannedIntakeDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_planned(
    State(st): State<AppState>,
    ctx: PageCtx,
    Json(f): Json<PlannedIntakeForm>,
) -> AppResult<(StatusCode, axum::Json<PlannedIntakeDto>)> {
    let txn = db::begin_write(&st.db).await?;
    let row = history::add_planned_intake(&txn, &ctx.actor(), &f, st.today()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PlannedIntakeDto {
            id: row.id,
            expected_on: row.expected_on,
            count: row.count,
            admission_type: row.admission_type,
        }),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CapacityDto {
    pub effective_from: NaiveDate,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    pub reason: String,
}

/// Record a dated capacity change (director). Refused below the residents on the
/// register, above the design scale, or dated before the latest change.
#[utoipa::path(post, path = "/api/v1/capacity", tag = "beds", request_body = CapacityForm,
    responses((status = 201, body = CapacityDto), (status = 422, description = "Validation errors per field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn change_capacity(
    State(st): State<AppState>,
    ctx: PageCtx,
    Json(f): Json<CapacityForm>,
) -> AppResult<(StatusCode, axum::Json<CapacityDto>)> {
    let code = st.centre_code()?;
    let txn = db::begin_write(&st.db).await?;
    let row = history::change_capacity(&txn, &ctx.actor(), &code, &f, st.today()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CapacityDto {
            effective_from: row.effective_from,
            design_scale: row.design_scale,
            receiving_capacity: row.receiving_capacity,
            reason: row.reason,
        }),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RollCallDto {
    pub id: i32,
    pub day: NaiveDate,
    pub confirmed: bool,
    pub confirmed_by: String,
    pub counts: RollCounts,
}

/// The last 60 roll counts, newest first.
#[utoipa::path(get, path = "/api/v1/roll-calls", tag = "beds",
    responses((status = 200, body = [RollCallDto])), security(("bearer" = []), ("session" = [])))]
pub async fn roll_calls(State(st): State<AppState>) -> AppResult<axum::Json<Vec<RollCallDto>>> {
    let rows = roll_call::list(&st.db, 60).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|(r, counts)| RollCallDto {
                id: r.id,
                day: r.day,
                confirmed: r.confirmed_at.is_some(),
                confirmed_by: r.confirmed_by,
                counts,
            })
            .collect(),
    ))
}

async fn roll_call_dto(st: &AppState, id: i32) -> AppResult<RollCallDto> {
    let (rc, lines) = roll_call::get(&st.db, id).await?;
    let rows: Vec<_> = lines.into_iter().map(|l| l.line).collect();
    Ok(RollCallDto {
        id: rc.id,
        day: rc.day,
        confirmed: rc.confirmed_at.is_some(),
        confirmed_by: rc.confirmed_by,
        counts: roll_call::counts(&rows),
    })
}

/// Take today's roll count from the records (returns the existing one if taken).
#[utoipa::path(post, path = "/api/v1/roll-calls", tag = "beds",
    responses((status = 201, body = RollCallDto)), security(("bearer" = []), ("session" = [])))]
pub async fn take_roll_call(
    State(st): State<AppState>,
    ctx: PageCtx,
) -> AppResult<(StatusCode, axum::Json<RollCallDto>)> {
    let txn = db::begin_write(&st.db).await?;
    let rc = roll_call::take(&txn, &ctx.actor(), st.today()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(roll_call_dto(&st, rc.id).await?),
    ))
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConfirmRollCall {
    /// Ids of the lines whose resident was not found.
    pub missing_line_ids: Vec<i32>,
    pub note: String,
}

/// Confirm a roll count, listing the lines not found. A confirmed count is final.
#[utoipa::path(post, path = "/api/v1/roll-calls/{id}/confirm", tag = "beds", params(("id" = i32, Path)), request_body = ConfirmRollCall,
    responses((status = 200, body = RollCallDto), (status = 422, description = "Already confirmed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn confirm_roll_call(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Json(f): Json<ConfirmRollCall>,
) -> AppResult<axum::Json<RollCallDto>> {
    let txn = db::begin_write(&st.db).await?;
    roll_call::confirm(&txn, &ctx.actor(), id, &f.missing_line_ids, &f.note).await?;
    txn.commit().await?;
    Ok(axum::Json(roll_call_dto(&st, id).await?))
}
