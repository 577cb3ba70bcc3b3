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
    assert_eq!(n, 4, "as on a small register");
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

/// The statements a main page runs do not grow with the size of the register or of the
/// department's history: the same at two scales, and within a pinned bound.
#[tokio::test]
async fn main_pages_run_as_many_statements_at_any_scale() {
    async fn centre_counts(scale: f64) -> Vec<(String, usize)> {
        let app = TestApp::centre().await;
        rehabops::profile::seed_centre(app.db(), scale, app.state.today(), &quiet)
            .await
            .expect("profile");
        let mut c = app.login_as(Role::Director).await;
        let mut out = Vec::new();
        for path in ["/", "/residents", "/releases", "/beds", "/beds/occupancy"] {
            let (n, r) = app.queries_of(&mut c, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            out.push((path.to_owned(), n));
        }
        out
    }
    async fn department_counts(scale: f64) -> Vec<(String, usize)> {
        let dept = TestApp::department().await;
        rehabops::profile::seed_department(dept.db(), scale, dept.state.today(), true, &quiet)
            .await
            .expect("profile");
        let mut m = dept.login_as(Role::DepartmentMonitor).await;
        let mut out = Vec::new();
        for path in ["/dashboard", "/dashboard/trends", "/reports?p=2026-10"] {
            let (n, r) = dept.queries_of(&mut m, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            out.push((path.to_owned(), n));
        }
        out
    }
    // A page may read one bounded set more when it exists at all (the release calendar
    // reads the escaped residents' events only when someone has escaped).
    let grows_at_most_by_one = |a: &[(String, usize)], b: &[(String, usize)]| {
        for ((path, x), (_, y)) in a.iter().zip(b) {
            assert!(
                y <= &(x + 1) && x <= &(y + 1),
                "{path}: {x} then {y} statements"
            );
        }
    };
    let small = centre_counts(0.02).await;
    let larger = centre_counts(0.06).await;
    grows_at_most_by_one(&small, &larger);
    // The release calendar: the escaped and their events, a count and the first page.
    let bounds = [14, 4, 6, 6, 16];
    for ((path, n), max) in larger.iter().zip(bounds) {
        assert!(*n <= max, "{path}: {n} statements, pinned at {max}");
    }
    let small = department_counts(0.02).await;
    let larger = department_counts(0.06).await;
    grows_at_most_by_one(&small, &larger);
    // The dashboard reads two rows per centre (latest summary, last month's report):
    // bounded by the seven centres, not by their history.
    let bounds = [17, 3, 3];
    for ((path, n), max) in larger.iter().zip(bounds) {
        assert!(*n <= max, "{path}: {n} statements, pinned at {max}");
    }
}

/// A centre past 400 beds draws one zone at a time and a long zone a page of rooms at
/// a time: the pager's links as the page writes them lead through every room once, the
/// other zones keep their figures, and a page past the last shows the last.
#[tokio::test]
async fn a_long_ward_plan_is_drawn_a_zone_and_a_page_of_rooms_at_a_time() {
    let app = TestApp::centre().await;
    rehabops::profile::seed_centre(app.db(), 0.3, app.state.today(), &quiet)
        .await
        .expect("profile");
    let mut c = app.login_as(Role::Director).await;
    let rooms_of = |body: &str| -> Vec<String> {
        body.split("<div class=\"room\">\n      <h3>")
            .skip(1)
            .filter_map(|s| s.split(' ').next().map(str::to_owned))
            .collect()
    };
    let first = c.get("/beds").await;
    assert_eq!(first.status, StatusCode::OK);
    // Every zone's figures, one zone's rooms.
    first.assert_contains("Khu bắt buộc nữ");
    first.assert_contains("/beds?zone=");
    let mut seen = rooms_of(&first.body);
    assert_eq!(seen.len(), 25, "one page of rooms");
    let mut page = first;
    let mut pages = 1;
    let mut last_href = String::new();
    while let Some(end) = page.body.find("\" rel=\"next\"") {
        let start = page.body[..end].rfind("href=\"").unwrap() + "href=\"".len();
        let href = page.body[start..end]
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        page = c.get(&href).await;
        last_href = href.clone();
        assert_eq!(page.status, StatusCode::OK, "{href}");
        seen.extend(rooms_of(&page.body));
        pages += 1;
        assert!(pages < 50, "the pager ends: {href}");
    }
    assert!(pages >= 2, "a long zone has several pages");
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no room twice");
    let zone_code = last_href
        .trim_start_matches("/beds?zone=")
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let rooms: u64 = {
        use rehabops::entities::{room, zone};
        use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
        let z = zone::Entity::find()
            .filter(zone::COLUMN.code.eq(zone_code.clone()))
            .one(app.db())
            .await
            .unwrap()
            .expect("zone");
        room::Entity::find()
            .filter(room::COLUMN.zone_id.eq(z.id))
            .count(app.db())
            .await
            .unwrap()
    };
    assert_eq!(total as u64, rooms, "every room of {zone_code} once");
    let past = c.get(&format!("/beds?zone={zone_code}&page=999")).await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(rooms_of(&past.body), rooms_of(&page.body), "the last page");
}
