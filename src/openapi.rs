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
        crate::department::receive::receive,
        crate::department::key_pages::public_key,
        crate::divisions::pages::api_search,
        crate::divisions::pages::api_resolve,
    ),
    components(schemas(crate::summary::schema::OccupancySummary, ApiError)),
    modifiers(&Security, &Responses),
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

/// What every operation may answer besides its own results, each with the one error
/// body: OpenAPI requires a description on every response (the ones written without one
/// get the status's meaning), and a client (or schemathesis) must find every status the
/// server sends documented.
struct Responses;

impl Modify for Responses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Response, ResponseBuilder};
        let error = ResponseBuilder::new()
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                        "ApiError",
                    ))))
                    .build(),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let with_body = op.request_body.is_some();
                let public = op.security.is_none();
                let responses = &mut op.responses.responses;
                for status in common_errors(path, with_body, public) {
                    responses.entry(status.to_owned()).or_insert_with(|| {
                        let mut r: Response = error.clone();
                        r.description = meaning(status).to_owned();
                        RefOr::T(r)
                    });
                }
                for (status, r) in responses.iter_mut() {
                    if let RefOr::T(r) = r {
                        if r.description.trim().is_empty() {
                            r.description = meaning(status).to_owned();
                        }
                        if r.content.is_empty() && status.starts_with('4') {
                            r.content = error.content.clone();
                        }
                    }
                }
            }
        }
    }
}

/// The statuses any operation of this kind can answer: 400 for a query, path or body
/// that cannot be read, 401/403 for a signed-in route, 404 for a path naming a record,
/// 422 for a body, 503 when the server sheds load (password checks).
fn common_errors(path: &str, with_body: bool, public: bool) -> Vec<&'static str> {
    let mut v = vec!["400"];
    if !public {
        v.extend(["401", "403", "503"]);
    }
    if path.contains('{') {
        v.push("404");
    }
    if with_body {
        v.extend(["413", "422"]);
    }
    v
}

/// The error body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // documents the body built in `web::context::render_error_body`
pub struct ApiError {
    /// A stable code, e.g. `invalid`, `not_found`, `bad_query`.
    error: String,
    /// The message in the user's language.
    message: String,
    /// Per-field messages (validation errors); empty otherwise.
    fields: std::collections::BTreeMap<String, String>,
    request_id: String,
}

fn meaning(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "The request could not be read (error body in the user's language)",
        "401" => "Not signed in, or the token is not valid",
        "403" => "The role may not do this",
        "404" => "No such record",
        "409" => "Conflicts with the current state",
        "413" => "Body too large",
        "422" => "Validation errors per field",
        "503" => "Busy: try again after the Retry-After seconds",
        _ => "See the error body",
    }
}

pub fn routes() -> Routes<AppState> {
    Routes::new().get("/api/v1/openapi.json", Access::Public, document)
}

/// This instance's document: the operations its router serves (a centre does not list
/// the department's, nor the department a centre's).
pub fn for_instance(policy: &crate::auth::Policy) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.paths.paths.retain(|path, _| policy.has_path(path));
    doc
}

/// The document as served: optional query parameters say `allowEmptyValue`, because an
/// empty field (as a form sends it) means "not set" here (`web::Query`). utoipa's model
/// has no such field, so it is added to the JSON.
pub fn served(policy: &crate::auth::Policy) -> serde_json::Value {
    let mut doc = serde_json::to_value(for_instance(policy)).unwrap_or_default();
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for op in paths.values_mut().filter_map(|i| i.as_object_mut()) {
            for params in op.values_mut().filter_map(|o| o.get_mut("parameters")) {
                for p in params.as_array_mut().into_iter().flatten() {
                    let optional_query = p["in"] == "query" && p["required"] != true;
                    if let (true, Some(p)) = (optional_query, p.as_object_mut()) {
                        p.insert("allowEmptyValue".into(), true.into());
                    }
                }
            }
        }
    }
    doc
}

async fn document(
    axum::extract::State(st): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    Json(served(&st.policy))
}
