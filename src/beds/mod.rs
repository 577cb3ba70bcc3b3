//! Beds and capacity: zones (khu), rooms and beds; assignment under the zone rules; the
//! occupancy board.

pub mod api;
pub mod bed_pages;
pub mod demo;
pub mod history;
pub mod occupancy;
pub mod occupancy_pages;
pub mod pages;
pub mod plan_pdf;
pub mod roll_call;
pub mod roll_call_pages;
pub mod rules;
pub mod store;

use crate::auth::{Access, Permission, Routes};
use crate::state::AppState;
use crate::web::NavItem;

pub fn routes() -> Routes<AppState> {
    let manage = Access::Perm(Permission::ManageBeds);
    let setup = Access::Perm(Permission::ManageCapacity);
    let view = Access::Perm(Permission::ViewOccupancy);
    Routes::new()
        .get("/beds", view, pages::board)
        .get("/beds/plan.pdf", view, plan_pdf::pdf)
        .post("/admissions/{id}/bed", manage, pages::assign)
        .post("/admissions/{id}/bed/vacate", manage, pages::vacate)
        .get("/beds/setup", setup, pages::setup)
        .post("/beds/zones", setup, pages::add_zone)
        .post("/beds/rooms", setup, pages::add_room)
        .post("/beds/beds", setup, pages::add_beds)
        .get("/beds/{id}", view, bed_pages::show)
        .post("/beds/{id}/state", manage, bed_pages::set_state)
        .post("/beds/{id}/swap", manage, bed_pages::swap)
        .get("/beds/occupancy", view, occupancy_pages::page)
        .get("/beds/occupancy.csv", view, occupancy_pages::csv)
        .post(
            "/beds/planned-intakes",
            manage,
            occupancy_pages::add_planned,
        )
        .post(
            "/beds/planned-intakes/{id}/cancel",
            manage,
            occupancy_pages::cancel_planned,
        )
        .get("/beds/capacity", view, occupancy_pages::capacity)
        .post("/beds/capacity", setup, occupancy_pages::change_capacity)
        .get("/beds/roll-calls", view, roll_call_pages::list)
        .post("/beds/roll-calls", manage, roll_call_pages::take)
        .get("/beds/roll-calls/{id}", view, roll_call_pages::show)
        .post(
            "/beds/roll-calls/{id}/confirm",
            manage,
            roll_call_pages::confirm,
        )
        .merge(api::routes())
}

pub const NAV: &[NavItem] = &[
    NavItem {
        href: "/beds",
        key: "nav.beds",
    },
    NavItem {
        href: "/beds/occupancy",
        key: "nav.occupancy",
    },
    NavItem {
        href: "/beds/roll-calls",
        key: "nav.roll_calls",
    },
];

/// The hour (Hanoi time) from which the evening roll count is taken if staff have not
/// taken it themselves.
pub const ROLL_CALL_HOUR: u32 = 21;

/// One pass of the beds upkeep: today's occupancy line, any missing days of the last
/// year, and the evening roll count once it is `ROLL_CALL_HOUR`.
pub async fn upkeep(st: &AppState, hour: u32) -> crate::error::AppResult<()> {
    let Some(code) = st.instance.centre.as_ref().map(|c| c.code.clone()) else {
        return Ok(());
    };
    let today = st.today();
    let txn = crate::db::begin_write(&st.db).await?;
    history::record_today(&txn, &code, today).await?;
    let filled = history::fill_gaps(&txn, &code, today).await?;
    if hour >= ROLL_CALL_HOUR {
        roll_call::take(&txn, &crate::audit::Actor::system("roll-call"), today).await?;
    }
    txn.commit().await?;
    if filled > 0 {
        tracing::info!(
            days = filled,
            "occupancy history reconstructed from records"
        );
    }
    Ok(())
}

/// Runs [`upkeep`] at start-up and at the top of every hour.
pub fn spawn_background(st: AppState) -> Option<tokio::task::JoinHandle<()>> {
    use chrono::Timelike;
    st.instance.centre.as_ref()?;
    Some(tokio::spawn(async move {
        loop {
            let now = chrono::Utc::now().with_timezone(&crate::i18n::hanoi_offset());
            if let Err(e) = upkeep(&st, now.hour()).await {
                tracing::warn!(error = %e, "beds upkeep failed");
            }
            let secs = u64::from(now.minute()) * 60 + u64::from(now.second());
            tokio::time::sleep(std::time::Duration::from_secs(3600 - secs.min(3599))).await;
        }
    }))
}
