//! The benchmark data set (`--profile large`, here at a small scale): written into an
//! empty instance, consistent with the rules (dates, half-term days, beds), and served
//! by the main pages with the same number of statements as a small register.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{admission, bed_assignment, centre_day};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::TestApp;

fn quiet(_: &str, _: u64, _: u64) {}

#[tokio::test]
async fn a_large_centre_at_small_scale_is_consistent_and_served() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    let n = rehabops::profile::seed_centre(app.db(), 0.05, today, &quiet)
        .await
        .expect("profile");
    assert_eq!(n, 1_000);
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq("active"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(active, 75);
    let placed = bed_assignment::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert!(placed > 50, "most present residents have a bed: {placed}");
    // Stored half-term days are the ones the rules give.
    assert_eq!(
        rehabops::intake::store::fill_half_terms(app.db())
            .await
            .unwrap(),
        0,
        "nothing left to fill"
    );
    // A second run refuses to write over a register.
    assert!(
        rehabops::profile::seed_centre(app.db(), 0.05, today, &quiet)
            .await
            .is_err()
    );
    let mut c = app.login_as(Role::IntakeClerk).await;
    for path in [
        "/",
        "/residents",
        "/residents?all=true&page=40",
        "/releases",
        "/beds",
        "/residents/3",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let (n, _) = app.queries_of(&mut c, "/residents?all=true&page=3").await;
    assert_eq!(n, 5, "as on a small register");
    let mut director = app.login_as(Role::Director).await;
    let r = director.get("/beds/occupancy").await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_department_with_five_years_of_seven_centres_is_served() {
    let dept = TestApp::department().await;
    let today = dept.state.today();
    let n = rehabops::profile::seed_department(dept.db(), 0.05, today, true, &quiet)
        .await
        .expect("profile");
    assert_eq!(
        n as u64,
        centre_day::Entity::find().count(dept.db()).await.unwrap()
    );
    assert!(n >= 7 * 5 * 365, "{n}");
    let mut m = dept.login_as(Role::DepartmentMonitor).await;
    for path in [
        "/",
        "/dashboard",
        "/dashboard/trends",
        "/dashboard/plan",
        "/reports",
    ] {
        let r = m.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
}
