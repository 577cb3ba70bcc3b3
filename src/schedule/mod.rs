//! The centre's one timetable (design.md §2), shared by the care areas: slots (treatment
//! sessions now; vocational classes and labour shifts next), their recurrence over a
//! bounded horizon in Hanoi time, one clash check for residents, rooms and staff, the
//! calendars, and attendance with reasons shared by all areas.

pub mod attendance;
pub mod calendar;
pub mod holidays;
pub mod pages;
pub mod recurrence;
pub mod store;
pub mod time_use;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let view = Access::Perm(Permission::ViewResidents);
    let plan = Access::Perm(Permission::PlanProgramme);
    let attend = Access::Perm(Permission::RecordAttendance);
    Routes::new()
        .get("/schedule", view, pages::calendar)
        .get("/schedule/slots/{id}", view, pages::show_slot)
        .post("/schedule/slots/{id}/excuse", plan, pages::excuse)
        .post("/schedule/slots/{id}/end", plan, pages::end)
        .get("/schedule/occurrences/{id}", view, pages::show_sheet)
        .post("/schedule/occurrences/{id}", attend, pages::record)
        .post("/schedule/occurrences/{id}/cancel", plan, pages::cancel)
        .get("/schedule/time-use", view, time_use::show)
        .get("/schedule/holidays", view, holidays::show)
        .post(
            "/schedule/holidays",
            Access::Perm(Permission::ManageCapacity),
            holidays::create,
        )
        .post(
            "/schedule/holidays/remove",
            Access::Perm(Permission::ManageCapacity),
            holidays::delete,
        )
        .post(
            "/schedule/time-use/target",
            Access::Perm(Permission::ManageCapacity),
            time_use::set_target,
        )
}

pub const NAV: &[NavItem] = &[NavItem {
    href: "/schedule",
    key: "nav.schedule",
}];
