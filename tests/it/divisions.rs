//! Home addresses against dated administrative names (NQ 1656/NQ-UBTVQH15, NQ
//! 202/2025/QH15): old names are accepted and say where they lie today, unknown names
//! are refused unless recorded as written, the after-care list goes to today's commune.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::resident;
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Client, TestApp};

fn person<'a>(
    name: &'a str,
    cccd: &'a str,
    province: &'a str,
    district: &'a str,
    commune: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("full_name", name),
        ("date_of_birth", "12/03/1990"),
        ("sex", "male"),
        ("id_kind", "cccd"),
        ("id_number", cccd),
        ("home_province", province),
        ("home_district", district),
        ("home_commune", commune),
        ("home_address", "Số 5"),
    ]
}

async fn register(c: &mut Client<'_>, fields: &[(&str, &str)]) -> i32 {
    let r = c.post_form("/residents", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .unwrap_or_default()
        .trim_start_matches("/residents/")
        .split(['/', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn stored(app: &TestApp, id: i32) -> resident::Model {
    resident::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn old_and_new_names_resolve_and_say_where_they_lie_today() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;

    // As on an old identity card: ward and district before 01/07/2025, no diacritics.
    let id = register(
        &mut c,
        &person(
            "Lê Văn Bạc",
            "001090000101",
            "tp ha noi",
            "q. hoan kiem",
            "p hang bac",
        ),
    )
    .await;
    let r = stored(&app, id).await;
    assert_eq!(
        (
            r.home_province.as_str(),
            r.home_district.as_str(),
            r.home_commune.as_str()
        ),
        ("Thành phố Hà Nội", "Quận Hoàn Kiếm", "Phường Hàng Bạc")
    );
    let unit = r.home_unit.clone().expect("resolved");
    assert!(unit.starts_with("01.002."), "{unit}");
    let page = c.get(&format!("/residents/{id}")).await;
    page.assert_contains("Nay thuộc: Phường Hoàn Kiếm");

    // A ward split in 2025 lists every ward it went into.
    let id = register(
        &mut c,
        &person(
            "Lê Văn Bông",
            "001090000102",
            "Hà Nội",
            "",
            "Phường Hàng Bông (Quận Hoàn Kiếm)",
        ),
    )
    .await;
    let page = c.get(&format!("/residents/{id}")).await;
    page.assert_contains("Nay thuộc một phần: Phường Hoàn Kiếm; Phường Cửa Nam");

    // Today's name: no note.
    let id = register(
        &mut c,
        &person(
            "Lê Văn Kiếm",
            "001090000103",
            "Hà Nội",
            "",
            "Phường Hoàn Kiếm",
        ),
    )
    .await;
    let r = stored(&app, id).await;
    assert_eq!(
        (r.home_district.as_str(), r.home_unit.as_deref()),
        ("", Some("01.00070"))
    );
    assert!(
        !c.get(&format!("/residents/{id}"))
            .await
            .body
            .contains("Nay thuộc")
    );

    // A former province: the commune is kept as typed, the province says where it went.
    let id = register(
        &mut c,
        &person(
            "Lê Văn Giang",
            "001090000104",
            "Hà Giang",
            "Huyện Đồng Văn",
            "Xã Lũng Cú",
        ),
    )
    .await;
    let r = stored(&app, id).await;
    assert_eq!(r.home_province, "Tỉnh Hà Giang");
    assert_eq!(r.home_commune, "Xã Lũng Cú");
    c.get(&format!("/residents/{id}"))
        .await
        .assert_contains("Nay thuộc: Tỉnh Tuyên Quang");
}

#[tokio::test]
async fn unknown_or_ambiguous_names_are_refused_unless_recorded_as_written() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let before = resident::Entity::find().count(app.db()).await.unwrap();

    // A typo: refused, with the name it probably is, and the form keeps what was typed.
    let r = c
        .post_form(
            "/residents",
            &person(
                "Trần Văn Typo",
                "001090000201",
                "Hà Nội",
                "",
                "Phuong Hang Bak",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(
        "Không có xã, phường này của Hà Nội trong danh mục. Có phải: Phường Hàng Bạc, Quận Hoàn Kiếm;",
    );
    r.assert_contains("value=\"Phuong Hang Bak\"");
    r.assert_contains("value=\"Trần Văn Typo\"");

    // Two communes fold to one name without diacritics: the clerk is asked which.
    let r = c
        .post_form(
            "/residents",
            &person(
                "Trần Văn Song",
                "001090000202",
                "Hà Nội",
                "",
                "xa song phuong",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(
        "Có nhiều đơn vị cùng tên: Xã Song Phượng, Huyện Đan Phượng; Xã Song Phương, Huyện Hoài Đức.",
    );

    // An unknown province.
    let r = c
        .post_form(
            "/residents",
            &person(
                "Trần Văn Tỉnh",
                "001090000203",
                "Hà Noi Cũ",
                "",
                "Xã Bất Kỳ",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không có tỉnh, thành phố này trong danh mục");
    assert_eq!(
        resident::Entity::find().count(app.db()).await.unwrap(),
        before
    );

    // A name from before the 2025 list (merged on 01/01/2025), recorded as written.
    let mut fields = person(
        "Trần Văn Cũ",
        "001090000204",
        "Hà Nội",
        "Đống Đa",
        "Phường Trung Tự",
    );
    fields.push(("home_unlisted", "true"));
    let id = register(&mut c, &fields).await;
    let r = stored(&app, id).await;
    assert_eq!(
        (r.home_commune.as_str(), r.home_unit.as_deref()),
        ("Phường Trung Tự", None)
    );
    c.get(&format!("/residents/{id}"))
        .await
        .assert_contains("Ghi nguyên văn, không có trong danh mục");

    // The same messages in English, and through the JSON API.
    let mut en = app.login_as(Role::IntakeClerk).await;
    en.post_form("/lang", &[("lang", "en"), ("back", "/")])
        .await;
    let r = en
        .post_json(
            "/api/v1/residents",
            serde_json::json!({
                "full_name": "Trần Văn Api", "date_of_birth": "12/03/1990", "sex": "male",
                "id_kind": "cccd", "id_number": "001090000205",
                "home_province": "Hà Nội", "home_commune": "Phuong Hang Bak"
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.assert_contains("This commune or ward of Hà Nội is not in the list");
}

#[tokio::test]
async fn the_aftercare_list_goes_to_todays_commune() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let people = [
        (
            "Phạm Văn Một",
            "001090000301",
            "Hoàn Kiếm",
            "Phường Hàng Bạc",
        ),
        ("Phạm Văn Hai", "001090000302", "", "Phường Hoàn Kiếm"),
        (
            "Phạm Văn Ba",
            "001090000303",
            "Hoàn Kiếm",
            "Phường Hàng Bông",
        ),
    ];
    for (name, cccd, district, commune) in people {
        let id = register(&mut c, &person(name, cccd, "Hà Nội", district, commune)).await;
        let r = c
            .post_form(
                &format!("/residents/{id}/admissions"),
                &[
                    ("admission_type", "compulsory_adult"),
                    ("document_number", "15/2025/QĐ-TA"),
                    ("document_date", "05/01/2025"),
                    ("issuing_body", "TAND quận Hoàn Kiếm"),
                    ("admitted_on", "10/01/2025"),
                    ("term_months", "12"),
                    ("zone", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let a = rehabops::entities::admission::Entity::find()
            .filter(rehabops::entities::admission::COLUMN.resident_id.eq(id))
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        let r = c
            .post_form(
                &format!("/admissions/{}/release", a.id),
                &[
                    ("reason", "completion"),
                    ("released_on", "10/01/2026"),
                    ("document_ref", "GCN-1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = c.get("/aftercare?from=01/01/2026&to=31/01/2026").await;
    let body = &page.body;
    // Hàng Bạc (former) and Hoàn Kiếm (today) are one list for the ward police.
    let heading = "<h2 class=\"group-heading\">Phường Hoàn Kiếm, Thành phố Hà Nội</h2>";
    assert_eq!(body.matches(heading).count(), 1, "{body}");
    let group = body
        .split(heading)
        .nth(1)
        .unwrap()
        .split("<h2")
        .next()
        .unwrap();
    assert!(
        group.contains("Phạm Văn Một") && group.contains("Phạm Văn Hai"),
        "{group}"
    );
    assert!(
        group.contains("Số 5, Phường Hàng Bạc, Quận Hoàn Kiếm"),
        "{group}"
    );
    // The split ward stays under its recorded name with the wards it went into.
    page.assert_contains("Phường Hàng Bông, Quận Hoàn Kiếm, Thành phố Hà Nội</h2>");
    page.assert_contains("Nay thuộc một phần: Phường Hoàn Kiếm; Phường Cửa Nam");
    let csv = c.get("/aftercare.csv?from=01/01/2026&to=31/01/2026").await;
    assert!(
        csv.body.contains("\"Phường Hàng Bông, Quận Hoàn Kiếm, Thành phố Hà Nội (Nay thuộc một phần: Phường Hoàn Kiếm; Phường Cửa Nam (xác định theo địa chỉ cụ thể))\""),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn the_reference_page_and_api() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::LabourSupervisor).await;
    let page = c.get("/divisions").await;
    assert_eq!(page.status, StatusCode::OK);
    // Today's 126 communes with what they were formed from, and the 34 provinces.
    assert_eq!(page.body.matches("Hình thành từ:").count(), 126);
    assert_eq!(page.body.matches("<tr><th scope=\"row\">").count(), 34);
    page.assert_contains("Phường Hàng Bạc, Quận Hoàn Kiếm");
    page.assert_contains("Tỉnh Hà Giang");
    let found = c.get("/divisions?q=hang+bong").await;
    found.assert_contains("Phường Hàng Bông, Quận Hoàn Kiếm");
    found.assert_contains("Nay thuộc:");
    found.assert_contains("một phần, khoản 1");
    found.assert_contains("một phần, khoản 2");

    let r = c
        .get("/api/v1/divisions/resolve?province=H%C3%A0+N%E1%BB%99i&district=Ho%C3%A0n+Ki%E1%BA%BFm&commune=H%C3%A0ng+B%C3%B4ng")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["commune"], "Phường Hàng Bông");
    assert_eq!(
        v["today"],
        serde_json::json!(["Phường Hoàn Kiếm", "Phường Cửa Nam"])
    );
    let r = c
        .get("/api/v1/divisions/resolve?province=Atlantis&commune=x")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.get("/api/v1/divisions?q=son+dong").await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(v.as_array().unwrap().len() >= 2, "{v}");

    // Reference data only: anyone signed in; nobody else.
    let anon = app.client().get("/divisions").await;
    assert!(anon.location().is_some_and(|l| l.starts_with("/login")));
}

#[tokio::test]
async fn the_current_residence_is_the_permanent_one_unless_given() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    // Left empty: as the permanent residence.
    let id = register(
        &mut c,
        &person(
            "Đỗ Văn Nhà",
            "001090000401",
            "Hà Nội",
            "Hoàn Kiếm",
            "Hàng Bạc",
        ),
    )
    .await;
    let r = stored(&app, id).await;
    assert_eq!(r.current_address, r.home_address, "the street too");
    assert_eq!(
        (r.current_commune.as_str(), r.current_unit.as_deref()),
        (r.home_commune.as_str(), r.home_unit.as_deref())
    );
    // Given: resolved on its own, errors on its own fields.
    let mut fields = person(
        "Đỗ Văn Trọ",
        "001090000402",
        "Hà Nội",
        "Hoàn Kiếm",
        "Hàng Bạc",
    );
    fields.extend([
        ("current_province", "Hà Nội"),
        ("current_commune", "Phuong Hang Bak"),
        ("current_address", "Phòng trọ số 2"),
    ]);
    let r = c.post_form("/residents", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("id=\"f-current_commune-error\"");
    assert!(!r.body.contains("id=\"f-home_commune-error\""));
    r.assert_contains("value=\"Phòng trọ số 2\"");
    let fields: Vec<(&str, &str)> = fields
        .into_iter()
        .map(|(k, v)| {
            if k == "current_commune" {
                (k, "Phường Láng")
            } else {
                (k, v)
            }
        })
        .collect();
    let id = register(&mut c, &fields).await;
    let r = stored(&app, id).await;
    assert_eq!(r.current_commune, "Phường Láng");
    assert_eq!(r.home_commune, "Phường Hàng Bạc");
    let page = c.get(&format!("/residents/{id}")).await;
    page.assert_contains("Phòng trọ số 2, Phường Láng, Thành phố Hà Nội");
    let api = c.get(&format!("/api/v1/residents/{id}")).await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["resident"]["current_commune"], "Phường Láng");
    // Today's ward: a key without a district.
    let unit = v["resident"]["current_unit"].as_str().unwrap();
    assert!(
        unit.starts_with("01.") && unit.split('.').count() == 2,
        "{unit}"
    );
}

#[tokio::test]
async fn an_address_change_is_checked_reasoned_and_audited() {
    use rehabops::entities::audit_log;
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person(
            "Vũ Văn Chuyển",
            "001090000501",
            "Hà Nội",
            "Hoàn Kiếm",
            "Hàng Bạc",
        ),
    )
    .await;
    let page = c.get(&format!("/residents/{id}/address")).await;
    assert_eq!(page.status, StatusCode::OK);
    // A former ward carries its district in the commune field, so picking today's
    // name there leaves no stale district behind.
    page.assert_contains("value=\"Phường Hàng Bạc (Quận Hoàn Kiếm)\"");
    page.assert_contains("id=\"f-home_district\" name=\"home_district\" type=\"text\" value=\"\"");
    page.assert_contains("<datalist id=\"commune-names\">");
    let url = format!("/residents/{id}/address");
    let mut fields = vec![
        ("home_province", "Thành phố Hà Nội"),
        ("home_district", "Quận Hoàn Kiếm"),
        ("home_commune", "Phường Hàng Bạc"),
        ("home_address", "Số 5"),
        ("current_province", "Hà Nội"),
        ("current_commune", "Xã Sóc Sơn"),
        ("current_address", "Thôn Đông"),
    ];
    // No reason: refused, what was typed kept, nothing written.
    let r = c.post_form(&url, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("id=\"f-reason-error\"");
    r.assert_contains("value=\"Thôn Đông\"");
    assert_eq!(stored(&app, id).await.current_commune, "Phường Hàng Bạc");

    fields.push(("reason", "Gia đình chuyển về Sóc Sơn"));
    let r = c.post_form(&url, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = stored(&app, id).await;
    assert_eq!(
        (
            after.current_commune.as_str(),
            after.current_address.as_str()
        ),
        ("Xã Sóc Sơn", "Thôn Đông")
    );
    assert_eq!(after.home_commune, "Phường Hàng Bạc");
    let audit = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("resident.address_change"))
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    let summary = audit.summary;
    assert!(
        summary.contains("Hàng Bạc")
            && summary.contains("Xã Sóc Sơn")
            && summary.contains("chuyển về"),
        "{summary}"
    );
    // The same again changes nothing and is refused.
    let r = c.post_form(&url, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Địa chỉ không thay đổi");
    // Roles that may not manage admissions cannot change it.
    let mut doctor = app.login_as(Role::Doctor).await;
    assert_eq!(
        doctor.post_form(&url, &fields).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_address_api_has_the_same_rules() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Vũ Văn Api", "001090000601", "Hà Nội", "", "Phường Láng"),
    )
    .await;
    let url = format!("/api/v1/residents/{id}/address");
    let body = |reason: &str, commune: &str| {
        serde_json::json!({
            "home_province": "Hà Nội", "home_commune": commune, "home_address": "Ngõ 1",
            "reason": reason
        })
    };
    let r = c.post_json(&url, body("", "Phường Láng")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.post_json(&url, body("Ghi sai", "Phuong Hang Bak")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Phường Hàng Bạc, Quận Hoàn Kiếm");
    let r = c.post_json(&url, body("Ghi sai", "Phường Ô Chợ Dừa")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["home_commune"], "Phường Ô Chợ Dừa");
    assert_eq!(v["current_commune"], "Phường Ô Chợ Dừa");
}

#[tokio::test]
async fn records_from_before_addresses_were_resolved_are_resolved_at_start() {
    use rehabops::entities::audit_log;
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).await;
    let legacy = |code: &str, id_number: &str, district: &str, commune: &str, current: &str| {
        resident::ActiveModel {
            code: Set(code.into()),
            full_name: Set("Hồ Văn Cũ".into()),
            name_search: Set("ho van cu".into()),
            date_of_birth: Set(chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()),
            sex: Set("male".into()),
            id_kind: Set("cccd".into()),
            id_number: Set(id_number.into()),
            home_province: Set("Hà Nội".into()),
            home_district: Set(district.into()),
            home_commune: Set(commune.into()),
            home_unit: Set(None),
            home_address: Set("Số 1".into()),
            current_address: Set(current.into()),
            current_province: Set(String::new()),
            current_district: Set(String::new()),
            current_commune: Set(String::new()),
            current_unit: Set(None),
            family_contact: Set(String::new()),
            substances: Set(String::new()),
            education: Set(String::new()),
            occupation: Set(String::new()),
            created_at: Set(chrono::Utc::now()),
            created_by: Set(None),
            ..Default::default()
        }
    };
    let a = legacy("L-1", "001090000701", "Hoàn Kiếm", "Hàng Bạc", "")
        .insert(app.db())
        .await
        .unwrap();
    let b = legacy(
        "L-2",
        "001090000702",
        "Đống Đa",
        "Trung Tự",
        "Phòng 3, ngõ 5",
    )
    .insert(app.db())
    .await
    .unwrap();
    // A restart does it (the centre's start-up).
    rehabops::app::prepare_with(&app.state.cfg, app.db().clone())
        .await
        .unwrap();
    let a = stored(&app, a.id).await;
    assert_eq!(
        (a.home_commune.as_str(), a.home_district.as_str()),
        ("Phường Hàng Bạc", "Quận Hoàn Kiếm")
    );
    assert!(a.home_unit.is_some());
    // No current residence recorded: it is the permanent one, street included.
    assert_eq!(
        (
            a.current_commune.as_str(),
            a.current_address.as_str(),
            a.current_unit.clone()
        ),
        ("Phường Hàng Bạc", "Số 1", a.home_unit.clone())
    );
    // A name abolished before the list stays as written; a free-text current address stays.
    let b = stored(&app, b.id).await;
    assert_eq!(
        (b.home_commune.as_str(), b.home_unit.as_deref()),
        ("Trung Tự", None)
    );
    assert_eq!(
        (b.current_address.as_str(), b.current_commune.as_str()),
        ("Phòng 3, ngõ 5", "")
    );
    let audit = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("resident.addresses_resolved"))
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    assert!(
        audit.summary.contains("\"L-1\"") && !audit.summary.contains("L-2"),
        "{}",
        audit.summary
    );
    // Run again: nothing left to do (the one kept as written has nothing that resolves).
    assert_eq!(
        rehabops::intake::store::resolve_recorded_addresses(app.db())
            .await
            .unwrap(),
        0
    );
    // The page of the one kept as written says so.
    let mut c = app.login_as(Role::IntakeClerk).await;
    c.get(&format!("/residents/{}", b.id))
        .await
        .assert_contains("Ghi nguyên văn");
}

#[tokio::test]
async fn a_free_text_current_address_from_an_older_client_stays_as_sent() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let r = c
        .post_json(
            "/api/v1/residents",
            serde_json::json!({
                "full_name": "Trần Văn Cũ", "date_of_birth": "12/03/1990", "sex": "male",
                "id_kind": "cccd", "id_number": "001090000801",
                "home_province": "Hà Nội", "home_commune": "Phường Láng",
                "current_address": "Thôn 2, xã Y, tỉnh W"
            }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["resident"]["current_address"], "Thôn 2, xã Y, tỉnh W");
    assert_eq!(v["resident"]["current_commune"], "");
    assert_eq!(v["resident"]["current_unit"], serde_json::Value::Null);
}
