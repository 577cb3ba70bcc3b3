//! Beds and capacity: zones (khu), rooms and beds; assignment under the zone rules; the
//! occupancy board.

pub mod demo;
pub mod pages;
pub mod rules;
pub mod store;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let manage = Access::Perm(Permission::ManageBeds);
    let setup = Access::Perm(Permission::ManageCapacity);
    Routes::new()
        .get(
            "/beds",
            Access::Perm(Permission::ViewOccupancy),
            pages::board,
        )
        .post("/admissions/{id}/bed", manage, pages::assign)
        .post("/admissions/{id}/bed/vacate", manage, pages::vacate)
        .get("/beds/setup", setup, pages::setup)
        .post("/beds/zones", setup, pages::add_zone)
        .post("/beds/rooms", setup, pages::add_room)
        .post("/beds/beds", setup, pages::add_beds)
}

pub const NAV: &[NavItem] = &[NavItem {
    href: "/beds",
    key: "nav.beds",
}];
