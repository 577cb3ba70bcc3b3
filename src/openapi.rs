//! The instance's OpenAPI document, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth::{Access, Routes};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "rehabops API", description = "JSON API of a rehabops instance (a centre or the department). \
        Authenticate with a personal API token (`Authorization: Bearer rho_…`, created on the account page) \
        or a browser session (state-changing calls then need the `x-csrf-token` header). \
        Errors are `{error, message, fields, request_id}` with messages in the user's language."),
    paths(
        crate::account::api_me,
        crate::centres::api_list,
        crate::intake::api::list,
        crate::intake::api::create,
        crate::intake::api::show,
        crate::intake::api::admit,
        crate::intake::api::change_address,
        crate::intake::api::record_event,
        crate::intake::api::release,
        crate::intake::api::transfer_package,
        crate::intake::api::receive_transfer,
        crate::beds::api::board,
        crate::beds::api::bed,
        crate::beds::api::set_state,
        crate::beds::api::swap,
        crate::beds::api::suggestions,
        crate::beds::api::assign,
        crate::beds::api::vacate,
        crate::beds::api::occupancy_history,
        crate::beds::api::forecast,
        crate::beds::api::add_planned,
        crate::beds::api::change_capacity,
        crate::beds::api::roll_calls,
        crate::beds::api::take_roll_call,
        crate::beds::api::confirm_roll_call,
        crate::department::dashboard::api,
        crate::divisions::pages::api_search,
        crate::divisions::pages::api_resolve,
    ),
    components(schemas(crate::summary::schema::OccupancySummary)),
    modifiers(&Security),
    tags(
        (name = "account", description = "The signed-in user"),
        (name = "centres", description = "Centres and capacity"),
        (name = "intake", description = "Residents, admissions, movements and releases (centre instances only)"),
        (name = "beds", description = "Zones, rooms and beds; assignment under the zone rules; occupancy history, forecast, capacity and the nightly roll count (centre instances only)"),
        (name = "divisions", description = "Administrative divisions as dated reference data: Hà Nội's communes before and after 01/07/2025 and the provinces (centre instances only)"),
        (name = "department", description = "Aggregates received from the centres (department instance only). Centres deliver summaries with `POST /api/v1/summaries`: the body is an `OccupancySummary` (schema `rehabops.occupancy-summary/1`), signed with the centre's Ed25519 key; headers `x-rehabops-centre` and `x-rehabops-signature` (base64).")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("rehabops_sid_<instance>"))),
        );
    }
}

pub fn routes() -> Routes<AppState> {
    Routes::new().get("/api/v1/openapi.json", Access::Public, document)
}

async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
