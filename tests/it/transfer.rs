//! Transfer between two running centre instances carrying the record: CS01 releases a
//! resident to CS02 and issues a signed package; CS02 checks the signature against
//! CS01's key published by the department and admits the person with the days served.

use axum::http::StatusCode;
use rehabops::audit::Actor;
use rehabops::auth::Role;
use rehabops::config::InstanceKind;
use rehabops::entities::admission;
use rehabops::summary::signing;
use sea_orm::{EntityTrait, QueryFilter};

use crate::helpers::{TestApp, test_config};

#[tokio::test]
async fn a_transfer_carries_the_record_and_is_received_once() {
    let dept = TestApp::department().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dept_url = format!("http://{}", listener.local_addr().unwrap());
    let server = dept.serve_on(listener).await;
    let cs01 = TestApp::centre().await;
    let mut cfg = test_config(InstanceKind::Centre);
    cfg.centre = Some("CS02".into());
    cfg.department_url = Some(dept_url.clone());
    let cs02 = TestApp::spawn_with(cfg).await;
    let key01 = &cs01.state.delivery.as_ref().unwrap().key;
    rehabops::department::keys::register(
        dept.db(),
        &Actor::system("test"),
        "CS01",
        &signing::public_key_b64(key01),
    )
    .await
    .unwrap();

    // At CS01: admitted 02/03/2025 for 12 months, escaped 10 days, transferred 01/06/2025.
    let mut a = cs01.login_as(Role::IntakeClerk).await;
    let r = a
        .post_form(
            "/residents",
            &[
                ("full_name", "Đỗ Văn Chuyển"),
                ("date_of_birth", "01/01/1990"),
                ("sex", "male"),
                ("id_kind", "cccd"),
                ("id_number", "001090000888"),
                ("home_province", "Hà Nội"),
                ("home_commune", "Phường Hoàn Kiếm"),
            ],
        )
        .await;
    let rid: i32 = r
        .location()
        .unwrap()
        .trim_start_matches("/residents/")
        .split(['/', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = a
        .post_form(
            &format!("/residents/{rid}/admissions"),
            &[
                ("admission_type", "compulsory_adult"),
                ("document_number", "12/2025/QĐ-TA"),
                ("document_date", "01/03/2025"),
                ("issuing_body", "TAND huyện Ba Vì"),
                ("admitted_on", "02/03/2025"),
                ("term_months", "12"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let adm = admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(rid))
        .one(cs01.db())
        .await
        .unwrap()
        .unwrap();
    for (kind, on) in [("escape", "10/04/2025"), ("escape_return", "20/04/2025")] {
        let r = a
            .post_form(
                &format!("/admissions/{}/events", adm.id),
                &[("kind", kind), ("occurred_on", on)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // The doctor's record travels too: a stage, a restriction and a medical flag.
    let mut doctor = cs01.login_as(Role::Doctor).await;
    let base = format!("/treatment/admissions/{}", adm.id);
    for (url, fields) in [
        (
            format!("{base}/stage"),
            vec![("stage", "2"), ("entered_on", "05/03/2025"), ("note", "")],
        ),
        (
            format!("{base}/restrictions"),
            vec![
                ("activity", "labour"),
                ("starts_on", "10/05/2025"),
                ("ends_on", ""),
                ("reason", "Thoát vị đĩa đệm"),
            ],
        ),
        (
            format!("{base}/chart/flags"),
            vec![
                ("kind", "infectious"),
                ("detail", "Lao phổi"),
                ("isolation", "yes"),
                ("starts_on", "12/05/2025"),
            ],
        ),
    ] {
        let r = doctor.post_form(&url, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{url}: {}", r.body);
    }
    let expected_end_at_cs01 = admission::Entity::find_by_id(adm.id)
        .one(cs01.db())
        .await
        .unwrap()
        .unwrap()
        .expected_end;
    let r = a
        .post_form(
            &format!("/admissions/{}/release", adm.id),
            &[
                ("reason", "transfer_centre"),
                ("released_on", "01/06/2025"),
                ("to_centre", "CS02"),
                ("document_ref", "45/QĐ-CS"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    a.get(&format!("/residents/{rid}"))
        .await
        .assert_contains("Tải hồ sơ chuyển");
    let pkg = a
        .get(&format!("/admissions/{}/transfer-package", adm.id))
        .await;
    assert_eq!(pkg.status, StatusCode::OK);
    assert_eq!(
        pkg.headers.get("cache-control").unwrap(),
        "private, no-store"
    );
    let file = pkg.body.clone();
    // The package is carried by the desk: no diagnosis, no restriction reason in it.
    assert!(!file.contains("Lao phổi") && !file.contains("Thoát vị"));

    // CS01 cannot receive its own package: it is addressed to CS02.
    let r = a.post_file("/transfers", file.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("chuyển đến cơ sở CS02, không phải cơ sở này");

    // At CS02: a tampered file is refused, nothing is written.
    let mut b = cs02.login_as(Role::IntakeClerk).await;
    let tampered = file.replace("Đỗ Văn Chuyển", "Đỗ Văn Khác");
    assert_ne!(tampered, file);
    let r = b.post_file("/transfers", tampered.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Chữ ký không khớp");
    assert_eq!(
        admission::Entity::find()
            .all(cs02.db())
            .await
            .unwrap()
            .len(),
        0
    );

    // The genuine file: the person is registered and admitted, time served credited.
    let r = b.post_file("/transfers", file.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let got = admission::Entity::find()
        .one(cs02.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.from_centre.as_deref(), Some("CS01"));
    assert_eq!(
        got.admitted_on,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    );
    // 02/03 → 01/06 is 91 days, less 10 days escaped.
    assert_eq!(got.temp_days, 81);
    assert_eq!(got.expected_end, expected_end_at_cs01);
    assert_eq!(got.document_number, "12/2025/QĐ-TA");
    assert_eq!(got.status, "active");
    let page = b.get(r.location().unwrap()).await;
    page.assert_contains("Đỗ Văn Chuyển");
    page.assert_contains("chuyển từ CS01");
    // The medical part arrived with it, marked with the sending centre.
    let mut receiving_doctor = cs02.login_as(Role::Doctor).await;
    let record = receiving_doctor
        .get(&format!("/treatment/admissions/{}", got.id))
        .await;
    record.assert_contains("05/03/2025");
    record.assert_contains("(CS01)");
    assert!(got.infectious, "isolation travels, the diagnosis does not");
    receiving_doctor
        .get(&format!("/treatment/admissions/{}/chart", got.id))
        .await
        .assert_contains("Cần cách ly");

    // Received once.
    let r = b.post_file("/transfers", file.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("đã được tiếp nhận");
    // The same through the API: one transfer, one id, however often it is downloaded.
    let api_pkg = a
        .get(&format!("/api/v1/admissions/{}/transfer-package", adm.id))
        .await
        .json();
    assert!(api_pkg["signature"].is_string() && api_pkg["body"].is_string());
    let r = b.post_json("/api/v1/transfers", api_pkg).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["fields"]["file"]
            .as_str()
            .unwrap()
            .contains("đã được tiếp nhận")
    );
    // Only intake staff receive transfers.
    let mut nurse = cs02.login_as(Role::Nurse).await;
    assert_eq!(nurse.get("/transfers").await.status, StatusCode::FORBIDDEN);
    server.abort();

    // A centre that cannot reach the department cannot check the signature.
    let mut cfg = test_config(InstanceKind::Centre);
    cfg.centre = Some("CS02".into());
    let isolated = TestApp::spawn_with(cfg).await;
    let mut c = isolated.login_as(Role::IntakeClerk).await;
    let r = c.post_file("/transfers", file.as_bytes(), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không lấy được khóa công khai của cơ sở CS01");
}
