//! The department instance: receives the centres' signed occupancy summaries, registers
//! their keys, and shows the seven centres side by side. Aggregates only.

pub mod dashboard;
pub mod days;
pub mod dhis2;
pub mod export;
pub mod key_pages;
pub mod keys;
pub mod plan;
pub mod receive;
pub mod report;
pub mod reports;
pub mod trends;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let admin = Access::Perm(Permission::ManageReferenceData);
    Routes::new()
        .get(
            "/dashboard",
            Access::Perm(Permission::ViewDepartment),
            dashboard::page,
        )
        .get(
            "/api/v1/dashboard",
            Access::Perm(Permission::ViewDepartment),
            dashboard::api,
        )
        .get(
            "/dashboard/summaries.csv",
            Access::Perm(Permission::ViewDepartment),
            export::summaries_csv,
        )
        .get(
            "/reports",
            Access::Perm(Permission::ViewDepartment),
            reports::page,
        )
        .get(
            "/dashboard/trends",
            Access::Perm(Permission::ViewDepartment),
            trends::page,
        )
        .get(
            "/dashboard/plan",
            Access::Perm(Permission::ViewDepartment),
            plan::page,
        )
        .get(
            "/reports/pdf",
            Access::Perm(Permission::ViewDepartment),
            reports::pdf,
        )
        .get(
            "/reports/xlsx",
            Access::Perm(Permission::ViewDepartment),
            reports::xlsx,
        )
        .get(
            "/reports/dhis2.json",
            Access::Perm(Permission::ViewDepartment),
            dhis2::json,
        )
        .get(
            "/reports/adx.xml",
            Access::Perm(Permission::ViewDepartment),
            dhis2::xml,
        )
        // Authenticated by the centre's signature, not by a user.
        .post("/api/v1/summaries", Access::Public, receive::receive)
        .get(
            "/api/v1/centre-keys/{code}",
            Access::Public,
            key_pages::public_key,
        )
        .get("/admin/centre-keys", admin, key_pages::list)
        .post("/admin/centre-keys", admin, key_pages::register)
        .post("/admin/centre-keys/{id}/revoke", admin, key_pages::revoke)
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/dashboard",
        key: "nav.dashboard",
    },
    NavItem {
        href: "/dashboard/trends",
        key: "nav.trends",
    },
    NavItem {
        href: "/dashboard/plan",
        key: "nav.plan",
    },
    NavItem {
        href: "/reports",
        key: "nav.reports",
    },
    NavItem {
        href: "/admin/centre-keys",
        key: "nav.centre_keys",
    },
];
