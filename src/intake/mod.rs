//! Intake desk (bộ phận tiếp nhận): residents, admissions under their legal basis,
//! movements, releases, the release calendar and the after-care hand-off list.

pub mod address;
pub mod aftercare;
pub mod api;
pub mod corrections;
pub mod demo;
pub mod documents;
pub mod handover;
pub mod handover_pages;
pub mod import;
pub mod import_pages;
pub mod legal_rules;
pub mod pages;
pub mod photo;
pub mod reductions;
pub mod rules;
pub mod search;
pub mod store;
pub mod transfer;
pub mod transfer_pages;
pub mod warnings;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let view = Access::Perm(Permission::ViewResidents);
    let manage = Access::Perm(Permission::ManageAdmissions);
    // Papers and lists built on the legal basis (decisions, terms, release dates).
    let legal = Access::Perm(Permission::ViewLegalBasis);
    Routes::new()
        .get("/residents", view, pages::list)
        .get("/residents/new", manage, pages::new_form)
        .get("/residents/import", manage, import_pages::form)
        .post("/residents/import", manage, import_pages::upload)
        .get(
            "/residents/import/template.csv",
            manage,
            import_pages::template_csv,
        )
        .post("/residents", manage, pages::create)
        .get("/residents/{id}", view, pages::show)
        .get("/residents/{id}/photo", view, photo::show)
        .get("/residents/{id}/address", manage, address::form)
        .post("/residents/{id}/address", manage, address::post)
        .post("/residents/{id}/photo", manage, photo::upload)
        .get(
            "/admissions/{id}/transfer-package",
            manage,
            transfer_pages::download,
        )
        .post("/events/{id}/correct", manage, corrections::post)
        .get("/reductions", manage, reductions::page)
        .post("/reductions", manage, reductions::post)
        .get("/handovers", manage, handover_pages::list)
        .get("/handovers/new", manage, handover_pages::form)
        .post("/handovers", manage, handover_pages::create)
        .get("/handovers/{id}", manage, handover_pages::show)
        .get("/handovers/{id}/slip.pdf", manage, handover_pages::pdf)
        .get("/transfers", manage, transfer_pages::form)
        .post("/transfers", manage, transfer_pages::receive)
        .get("/residents/{id}/admit", manage, pages::admit_form)
        .post("/residents/{id}/admissions", manage, pages::admit)
        .post("/admissions/{id}/events", manage, pages::record_event)
        .post("/admissions/{id}/release", manage, pages::release)
        .get("/admissions/{id}/record.pdf", legal, documents::record_pdf)
        .get(
            "/admissions/{id}/certificate.pdf",
            legal,
            documents::certificate_pdf,
        )
        .get("/releases", legal, pages::release_calendar)
        .get("/aftercare", manage, aftercare::page)
        .get("/aftercare.csv", manage, aftercare::csv)
        .get("/aftercare.xlsx", manage, aftercare::xlsx)
        .get(
            "/admin/legal-rules",
            Access::Perm(Permission::ManageReferenceData),
            legal_rules::list,
        )
        .post(
            "/admin/legal-rules/{id}",
            Access::Perm(Permission::ManageReferenceData),
            legal_rules::update,
        )
        .merge(api::routes())
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/residents",
        key: "nav.residents",
    },
    NavItem {
        href: "/releases",
        key: "nav.releases",
    },
    NavItem {
        href: "/aftercare",
        key: "nav.aftercare",
    },
    NavItem {
        href: "/admin/legal-rules",
        key: "nav.legal_rules",
    },
];
