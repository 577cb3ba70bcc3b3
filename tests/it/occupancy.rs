//! Beds over time: swap, out of service, bed and resident history, dated capacity
//! changes, the nightly roll count, the daily history and the 90-day forecast, and the
//! same through the JSON API.

use axum::http::StatusCode;
use chrono::NaiveDate;
use rehabops::auth::Role;
use rehabops::entities::{bed_assignment, centre_capacity, occupancy_day};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::beds::{admitted, setup_zone};
use crate::helpers::TestApp;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The figure shown after the `<dt>` `label` of a figures list, trimmed.
fn figure(body: &str, label: &str) -> String {
    let at = body.find(&format!("<dt>{label}</dt><dd>")).expect(label) + label.len() + 13;
    body[at..at + body[at..].find('<').expect("end")]
        .trim()
        .to_owned()
}

async fn open_bed_of(app: &TestApp, admission: i32) -> Option<i32> {
    bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.admission_id.eq(admission))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .one(app.db())
        .await
        .unwrap()
        .map(|a| a.bed_id)
}

#[tokio::test]
async fn swap_out_of_service_and_full_history() {
    let app = TestApp::centre_on(d(2025, 6, 1)).await;
    let mut director = app.login_as(Role::Director).await;
    let beds = setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "3").await;
    let women = setup_zone(&mut director, &app, "BB-NU", "compulsory", "female", "1").await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let a = admitted(
        &mut clerk,
        &app,
        "Nguyễn Văn Một",
        "01/01/1990",
        "male",
        "001090000301",
        "compulsory_adult",
        "12",
    )
    .await;
    let b = admitted(
        &mut clerk,
        &app,
        "Trần Văn Hai",
        "01/01/1991",
        "male",
        "001091000302",
        "compulsory_adult",
        "12",
    )
    .await;
    let w = admitted(
        &mut clerk,
        &app,
        "Lê Thị Ba",
        "01/01/1992",
        "female",
        "001192000303",
        "compulsory_adult",
        "12",
    )
    .await;
    for (adm, bed) in [(a, beds[0]), (b, beds[1]), (w, women[0])] {
        let r = clerk
            .post_form(
                &format!("/admissions/{adm}/bed"),
                &[("bed_id", &bed.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    // Swap the two men: one step, both checked.
    let r = clerk
        .post_form(
            &format!("/beds/{}/swap", beds[0]),
            &[
                ("other_bed", "bb-nam-p01-02"),
                ("reason", "Theo đề nghị đội trưởng"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(open_bed_of(&app, a).await, Some(beds[1]));
    assert_eq!(open_bed_of(&app, b).await, Some(beds[0]));
    // Swapping a man into the women's zone is refused, and nothing changes.
    let r = clerk
        .post_form(
            &format!("/beds/{}/swap", beds[0]),
            &[("other_bed", "BB-NU-P01-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Khu này dành cho giới tính khác");
    r.assert_contains(r#"value="BB-NU-P01-01""#);
    assert_eq!(open_bed_of(&app, b).await, Some(beds[0]));
    assert_eq!(open_bed_of(&app, w).await, Some(women[0]));
    // A swap needs two occupied beds.
    let r = clerk
        .post_form(
            &format!("/beds/{}/swap", beds[0]),
            &[("other_bed", "BB-NAM-P01-03")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Cả hai giường phải đang có người");

    // An occupied bed cannot go out of service; a free one can, with a reason.
    let r = clerk
        .post_form(
            &format!("/beds/{}/state", beds[0]),
            &[("state", "out_of_service"), ("reason", "Hỏng")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Giường đang có người");
    let r = clerk
        .post_form(
            &format!("/beds/{}/state", beds[2]),
            &[("state", "out_of_service"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Phải ghi lý do");
    let r = clerk
        .post_form(
            &format!("/beds/{}/state", beds[2]),
            &[
                ("state", "out_of_service"),
                ("reason", "Gãy khung giường"),
                ("until", "15/06/2025"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let board = clerk.get("/beds").await;
    board.assert_contains("Gãy khung giường");
    board.assert_contains("1 ngừng sử dụng");
    // The board's breakdown counts by type and sex: 2 men and 1 woman, compulsory.
    board.assert_contains("Học viên theo căn cứ tiếp nhận và giới tính");
    // Assigning to it is refused.
    let r = clerk
        .post_form(
            &format!("/admissions/{a}/bed"),
            &[("bed_id", &beds[2].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Giường đang ngừng sử dụng");
    // Back in service.
    let r = clerk
        .post_form(
            &format!("/beds/{}/state", beds[2]),
            &[("state", "in_service")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Full history per bed: both stays of bed 1, and its state changes for bed 3.
    let page = clerk.get(&format!("/beds/{}", beds[0])).await;
    page.assert_contains("Nguyễn Văn Một");
    page.assert_contains("Trần Văn Hai");
    page.assert_contains("Theo đề nghị đội trưởng");
    let page = clerk.get(&format!("/beds/{}", beds[2])).await;
    page.assert_contains("Gãy khung giường");
    page.assert_contains("15/06/2025");
    // And per resident: the resident page lists both beds held.
    let page = clerk.get("/residents/1").await;
    page.assert_contains("BB-NAM-P01-01");
    page.assert_contains("BB-NAM-P01-02");

    // The API shows the same history.
    let r = clerk.get(&format!("/api/v1/beds/{}", beds[0])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["stays"].as_array().unwrap().len(), 2);
    // Nurses see the board but cannot change beds.
    let mut nurse = app.login_as(Role::Nurse).await;
    assert_eq!(
        nurse.get(&format!("/beds/{}", beds[0])).await.status,
        StatusCode::OK
    );
    let r = nurse
        .post_form(
            &format!("/beds/{}/state", beds[2]),
            &[("state", "out_of_service"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn capacity_changes_are_dated_reasoned_and_never_below_occupancy() {
    let app = TestApp::centre_on(d(2025, 6, 1)).await;
    let mut director = app.login_as(Role::Director).await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    for (i, name) in ["Người Một", "Người Hai", "Người Ba"].iter().enumerate() {
        admitted(
            &mut clerk,
            &app,
            name,
            "01/01/1990",
            "male",
            &format!("00109000040{i}"),
            "compulsory_adult",
            "12",
        )
        .await;
    }
    let before = centre_capacity::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    // Below the 3 residents on the register: refused, with the number, form kept.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/06/2025"),
                ("design_scale", "10"),
                ("receiving_capacity", "2"),
                ("reason", "Sửa chữa"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không thể thấp hơn số học viên đang quản lý (3)");
    r.assert_contains("Sửa chữa</textarea>");
    // No reason: refused.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/06/2025"),
                ("design_scale", "10"),
                ("receiving_capacity", "5"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Phải ghi lý do");
    // Above the design scale: refused.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/06/2025"),
                ("design_scale", "10"),
                ("receiving_capacity", "12"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        centre_capacity::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        before
    );
    // A valid change from a future date: recorded, in the log as upcoming, audited.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/07/2025"),
                ("design_scale", "1.200"),
                ("receiving_capacity", "600"),
                ("reason", "Đưa khu C vào sử dụng"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = director.get("/beds/capacity").await;
    page.assert_contains("Đưa khu C vào sử dụng");
    page.assert_contains("01/07/2025");
    page.assert_contains("sắp áp dụng");
    // History is not rewritten: a change dated before the latest is refused.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "15/06/2025"),
                ("design_scale", "1200"),
                ("receiving_capacity", "500"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("không sửa lịch sử");
    // The same rule through the API.
    let r = director
        .post_json(
            "/api/v1/capacity",
            json!({ "effective_from": "01/08/2025", "design_scale": "1200", "receiving_capacity": "1", "reason": "x" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["receiving_capacity"].is_string(),
        "{}",
        r.body
    );
    // Only the director changes capacity; the clerk may look.
    assert_eq!(clerk.get("/beds/capacity").await.status, StatusCode::OK);
    let r = clerk
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/08/2025"),
                ("design_scale", "10"),
                ("receiving_capacity", "5"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audited = rehabops::entities::audit_log::Entity::find()
        .filter(
            rehabops::entities::audit_log::COLUMN
                .action
                .eq("capacity.change"),
        )
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn roll_count_lists_who_is_where_and_is_confirmed_once() {
    let today = d(2025, 6, 1);
    let app = TestApp::centre_on(today).await;
    let mut director = app.login_as(Role::Director).await;
    let beds = setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "2").await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let a = admitted(
        &mut clerk,
        &app,
        "Nguyễn Văn Một",
        "01/01/1990",
        "male",
        "001090000501",
        "compulsory_adult",
        "12",
    )
    .await;
    let b = admitted(
        &mut clerk,
        &app,
        "Trần Văn Hai",
        "01/01/1991",
        "male",
        "001091000502",
        "compulsory_adult",
        "12",
    )
    .await;
    // Yesterday's count (taken by the evening job) had only a and b.
    rehabops::beds::roll_call::take(
        app.db(),
        &rehabops::audit::Actor::system("test"),
        d(2025, 5, 31),
    )
    .await
    .unwrap();
    let c = admitted(
        &mut clerk,
        &app,
        "Lê Văn Ba",
        "01/01/1992",
        "male",
        "001092000503",
        "compulsory_adult",
        "12",
    )
    .await;
    clerk
        .post_form(
            &format!("/admissions/{a}/bed"),
            &[("bed_id", &beds[0].to_string())],
        )
        .await;
    let r = clerk
        .post_form(
            &format!("/admissions/{b}/events"),
            &[("kind", "hospital_out"), ("occurred_on", "01/06/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The evening job takes tonight's count (before 21:00 it does not).
    rehabops::beds::upkeep(&app.state, 20).await.unwrap();
    assert!(
        clerk
            .get("/beds/roll-calls")
            .await
            .body
            .contains("Lập danh sách điểm danh tối nay")
    );
    rehabops::beds::upkeep(&app.state, 21).await.unwrap();
    let list = clerk.get("/beds/roll-calls").await;
    list.assert_contains("01/06/2025");
    assert!(!list.body.contains("Lập danh sách điểm danh tối nay"));
    let r = clerk.get("/api/v1/roll-calls").await;
    let tonight = &r.json()[0];
    assert_eq!(tonight["day"], "2025-06-01");
    assert_eq!(tonight["counts"]["on_register"], 3);
    assert_eq!(tonight["counts"]["in_bed"], 1);
    assert_eq!(tonight["counts"]["no_bed"], 1);
    assert_eq!(tonight["counts"]["out"], 1);
    assert_eq!(tonight["counts"]["arrivals"], 1);
    let id = tonight["id"].as_i64().unwrap();
    let page = clerk.get(&format!("/beds/roll-calls/{id}")).await;
    page.assert_contains("Đang điều trị tại bệnh viện");
    page.assert_contains("mới đến");

    // Confirm with one person not found.
    let lines = rehabops::beds::roll_call::get(app.db(), id as i32)
        .await
        .unwrap()
        .1;
    let missing = lines
        .iter()
        .find(|l| l.line.admission_id == a)
        .unwrap()
        .line
        .id
        .to_string();
    // Without ticking "this is final" (a browser without JavaScript skips no dialog):
    // refused, nothing confirmed, the page says why.
    let page = clerk.get(&format!("/beds/roll-calls/{id}")).await;
    page.assert_contains(r#"name="final" value="yes" required"#);
    let r = clerk
        .post_form(
            &format!("/beds/roll-calls/{id}/confirm"),
            &[("missing", missing.as_str()), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("không sửa được");
    let r = clerk.get("/api/v1/roll-calls").await;
    assert_eq!(r.json()[0]["confirmed"], false);
    let r = clerk
        .post_form(
            &format!("/beds/roll-calls/{id}/confirm"),
            &[
                ("missing", missing.as_str()),
                ("note", "Trực ban: Đ/c Hùng"),
                ("final", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = clerk.get("/api/v1/roll-calls").await;
    assert_eq!(r.json()[0]["counts"]["missing"], 1);
    assert_eq!(r.json()[0]["confirmed"], true);
    // Final: a second confirmation is refused.
    let r = clerk
        .post_form(
            &format!("/beds/roll-calls/{id}/confirm"),
            &[("note", "lại"), ("final", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("đã được xác nhận");

    // The next day, a release shows as a departure.
    let r = clerk
        .post_form(
            &format!("/admissions/{c}/release"),
            &[("reason", "suspension"), ("released_on", "01/06/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    rehabops::beds::roll_call::take(
        app.db(),
        &rehabops::audit::Actor::system("test"),
        d(2025, 6, 2),
    )
    .await
    .unwrap();
    let r = clerk.get("/api/v1/roll-calls").await;
    let next = &r.json()[0];
    assert_eq!(next["day"], "2025-06-02");
    assert_eq!(next["counts"]["departures"], 1, "{next}");
    assert_eq!(next["counts"]["on_register"], 2);
}

#[tokio::test]
async fn forecast_on_a_fixed_data_set_and_the_history_chart() {
    let today = d(2025, 6, 1);
    let app = TestApp::centre_on(today).await;
    let mut director = app.login_as(Role::Director).await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    // Two residents admitted 02/03/2025 for 12 months: both stay through the horizon.
    admitted(
        &mut clerk,
        &app,
        "Người Một",
        "01/01/1990",
        "male",
        "001090000601",
        "compulsory_adult",
        "12",
    )
    .await;
    admitted(
        &mut clerk,
        &app,
        "Người Hai",
        "01/01/1990",
        "male",
        "001090000602",
        "compulsory_adult",
        "12",
    )
    .await;
    // Receiving capacity 5 from today.
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "01/06/2025"),
                ("design_scale", "10"),
                ("receiving_capacity", "5"),
                ("reason", "Thử"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // 2 arrive on 10/06 (4, within capacity), 3 more on 20/06 (7 > 5).
    let r = clerk
        .post_form(
            "/beds/planned-intakes",
            &[
                ("expected_on", "10/06/2025"),
                ("count", "2"),
                ("admission_type", "compulsory_adult"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = clerk
        .post_json(
            "/api/v1/planned-intakes",
            json!({ "expected_on": "20/06/2025", "count": "3", "admission_type": "voluntary", "note": "Hợp đồng" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A planned intake dated today is refused (it is either admitted or not).
    let r = clerk
        .post_form(
            "/beds/planned-intakes",
            &[
                ("expected_on", "01/06/2025"),
                ("count", "2"),
                ("admission_type", "voluntary"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ngày phải sau hôm nay");

    let f = clerk.get("/api/v1/occupancy/forecast").await.json();
    let days = f["days"].as_array().unwrap();
    assert_eq!(days.len(), 90);
    assert_eq!(days[0]["day"], "2025-06-02");
    assert_eq!(days[0]["occupancy"], 2);
    assert_eq!(f["first_over_capacity"]["day"], "2025-06-20");
    assert_eq!(f["first_over_capacity"]["occupancy"], 7);
    assert_eq!(f["first_over_capacity"]["receiving_capacity"], 5);
    let page = clerk.get("/beds/occupancy").await;
    page.assert_contains("Ngày 20/06/2025 số học viên dự kiến (7) vượt khả năng tiếp nhận.");
    page.assert_contains("<svg class=\"chart\"");
    page.assert_contains("Hợp đồng");

    // History: the page filled the last year from the records (366 days with today);
    // the two residents were admitted 02/03/2025.
    let days = occupancy_day::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(days, 366);
    let h = clerk.get("/api/v1/occupancy/history").await.json();
    let rows = h.as_array().unwrap();
    let on = |day: &str| rows.iter().find(|r| r["day"] == day).cloned().unwrap();
    assert_eq!(on("2025-03-01")["occupancy"], 0);
    assert_eq!(on("2025-03-02")["occupancy"], 2);
    assert_eq!(on("2025-03-02")["source"], "reconstructed");
    assert_eq!(on("2025-06-01")["source"], "live");
    assert_eq!(on("2025-06-01")["receiving_capacity"], 5);
    let csv = clerk.get("/beds/occupancy.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("02/03/2025,2,2"),
        "{}",
        &csv.body[..300.min(csv.body.len())]
    );

    // Cancelling a planned intake removes it from the forecast.
    let planned = rehabops::beds::history::planned_intakes(app.db(), today)
        .await
        .unwrap();
    let last = planned.iter().find(|p| p.count == 3).unwrap().id;
    let r = clerk
        .post_form(&format!("/beds/planned-intakes/{last}/cancel"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let f = clerk.get("/api/v1/occupancy/forecast").await.json();
    assert!(f["first_over_capacity"].is_null(), "{f}");
}

#[tokio::test]
async fn beds_api_matches_the_board_and_refuses_double_booking() {
    let app = TestApp::centre_on(d(2025, 6, 1)).await;
    let mut director = app.login_as(Role::Director).await;
    let beds = setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "2").await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let a = admitted(
        &mut clerk,
        &app,
        "Người Một",
        "01/01/1990",
        "male",
        "001090000701",
        "compulsory_adult",
        "12",
    )
    .await;
    let b = admitted(
        &mut clerk,
        &app,
        "Người Hai",
        "01/01/1990",
        "male",
        "001090000702",
        "compulsory_adult",
        "12",
    )
    .await;
    let s = clerk
        .get(&format!("/api/v1/admissions/{a}/bed/suggestions"))
        .await
        .json();
    assert_eq!(s.as_array().unwrap().len(), 2);
    let r = clerk
        .post_json(
            &format!("/api/v1/admissions/{a}/bed"),
            json!({ "bed_id": beds[0].to_string() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = clerk
        .post_json(
            &format!("/api/v1/admissions/{b}/bed"),
            json!({ "bed_id": beds[0].to_string() }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["bed_id"]
            .as_str()
            .unwrap()
            .contains("BB-NAM-P01-01")
    );
    let board = clerk.get("/api/v1/beds").await.json();
    assert_eq!(board[0]["used"], 1);
    assert_eq!(board[0]["free"], 1);
    assert_eq!(board[0]["by_type_and_sex"][0]["male"], 1);
    let r = clerk
        .post_json(
            &format!("/api/v1/beds/{}/state", beds[1]),
            json!({ "state": "out_of_service", "reason": "Sơn lại phòng", "permanent": "true" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "out_of_service");
    let r = clerk
        .post_json(&format!("/api/v1/admissions/{a}/bed/vacate"), json!({}))
        .await;
    assert_eq!(r.json()["vacated"], true);
    // The OpenAPI document lists the beds operations.
    let doc = clerk.get("/api/v1/openapi.json").await.json();
    for p in [
        "/api/v1/beds",
        "/api/v1/beds/{id}/swap",
        "/api/v1/occupancy/forecast",
        "/api/v1/roll-calls/{id}/confirm",
        "/api/v1/capacity",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
    }
    // The department has no beds.
    let dept = TestApp::department().await;
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    assert_eq!(
        monitor.get("/api/v1/beds").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The figure of the director's home page and the occupancy page's headline are one
/// figure: after each admission and release both say the same (the headline used to
/// lag by one until the hourly job rewrote today's line).
#[tokio::test]
async fn the_occupancy_headline_and_the_home_page_agree_after_each_change() {
    let app = TestApp::centre().await;
    let mut director = app.login_as(Role::Director).await;
    setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "3").await;
    // The first visit writes today's line.
    director.get("/beds/occupancy").await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    for (i, name) in ["Nguyễn Văn Một", "Trần Văn Hai"].iter().enumerate() {
        admitted(
            &mut clerk,
            &app,
            name,
            "01/01/1990",
            "male",
            &format!("00109000040{i}"),
            "compulsory_adult",
            "12",
        )
        .await;
        let home = director.get("/").await;
        let page = director.get("/beds/occupancy").await;
        let on_home = figure(&home.body, "Học viên đang quản lý");
        let headline = figure(&page.body, "Đang quản lý");
        assert_eq!(on_home, (i + 1).to_string());
        assert_eq!(headline, on_home, "after admission {}", i + 1);
    }
}

/// A capacity change effective today reaches every reader of today's figures at once:
/// the home page, the occupancy headline (and its percentage), the history CSV and the
/// history API (they used to keep the old capacity until the hourly job).
#[tokio::test]
async fn a_capacity_change_effective_today_shows_everywhere_at_once() {
    let today = d(2026, 12, 7);
    let app = TestApp::centre_on(today).await;
    let mut director = app.login_as(Role::Director).await;
    setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "3").await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    admitted(
        &mut clerk,
        &app,
        "Nguyễn Văn Một",
        "01/01/1990",
        "male",
        "001090000501",
        "compulsory_adult",
        "12",
    )
    .await;
    // Today's line is written with the capacity before the change.
    director.get("/beds/occupancy").await;
    let r = director
        .post_form(
            "/beds/capacity",
            &[
                ("effective_from", "07/12/2026"),
                ("design_scale", "50"),
                ("receiving_capacity", "40"),
                ("reason", "Nâng cấp khu nhà B"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let home = director.get("/").await;
    assert_eq!(figure(&home.body, "Khả năng tiếp nhận"), "40");
    assert_eq!(figure(&home.body, "Học viên đang quản lý"), "1");
    let page = director.get("/beds/occupancy").await;
    assert_eq!(figure(&page.body, "Khả năng tiếp nhận"), "40");
    assert_eq!(figure(&page.body, "Quy mô thiết kế"), "50");
    page.assert_contains("(2,5%)"); // 1 of 40
    let api = director.get("/api/v1/occupancy/history").await;
    let last = api
        .json()
        .as_array()
        .and_then(|a| a.last().cloned())
        .expect("a day");
    assert_eq!(last["day"], "2026-12-07");
    assert_eq!(last["receiving_capacity"], 40);
    assert_eq!(last["design_scale"], 50);
    assert_eq!(last["occupancy"], 1);
    let csv = director.get("/beds/occupancy.csv").await;
    let line = csv.body.lines().last().expect("a line");
    assert!(line.starts_with("07/12/2026,1,"), "{line}");
    assert!(line.contains(",50,40,"), "{line}");
}
