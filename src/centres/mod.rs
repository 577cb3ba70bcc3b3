//! Centres as dated reference data: the registry, and capacity (design scale, receiving
//! capacity) as in force on a given day.

pub mod capacity;
pub mod registry;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Serialize;

use crate::auth::{Access, Routes};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{NavItem, PageCtx};
use capacity::{CentreFigures, Totals};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/centres", Access::Authenticated, page)
        .get("/api/v1/centres", Access::Authenticated, api_list)
        .get(
            "/admin/centres",
            Access::Perm(crate::auth::Permission::ManageReferenceData),
            registry::page,
        )
        .post(
            "/admin/centres/{code}/close",
            Access::Perm(crate::auth::Permission::ManageReferenceData),
            registry::close_post,
        )
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/centres",
        key: "nav.centres",
    },
    NavItem {
        href: "/admin/centres",
        key: "nav.centre_registry",
    },
];

#[derive(Template, WebTemplate)]
#[template(path = "centres/list.html")]
pub struct CentresPage {
    pub ctx: PageCtx,
    pub on: String,
    pub rows: Vec<CentreFigures>,
    pub totals: Totals,
}

async fn page(State(st): State<AppState>, ctx: PageCtx) -> AppResult<CentresPage> {
    let today = st.today();
    let rows = capacity::open_centres_on(&st.db, today).await?;
    let totals = Totals::of(&rows);
    Ok(CentresPage {
        on: ctx.cat.date(today),
        ctx,
        rows,
        totals,
    })
}

/// A centre with the capacity in force today.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CentreDto {
    pub code: String,
    pub name: String,
    pub district: String,
    /// Quy mô thiết kế.
    pub design_scale: i32,
    /// Khả năng tiếp nhận.
    pub receiving_capacity: i32,
    /// Date the capacity figures took effect (ISO 8601).
    pub capacity_from: Option<chrono::NaiveDate>,
}

/// The centres open today, with their capacity in force today.
#[utoipa::path(get, path = "/api/v1/centres", tag = "centres",
    responses((status = 200, body = [CentreDto]), (status = 401, description = "Not signed in")),
    security(("bearer" = []), ("session" = [])))]
pub async fn api_list(State(st): State<AppState>) -> AppResult<axum::Json<Vec<CentreDto>>> {
    let rows = capacity::open_centres_on(&st.db, st.today()).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| CentreDto {
                code: r.centre.code,
                name: r.centre.name,
                district: r.centre.district,
                design_scale: r.design_scale,
                receiving_capacity: r.receiving_capacity,
                capacity_from: r.capacity_from,
            })
            .collect(),
    ))
}
