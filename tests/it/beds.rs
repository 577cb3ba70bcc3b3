//! Beds: structure set up by the director, assignment under the zone rules, director
//! override, no double booking under concurrent requests, release frees the bed.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{admission, audit_log, bed, bed_assignment, zone};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Client, TestApp};

pub async fn setup_zone(
    d: &mut Client<'_>,
    app: &TestApp,
    code: &str,
    kind: &str,
    sex: &str,
    beds: &str,
) -> Vec<i32> {
    let r = d
        .post_form(
            "/beds/zones",
            &[
                ("code", code),
                ("name", &format!("Khu {code}")),
                ("kind", kind),
                ("sex", sex),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let z = zone::Entity::find()
        .filter(zone::COLUMN.code.eq(code))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = d
        .post_form(
            "/beds/rooms",
            &[
                ("zone_id", &z.id.to_string()),
                ("code", "P01"),
                ("floor_area_m2", "24,5"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let room = rehabops::entities::room::Entity::find()
        .filter(rehabops::entities::room::COLUMN.zone_id.eq(z.id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = d
        .post_form(
            "/beds/beds",
            &[("room_id", &room.id.to_string()), ("count", beds)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    bed::Entity::find()
        .filter(bed::COLUMN.room_id.eq(room.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect()
}

pub async fn admitted(
    c: &mut Client<'_>,
    app: &TestApp,
    name: &str,
    dob: &str,
    sex: &str,
    id: &str,
    typ: &str,
    term: &str,
) -> i32 {
    let r = c
        .post_form(
            "/residents",
            &[
                ("full_name", name),
                ("date_of_birth", dob),
                ("sex", sex),
                ("id_kind", "cccd"),
                ("id_number", id),
                ("home_province", "Hà Nội"),
                ("home_commune", "Phường Hoàn Kiếm"),
            ],
        )
        .await;
    let rid: i32 = r
        .location()
        .unwrap()
        .trim_start_matches("/residents/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = c
        .post_form(
            &format!("/residents/{rid}/admissions"),
            &[
                ("admission_type", typ),
                ("document_number", "1/QĐ"),
                ("document_date", "01/03/2025"),
                ("issuing_body", "TAND"),
                ("admitted_on", "02/03/2025"),
                ("term_months", term),
                ("guardian_name", "Cha mẹ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(rid))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn zone_rules_override_and_release() {
    let app = TestApp::centre().await;
    let mut director = app.login_as(Role::Director).await;
    let male_beds = setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "3").await;
    let female_beds = setup_zone(&mut director, &app, "BB-NU", "compulsory", "female", "2").await;
    assert_eq!(male_beds.len(), 3);
    let board = director.get("/beds").await;
    board.assert_contains("BB-NAM-P01-01");
    board.assert_contains("0 đang sử dụng · 3 trống");

    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let man = admitted(
        &mut clerk,
        &app,
        "Nguyễn Văn Nam",
        "01/01/1990",
        "male",
        "001090000101",
        "compulsory_adult",
        "12",
    )
    .await;
    let woman = admitted(
        &mut clerk,
        &app,
        "Trần Thị Nữ",
        "01/01/1991",
        "female",
        "001191000102",
        "compulsory_adult",
        "12",
    )
    .await;
    let minor = admitted(
        &mut clerk,
        &app,
        "Lê Văn Nhỏ",
        "01/01/2010",
        "male",
        "001210000103",
        "compulsory_minor",
        "9",
    )
    .await;

    // The resident page offers only beds that fit: the man sees male beds only.
    let page = clerk.get("/residents/1").await;
    page.assert_contains("BB-NAM-P01-01");
    assert!(
        !page.body.contains("BB-NU-P01-01"),
        "no female-zone bed offered to a man"
    );

    // Right zone: accepted.
    let r = clerk
        .post_form(
            &format!("/admissions/{man}/bed"),
            &[("bed_id", &male_beds[0].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Wrong sex (L 73 Art 35.3) and a minor in an adult zone are refused.
    let r = clerk
        .post_form(
            &format!("/admissions/{woman}/bed"),
            &[("bed_id", &male_beds[1].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Khu này dành cho giới tính khác");
    let r = clerk
        .post_form(
            &format!("/admissions/{minor}/bed"),
            &[("bed_id", &male_beds[1].to_string())],
        )
        .await;
    r.assert_contains("Không bố trí người chưa thành niên vào khu người thành niên");
    // Only the director may override, with a reason.
    let r = clerk
        .post_form(
            &format!("/admissions/{minor}/bed"),
            &[
                ("bed_id", &male_beds[1].to_string()),
                ("override_reason", "tạm thời"),
            ],
        )
        .await;
    r.assert_contains("Chỉ Giám đốc được bố trí ngoài quy định.");
    let r = director
        .post_form(
            &format!("/admissions/{minor}/bed"),
            &[
                ("bed_id", &male_beds[1].to_string()),
                (
                    "override_reason",
                    "Khu chưa thành niên đang sửa chữa, bố trí tạm 3 ngày",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let overrides = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("bed.assign_override"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(overrides.len(), 1);
    assert!(overrides[0].summary.contains("sửa chữa"));
    // A taken bed is refused even to the director.
    let r = director
        .post_form(
            &format!("/admissions/{woman}/bed"),
            &[
                ("bed_id", &male_beds[0].to_string()),
                ("override_reason", "thử"),
            ],
        )
        .await;
    r.assert_contains("vừa có người khác được bố trí");
    let r = clerk
        .post_form(
            &format!("/admissions/{woman}/bed"),
            &[("bed_id", &female_beds[0].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Transfer: the man moves to another bed; his old bed becomes free.
    let r = clerk
        .post_form(
            &format!("/admissions/{man}/bed"),
            &[("bed_id", &male_beds[2].to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let open = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(open, 3);
    // Release frees the bed.
    let r = clerk
        .post_form(
            &format!("/admissions/{man}/release"),
            &[("reason", "completion"), ("released_on", "01/04/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let open = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(open, 2);
    let board = clerk.get("/beds").await;
    board.assert_contains("Trần Thị Nữ");
    assert!(!board.body.contains("Nguyễn Văn Nam"));
    // The print button is a link to the plan on paper (no JavaScript needed).
    board.assert_contains(r#"href="/beds/plan.pdf""#);
    let pdf = clerk.get("/beds/plan.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
    let doc = lopdf::Document::load_mem(&pdf.bytes).expect("a PDF");
    assert!(!doc.get_pages().is_empty());
    assert_eq!(
        clerk.get("/beds/plan.pdf?zone=NO-SUCH").await.status,
        StatusCode::NOT_FOUND
    );
    // A nurse sees the board but cannot assign.
    let mut nurse = app.login_as(Role::Nurse).await;
    assert_eq!(nurse.get("/beds").await.status, StatusCode::OK);
    assert_eq!(
        nurse
            .post_form(&format!("/admissions/{woman}/bed/vacate"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        clerk.get("/beds/setup").await.status,
        StatusCode::FORBIDDEN,
        "only the director sets up the structure"
    );
}

#[tokio::test]
async fn two_simultaneous_assignments_to_one_bed_one_wins() {
    let app = TestApp::centre().await;
    let mut director = app.login_as(Role::Director).await;
    let beds = setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "1").await;
    let mut c1 = app.login_as(Role::IntakeClerk).await;
    let a1 = admitted(
        &mut c1,
        &app,
        "Người Một",
        "01/01/1990",
        "male",
        "001090000201",
        "compulsory_adult",
        "12",
    )
    .await;
    let a2 = admitted(
        &mut c1,
        &app,
        "Người Hai",
        "01/01/1990",
        "male",
        "001090000202",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut c2 = app.login_as(Role::Director).await;
    let bed = beds[0].to_string();
    let (p1, p2) = (
        format!("/admissions/{a1}/bed"),
        format!("/admissions/{a2}/bed"),
    );
    let f1 = [("bed_id", bed.as_str())];
    let f2 = [("bed_id", bed.as_str())];
    let (r1, r2) = tokio::join!(c1.post_form(&p1, &f1), c2.post_form(&p2, &f2));
    let statuses = [r1.status, r2.status];
    assert!(statuses.contains(&StatusCode::SEE_OTHER), "{statuses:?}");
    assert!(
        statuses.contains(&StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    let loser = if r1.status == StatusCode::SEE_OTHER {
        r2
    } else {
        r1
    };
    loser.assert_contains("vừa có người khác được bố trí");
    let open = bed_assignment::Entity::find()
        .filter(bed_assignment::COLUMN.bed_id.eq(beds[0]))
        .filter(bed_assignment::COLUMN.to_at.is_null())
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(open, 1);
}

#[tokio::test]
async fn the_board_is_in_the_menu_of_those_who_may_see_it() {
    let app = TestApp::centre().await;
    let mut director = app.login_as(Role::Director).await;
    director.get("/").await.assert_contains(r#"href="/beds""#);
    let mut trainer = app.login_as(Role::VocationalTrainer).await;
    assert!(!trainer.get("/").await.body.contains(r#"href="/beds""#));
}
