//! Treatment (điều trị): the five stages of each admission and detox episodes, for
//! doctors and nurses. First slice of the treatment issue; the schedule, withdrawal
//! sheets, medication records and restrictions come next.

pub mod chart;
pub mod cows;
pub mod demo;
pub mod detox;
pub mod fitness;
pub mod hooks;
pub mod mar;
pub mod pages;
pub mod sessions;
pub mod stages;
pub mod store;
pub mod transfer;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let view = Access::Perm(Permission::ViewMedical);
    let record = Access::Perm(Permission::RecordTreatment);
    Routes::new()
        .get("/treatment", view, pages::ward)
        .get(
            "/treatment/plan",
            Access::Perm(Permission::ViewOccupancy),
            pages::plan,
        )
        .post(
            "/treatment/plan",
            Access::Perm(Permission::ManageCapacity),
            pages::set_plan,
        )
        .get(
            "/treatment/sessions/new",
            Access::Perm(Permission::PlanProgramme),
            sessions::new_session,
        )
        .post(
            "/treatment/sessions",
            Access::Perm(Permission::PlanProgramme),
            sessions::plan_session,
        )
        .get("/treatment/admissions/{id}", view, pages::show)
        .get("/treatment/admissions/{id}/chart", view, chart::show)
        .get("/treatment/admissions/{id}/plans", view, chart::plans::show)
        .post(
            "/treatment/admissions/{id}/plans",
            record,
            chart::plans::create,
        )
        .get("/treatment/admissions/{id}/mar", view, mar::show)
        .post(
            "/treatment/admissions/{id}/mar/orders",
            Access::Perm(Permission::Prescribe),
            mar::create_order,
        )
        .post(
            "/treatment/admissions/{id}/mar/orders/{order}/stop",
            Access::Perm(Permission::Prescribe),
            mar::stop_order,
        )
        .post(
            "/treatment/admissions/{id}/mar/doses",
            record,
            mar::record_dose,
        )
        .post(
            "/treatment/admissions/{id}/mar/doses/{dose}/ack",
            Access::Perm(Permission::Prescribe),
            mar::acknowledge,
        )
        .post(
            "/treatment/admissions/{id}/chart/notes",
            record,
            chart::add_note,
        )
        .post(
            "/treatment/admissions/{id}/chart/flags",
            record,
            chart::add_flag,
        )
        .post(
            "/treatment/admissions/{id}/chart/flags/{flag}/end",
            record,
            chart::end_flag,
        )
        .post(
            "/treatment/admissions/{id}/stage",
            record,
            pages::change_stage,
        )
        .post(
            "/treatment/admissions/{id}/detox",
            record,
            pages::start_detox,
        )
        .post(
            "/treatment/admissions/{id}/drug-tests",
            record,
            pages::add_drug_test,
        )
        .post(
            "/treatment/admissions/{id}/hospital",
            record,
            pages::hospital_movement,
        )
        .post(
            "/treatment/admissions/{id}/restrictions",
            Access::Perm(Permission::Prescribe),
            pages::add_restriction,
        )
        .post(
            "/treatment/admissions/{id}/detox/{episode}/assessments",
            record,
            pages::add_assessment,
        )
        .post(
            "/treatment/admissions/{id}/detox/{episode}/end",
            record,
            pages::end_detox,
        )
}

pub const NAV: &[NavItem] = &[NavItem {
    href: "/treatment",
    key: "nav.treatment",
}];
