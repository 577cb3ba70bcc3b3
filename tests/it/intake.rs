//! Intake end to end through the router: registration, admissions of each type, movements,
//! the expected release date, releases, lists, the after-care export and the JSON API.
//! Rules are cited as in ../shared/domain.md §10.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{admission, audit_log, resident};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Client, TestApp};

fn person<'a>(
    name: &'a str,
    dob: &'a str,
    sex: &'a str,
    cccd: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("full_name", name),
        ("date_of_birth", dob),
        ("sex", sex),
        ("id_kind", "cccd"),
        ("id_number", cccd),
        ("home_province", "Hà Nội"),
        ("home_district", "Ba Vì"),
        ("home_commune", "Xã Tản Lĩnh"),
        ("home_address", "Thôn 3"),
        ("family_contact", "Mẹ: 0912 345 678"),
        ("substances", "Heroin"),
    ]
}

/// Registers and returns the resident id.
async fn register(c: &mut Client<'_>, fields: &[(&str, &str)]) -> i32 {
    let r = c.post_form("/residents", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().unwrap_or_default().to_owned();
    loc.trim_start_matches("/residents/")
        .split(['/', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn admit(c: &mut Client<'_>, id: i32, fields: &[(&str, &str)]) -> crate::helpers::Resp {
    c.post_form(&format!("/residents/{id}/admissions"), fields)
        .await
}

fn compulsory(
    decision: &'static str,
    admitted: &'static str,
    term: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("admission_type", "compulsory_adult"),
        ("document_number", "15/2025/QĐ-TA"),
        ("document_date", decision),
        ("issuing_body", "TAND huyện Ba Vì"),
        ("admitted_on", admitted),
        ("term_months", term),
        // As the page sends it: the zone comes from the bed.
        ("zone", ""),
        ("health_on_arrival", "Tỉnh táo"),
        ("documents_received", "Quyết định, lý lịch tóm tắt"),
        ("belongings", "1 điện thoại"),
    ]
}

async fn active_admission(app: &TestApp, resident_id: i32) -> admission::Model {
    admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(resident_id))
        .filter(admission::COLUMN.status.eq("active"))
        .one(app.db())
        .await
        .unwrap()
        .expect("active admission")
}

#[tokio::test]
async fn register_admit_search_and_see_the_expected_release_date() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Nguyễn Văn An", "04/03/1990", "male", "001090012345"),
    )
    .await;
    let r = admit(&mut c, id, &compulsory("05/01/2025", "10/01/2025", "12")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.get(&format!("/residents/{id}")).await;
    page.assert_contains("Cai nghiện bắt buộc (người thành niên)");
    page.assert_contains("10/01/2026"); // 10/01/2025 + 12 months
    page.assert_contains("L73_2021");
    page.assert_contains(r#"aria-current="step""#); // stage 1 of the five-stage process

    // Search ignores diacritics and case.
    let list = c.get("/residents?q=nguyen+van+an").await;
    list.assert_contains("Nguyễn Văn An");
    list.assert_contains("CS01-");
    let list = c.get("/residents?q=NGUYỄN").await;
    list.assert_contains("Nguyễn Văn An");
    let none = c.get("/residents?q=tran").await;
    assert!(!none.body.contains(">Nguyễn Văn An</a>"), "{}", none.body);
    // By identity number.
    c.get("/residents?q=001090012345")
        .await
        .assert_contains("Nguyễn Văn An");

    // Audited with who and what.
    let rows = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("admission.create"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].username, "intake_clerk");
    assert!(rows[0].summary.contains("15/2025/QĐ-TA"));
}

#[tokio::test]
async fn one_person_one_record() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Trần Văn Bình", "01/01/1985", "male", "001085000111"),
    )
    .await;
    let r = c
        .post_form(
            "/residents",
            &person(
                "Tran Van Binh (typed again)",
                "01/01/1985",
                "male",
                "001 085 000 111",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        Some(format!("/residents/{id}?ok=resident_exists").as_str())
    );
    assert_eq!(resident::Entity::find().count(app.db()).await.unwrap(), 1);
    c.get(&format!("/residents/{id}?ok=resident_exists"))
        .await
        .assert_contains("đã có trong hệ thống");
}

#[tokio::test]
async fn bad_registrations_keep_what_was_typed_and_write_nothing() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    // Future birth date.
    let r = c
        .post_form(
            "/residents",
            &person("Lê Văn Cường", "01/01/2099", "male", "001099000111"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ngày sinh không thể ở tương lai.");
    r.assert_contains(r#"value="Lê Văn Cường""#);
    r.assert_contains(r#"value="01/01/2099""#);
    // Under 12 (Luật PCMT 73/2021 Đ.33; NĐ 116/2021 Đ.35).
    let r = c
        .post_form(
            "/residents",
            &person("Lê Văn Cường", "01/01/2020", "male", "001220000111"),
        )
        .await;
    r.assert_contains("Người dưới 12 tuổi không thuộc diện tiếp nhận");
    // Impossible date.
    let r = c
        .post_form(
            "/residents",
            &person("Lê Văn Cường", "31/02/1990", "male", "001090000111"),
        )
        .await;
    r.assert_contains("dd/mm/yyyy");
    // A CCCD that contradicts the birth year.
    let r = c
        .post_form(
            "/residents",
            &person("Lê Văn Cường", "01/01/1991", "male", "001090000111"),
        )
        .await;
    r.assert_contains("năm sinh 1990");
    assert_eq!(resident::Entity::find().count(app.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn admission_rules_are_enforced_with_messages_naming_the_rule() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Phạm Văn Dũng", "10/10/1988", "male", "001088004567"),
    )
    .await;
    // Rule 1: term outside 12–24 months under Law 73/2021.
    let r = admit(&mut c, id, &compulsory("05/01/2025", "10/01/2025", "30")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Thời hạn 30 tháng nằm ngoài khung 12–24 tháng theo Luật PCMT 73/2021");
    r.assert_contains(r#"value="15/2025/QĐ-TA""#);
    // Law 120/2025 from 01/07/2026: 24 months for a first rehabilitation.
    let r = admit(&mut c, id, &compulsory("01/07/2026", "02/07/2026", "18")).await;
    r.assert_contains("24–24 tháng theo Luật PCMT 120/2025");
    // Release date before admission is refused; then admit properly.
    let r = admit(&mut c, id, &compulsory("01/07/2026", "02/07/2026", "24")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A second active admission is refused.
    let r = admit(&mut c, id, &compulsory("01/07/2026", "02/07/2026", "24")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("đang có một lần tiếp nhận chưa chấm dứt");
    assert_eq!(admission::Entity::find().count(app.db()).await.unwrap(), 1);
    let a = active_admission(&app, id).await;
    let r = c
        .post_form(
            &format!("/admissions/{}/release", a.id),
            &[("reason", "completion"), ("released_on", "01/07/2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ngày chấm dứt không thể trước ngày tiếp nhận (02/07/2026).");
    // Transfer to an unknown centre.
    let r = c
        .post_form(
            &format!("/admissions/{}/release", a.id),
            &[
                ("reason", "transfer_centre"),
                ("released_on", "03/07/2026"),
                ("to_centre", "CS99"),
            ],
        )
        .await;
    r.assert_contains("Không có cơ sở cai nghiện mã CS99.");
    assert_eq!(active_admission(&app, id).await.status, "active");
}

#[tokio::test]
async fn every_admission_type_can_be_admitted() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    // Compulsory minor: guardian required (rule 2).
    let minor = register(
        &mut c,
        &person("Đỗ Minh Em", "15/08/2009", "male", "001209001234"),
    )
    .await;
    let mut f = vec![
        ("admission_type", "compulsory_minor"),
        ("document_number", "3/2025/QĐ-TA"),
        ("document_date", "01/06/2025"),
        ("issuing_body", "TAND huyện Sóc Sơn"),
        ("admitted_on", "05/06/2025"),
        ("term_months", "9"),
    ];
    let r = admit(&mut c, minor, &f).await;
    r.assert_contains("Người dưới 18 tuổi phải có cha mẹ");
    f.push(("guardian_name", "Đỗ Văn Phú (bố)"));
    assert_eq!(admit(&mut c, minor, &f).await.status, StatusCode::SEE_OTHER);

    // Voluntary under Law 73: 6–12 months by contract.
    let vol = register(
        &mut c,
        &person("Hoàng Thị Giang", "20/02/1995", "female", "001195007654"),
    )
    .await;
    let r = admit(
        &mut c,
        vol,
        &[
            ("admission_type", "voluntary"),
            ("document_number", "HĐ-12/2025"),
            ("document_date", "01/03/2025"),
            ("admitted_on", "01/03/2025"),
            ("term_months", "6"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Temporary management, then the compulsory admission deducts the days at the centre.
    let tmp = register(
        &mut c,
        &person("Vũ Văn Hải", "12/12/1980", "male", "001080009876"),
    )
    .await;
    let r = admit(
        &mut c,
        tmp,
        &[
            ("admission_type", "temporary"),
            ("document_number", "QĐ 7/QL"),
            ("document_date", "01/02/2025"),
            ("admitted_on", "01/02/2025"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = active_admission(&app, tmp).await;
    assert_eq!(a.expected_end, None);
    let r = c
        .post_form(
            &format!("/admissions/{}/release", a.id),
            &[("reason", "temporary_ended"), ("released_on", "21/02/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admit(&mut c, tmp, &compulsory("20/02/2025", "21/02/2025", "12")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = active_admission(&app, tmp).await;
    assert_eq!(
        a.temp_days, 20,
        "N116 Art 44.3: time in temporary management is deducted"
    );
    assert_eq!(
        a.expected_end.map(|d| d.to_string()),
        Some("2026-02-01".into())
    );

    // Addiction-status determination: result due in 5 days (TT18 Art 5.2).
    let det = register(
        &mut c,
        &person("Bùi Văn Khoa", "01/05/1999", "male", "001099005555"),
    )
    .await;
    let r = admit(
        &mut c,
        det,
        &[
            ("admission_type", "determination"),
            ("document_number", "YC-1"),
            ("document_date", "10/11/2026"),
            ("admitted_on", "20/11/2026"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        active_admission(&app, det)
            .await
            .expected_end
            .map(|d| d.to_string()),
        Some("2026-11-25".into())
    );

    let list = c.get("/residents?admission_type=voluntary").await;
    list.assert_contains("Hoàng Thị Giang");
    assert!(!list.body.contains("Đỗ Minh Em"));
    c.get("/residents?minors=true")
        .await
        .assert_contains("Đỗ Minh Em");
    c.get("/residents?sex=female")
        .await
        .assert_contains("Hoàng Thị Giang");
}

#[tokio::test]
async fn escape_return_reduction_and_release_move_the_dates() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Ngô Văn Lâm", "02/02/1983", "male", "001083002222"),
    )
    .await;
    assert_eq!(
        admit(&mut c, id, &compulsory("05/01/2025", "10/01/2025", "12"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let a = active_admission(&app, id).await;
    let ev = format!("/admissions/{}/events", a.id);

    // Escape is a status, not a release (rule 8); escape days do not count (rule 4).
    assert_eq!(
        c.post_form(
            &ev,
            &[
                ("kind", "escape"),
                ("occurred_on", "01/03/2025"),
                ("occurred_time", "21:15")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let a2 = active_admission(&app, id).await;
    assert_eq!(
        (a2.status.as_str(), a2.presence.as_str()),
        ("active", "escaped")
    );
    // An escaped resident cannot go to hospital.
    let r = c
        .post_form(
            &ev,
            &[("kind", "hospital_out"), ("occurred_on", "02/03/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        c.post_form(
            &ev,
            &[("kind", "escape_return"), ("occurred_on", "11/03/2025")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        active_admission(&app, id)
            .await
            .expected_end
            .map(|d| d.to_string()),
        Some("2026-01-20".into())
    );

    // Hospital days count.
    c.post_form(
        &ev,
        &[
            ("kind", "hospital_out"),
            ("occurred_on", "01/04/2025"),
            ("place", "BV Ba Vì"),
        ],
    )
    .await;
    c.post_form(
        &ev,
        &[("kind", "hospital_return"), ("occurred_on", "15/04/2025")],
    )
    .await;
    assert_eq!(
        active_admission(&app, id)
            .await
            .expected_end
            .map(|d| d.to_string()),
        Some("2026-01-20".into())
    );

    // A reduction before half the term is served is refused (rule 4; N116 Art 58).
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "03/07/2025"),
                ("months", "2"),
                ("document_ref", "22/2025/QĐ-TA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Chưa chấp hành đủ một nửa thời hạn");
    r.assert_contains(r#"value="22/2025/QĐ-TA""#);
    // Without a court decision number it is refused too.
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "01/09/2025"),
                ("months", "2"),
            ],
        )
        .await;
    r.assert_contains("Cần số quyết định của Tòa án.");
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "01/09/2025"),
                ("months", "2"),
                ("document_ref", "30/2025/QĐ-TA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        active_admission(&app, id)
            .await
            .expected_end
            .map(|d| d.to_string()),
        Some("2025-11-20".into())
    );

    // Release needs a reason (rule 8).
    let rel = format!("/admissions/{}/release", a.id);
    let r = c.post_form(&rel, &[("released_on", "20/11/2025")]).await;
    r.assert_contains("Phải chọn lý do chấm dứt.");
    let r = c
        .post_form(
            &rel,
            &[
                ("reason", "reduction"),
                ("released_on", "20/11/2025"),
                ("document_ref", "GCN-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = admission::Entity::find_by_id(a.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (done.status.as_str(), done.release_reason.as_deref()),
        ("released", Some("reduction"))
    );
    // No more events on a released admission.
    let r = c
        .post_form(&ev, &[("kind", "escape"), ("occurred_on", "21/11/2025")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Both documents print; the certificate only after completion.
    let pdf = c.get(&format!("/admissions/{}/record.pdf", a.id)).await;
    assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
    assert!(pdf.body.starts_with("%PDF"));
    let cert = c
        .get(&format!("/admissions/{}/certificate.pdf", a.id))
        .await;
    assert_eq!(cert.status, StatusCode::OK);
    assert!(cert.body.starts_with("%PDF"));
    let printed = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("admission.print_record"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(printed, 1);

    // After-care hand-off: 2 years for an adult after compulsory rehabilitation.
    let ac = c.get("/aftercare?from=01/11/2025&to=30/11/2025").await;
    // Xã Tản Lĩnh (Huyện Ba Vì) went whole into Xã Suối Hai on 01/07/2025 (NQ 1656
    // Art. 1 §86): the list goes to today's commune and shows the address as recorded.
    ac.assert_contains("Xã Suối Hai, Thành phố Hà Nội");
    ac.assert_contains("Thôn 3, Xã Tản Lĩnh, Huyện Ba Vì");
    ac.assert_contains("Ngô Văn Lâm");
    ac.assert_contains("20/11/2027");
    let csv = c.get("/aftercare.csv?from=01/11/2025&to=30/11/2025").await;
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(csv.body.starts_with('\u{feff}'));
    assert!(
        csv.body.contains("Ngô Văn Lâm") && csv.body.contains(",2,20/11/2027"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn warnings_and_release_calendar() {
    // Monday 01/12/2025.
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()).await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    // Voluntary, 6 months from 11/06/2025: ends 11/12/2025, 10 days away.
    let vol = register(
        &mut c,
        &person("Cao Thị Mai", "01/01/1990", "female", "001190003333"),
    )
    .await;
    let r = admit(
        &mut c,
        vol,
        &[
            ("admission_type", "voluntary"),
            ("document_number", "HĐ-99"),
            ("document_date", "11/06/2025"),
            ("admitted_on", "11/06/2025"),
            ("term_months", "6"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Compulsory since 10/01/2025, 12 months: half served, reduction review candidate.
    let comp = register(
        &mut c,
        &person("Ngô Văn Lâm", "02/02/1983", "male", "001083002222"),
    )
    .await;
    assert_eq!(
        admit(&mut c, comp, &compulsory("05/01/2025", "10/01/2025", "12"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Another voluntary resident absent since Friday 21/11/2025: 6 working days.
    let gone = register(
        &mut c,
        &person("Đinh Văn Nam", "03/03/1993", "male", "001093004444"),
    )
    .await;
    admit(
        &mut c,
        gone,
        &[
            ("admission_type", "voluntary"),
            ("document_number", "HĐ-100"),
            ("document_date", "01/10/2025"),
            ("admitted_on", "01/10/2025"),
            ("term_months", "12"),
        ],
    )
    .await;
    let a = active_admission(&app, gone).await;
    assert_eq!(
        c.post_form(
            &format!("/admissions/{}/events", a.id),
            &[("kind", "escape"), ("occurred_on", "21/11/2025")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    // In hospital since 15/11/2025: 16 days.
    let sick = register(
        &mut c,
        &person("Lò Văn Ơn", "04/04/1984", "male", "001084005555"),
    )
    .await;
    admit(&mut c, sick, &compulsory("01/09/2025", "02/09/2025", "18")).await;
    let a = active_admission(&app, sick).await;
    c.post_form(
        &format!("/admissions/{}/events", a.id),
        &[
            ("kind", "hospital_out"),
            ("occurred_on", "15/11/2025"),
            ("place", "BV Bạch Mai"),
        ],
    )
    .await;

    let home = c.get("/").await;
    home.assert_contains("Còn 10 ngày hết thời hạn");
    home.assert_contains("chấp hành từ một nửa thời hạn");
    home.assert_contains("vắng mặt 6 ngày làm việc");
    home.assert_contains("bệnh viện 16 ngày");
    // Escape is a status: the absent resident is still active.
    assert_eq!(active_admission(&app, gone).await.presence, "escaped");

    let cal = c.get("/releases?days=30").await;
    cal.assert_contains("Cao Thị Mai");
    cal.assert_contains("Đến hạn thông báo");
    assert!(!cal.body.contains("Ngô Văn Lâm"), "not due within 30 days");
    // Other roles do not get the intake warnings.
    let mut nurse = app.login_as(Role::Nurse).await;
    assert!(!nurse.get("/").await.body.contains("Còn 10 ngày"));
}

#[tokio::test]
async fn other_roles_see_or_are_refused_as_the_matrix_says() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut clerk,
        &person("Lý Văn Nam", "05/05/1992", "male", "001092001111"),
    )
    .await;
    // A nurse sees the resident but cannot admit or register.
    let mut nurse = app.login_as(Role::Nurse).await;
    assert_eq!(
        nurse.get(&format!("/residents/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        nurse.get("/residents/new").await.status,
        StatusCode::FORBIDDEN
    );
    let r = admit(
        &mut nurse,
        id,
        &compulsory("05/01/2025", "10/01/2025", "12"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An administrator sees no residents at all.
    let mut admin = app.login_as(Role::Administrator).await;
    assert_eq!(
        admin.get(&format!("/residents/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.get("/api/v1/residents").await.status,
        StatusCode::FORBIDDEN
    );
    // The department has no resident routes at all.
    let dept = TestApp::department().await;
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    assert_eq!(
        monitor.get("/residents").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        monitor.get("/api/v1/residents").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_json_api_has_the_same_rules() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let r = c
        .post_json("/api/v1/residents", serde_json::json!({
            "full_name": "Mạc Văn Ổn", "date_of_birth": "1991-07-07", "sex": "male", "id_kind": "cccd",
            "id_number": "001091007777", "home_province": "Hà Nội", "home_commune": "Phường Xuân Phương"
        }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["resident"]["id"].as_i64().unwrap();
    assert_eq!(r.json()["created"], true);

    let r = c
        .post_json(&format!("/api/v1/residents/{id}/admissions"), serde_json::json!({
            "admission_type": "compulsory_adult", "document_number": "9/QĐ", "document_date": "05/01/2025",
            "issuing_body": "TAND", "admitted_on": "10/01/2025", "term_months": "25"
        }))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.json()["fields"]["term_months"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("12–24"), "{msg}");

    let r = c
        .post_json(&format!("/api/v1/residents/{id}/admissions"), serde_json::json!({
            "admission_type": "compulsory_adult", "document_number": "9/QĐ", "document_date": "05/01/2025",
            "issuing_body": "TAND", "admitted_on": "10/01/2025", "term_months": "24"
        }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["expected_end"], "2027-01-10");

    // Malformed JSON: a clear 400, not a 500.
    let r = c.post_json_raw("/api/v1/residents", "{not json").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "bad_json");

    let detail = c.get(&format!("/api/v1/residents/{id}")).await.json();
    assert_eq!(detail["admissions"][0]["regime_code"], "L73_2021");
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/residents/{id}/admissions"]["post"].is_object());
}

/// domain.md §10 rule 8: every release reason, each on an admission type it fits.
#[tokio::test]
async fn release_with_each_reason() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let cases: &[(&str, &str)] = &[
        ("compulsory_adult", "completion"),
        ("compulsory_adult", "reduction"),
        ("compulsory_adult", "exemption"),
        ("compulsory_adult", "suspension"),
        ("compulsory_adult", "transfer_centre"),
        ("compulsory_adult", "transfer_education"),
        ("compulsory_adult", "transfer_social_protection"),
        ("compulsory_adult", "criminal_proceedings"),
        ("compulsory_adult", "death"),
        ("voluntary", "voluntary_completion"),
        ("voluntary", "self_termination"),
        ("temporary", "temporary_ended"),
        ("determination", "determination_done"),
    ];
    for (i, (typ, reason)) in cases.iter().enumerate() {
        let id_number = format!("001090{:06}", 500 + i);
        let name = format!("Học viên {i}");
        let id = register(&mut c, &person(&name, "01/01/1990", "male", &id_number)).await;
        let mut f: Vec<(&str, &str)> = vec![
            ("admission_type", typ),
            ("document_number", "X/1"),
            ("document_date", "01/03/2025"),
            ("issuing_body", "TAND"),
            ("admitted_on", "02/03/2025"),
        ];
        match *typ {
            "compulsory_adult" => f.push(("term_months", "12")),
            "voluntary" => f.push(("term_months", "6")),
            _ => {}
        }
        let r = admit(&mut c, id, &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{typ}: {}", r.body);
        let a = active_admission(&app, id).await;
        let mut rel: Vec<(&str, &str)> = vec![
            ("reason", reason),
            ("released_on", "01/04/2025"),
            ("document_ref", "QĐ-CD"),
        ];
        if *reason == "transfer_centre" {
            rel.push(("to_centre", "CS02"));
        }
        let r = c
            .post_form(&format!("/admissions/{}/release", a.id), &rel)
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{typ}/{reason}: {}",
            r.body
        );
        let done = admission::Entity::find_by_id(a.id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.status.as_str(), done.release_reason.as_deref()),
            ("released", Some(*reason))
        );
        if *reason == "transfer_centre" {
            assert_eq!(done.to_centre.as_deref(), Some("CS02"));
        }
    }
    // A reason that does not fit the type is refused.
    let id = register(
        &mut c,
        &person("Người Cuối", "01/01/1990", "male", "001090000999"),
    )
    .await;
    admit(
        &mut c,
        id,
        &[
            ("admission_type", "voluntary"),
            ("document_number", "HĐ"),
            ("document_date", "01/03/2025"),
            ("admitted_on", "02/03/2025"),
            ("term_months", "6"),
        ],
    )
    .await;
    let a = active_admission(&app, id).await;
    let r = c
        .post_form(
            &format!("/admissions/{}/release", a.id),
            &[("reason", "completion"), ("released_on", "01/04/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Lý do này không áp dụng cho loại tiếp nhận hiện tại.");
}

/// N116 Art 58.1: 1–3 months (up to 6 with merit), one decision applied once.
#[tokio::test]
async fn reductions_are_bounded_and_applied_once() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Phùng Văn Giảm", "02/02/1983", "male", "001083006666"),
    )
    .await;
    admit(&mut c, id, &compulsory("05/01/2025", "10/01/2025", "12")).await;
    let a = active_admission(&app, id).await;
    let ev = format!("/admissions/{}/events", a.id);
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "01/09/2025"),
                ("months", "4"),
                ("document_ref", "40/2025/QĐ-TA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("từ 1 đến 3 tháng");
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "01/09/2025"),
                ("months", "4"),
                ("merit", "true"),
                ("document_ref", "40/2025/QĐ-TA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_form(
            &ev,
            &[
                ("kind", "term_reduction"),
                ("occurred_on", "01/09/2025"),
                ("months", "1"),
                ("document_ref", "40/2025/QĐ-TA"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Quyết định giảm này đã được ghi nhận.");
    assert_eq!(
        active_admission(&app, id)
            .await
            .expected_end
            .map(|d| d.to_string()),
        Some("2025-09-10".into())
    );
}

/// domain.md §10 rule 9: occupancy cannot exceed receiving capacity without a director's
/// written reason.
#[tokio::test]
async fn receiving_capacity_refuses_unless_the_director_overrides() {
    let app = TestApp::centre().await;
    // Bring CS01's receiving capacity down to 1 (dated capacity data).
    let cs01 = rehabops::entities::centre::Entity::find()
        .filter(rehabops::entities::centre::COLUMN.code.eq("CS01"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    sea_orm::ActiveModelTrait::insert(
        rehabops::entities::centre_capacity::ActiveModel {
            centre_id: sea_orm::Set(cs01.id),
            effective_from: sea_orm::Set(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
            design_scale: sea_orm::Set(1500),
            receiving_capacity: sea_orm::Set(1),
            reason: sea_orm::Set("test".into()),
            recorded_by: sea_orm::Set(None),
            recorded_at: sea_orm::Set(chrono::Utc::now()),
            ..Default::default()
        },
        app.db(),
    )
    .await
    .unwrap();
    let mut c = app.login_as(Role::IntakeClerk).await;
    let first = register(
        &mut c,
        &person("Người Đầu", "01/01/1990", "male", "001090000301"),
    )
    .await;
    assert_eq!(
        admit(&mut c, first, &compulsory("05/01/2025", "10/01/2025", "12"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let second = register(
        &mut c,
        &person("Người Sau", "01/01/1990", "male", "001090000302"),
    )
    .await;
    let r = admit(
        &mut c,
        second,
        &compulsory("05/01/2025", "10/01/2025", "12"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Cơ sở đã đủ khả năng tiếp nhận (1/1).");
    let mut f = compulsory("05/01/2025", "10/01/2025", "12");
    f.push((
        "capacity_override_reason",
        "Quyết định của Tòa án phải thi hành ngay",
    ));
    let r = admit(&mut c, second, &f).await;
    r.assert_contains("Chỉ Giám đốc được bố trí ngoài quy định.");
    let mut director = app.login_as(Role::Director).await;
    let r = admit(&mut director, second, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("admission.create"))
        .filter(audit_log::COLUMN.username.eq("director"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(row.summary.contains("thi hành ngay"));
}

/// Legal rules are data: an administrator changes them (audited) and admissions follow.
#[tokio::test]
async fn an_administrator_edits_a_legal_rule_and_admissions_follow() {
    let app = TestApp::centre().await;
    let rule = rehabops::entities::legal_rule::Entity::find()
        .filter(
            rehabops::entities::legal_rule::COLUMN
                .regime_code
                .eq("L73_2021"),
        )
        .filter(
            rehabops::entities::legal_rule::COLUMN
                .admission_type
                .eq("voluntary"),
        )
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut admin = app.login_as(Role::Administrator).await;
    let page = admin.get("/admin/legal-rules").await;
    page.assert_contains("Luật PCMT 120/2025");
    page.assert_contains("từ 01/07/2026");
    admin
        .get("/")
        .await
        .assert_contains(r#"href="/admin/legal-rules""#);
    let path = format!("/admin/legal-rules/{}", rule.id);
    let r = admin
        .post_form(
            &path,
            &[
                ("min_age", "12"),
                ("first_term_min", "12"),
                ("first_term_max", "6"),
                ("source", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Giá trị tối đa phải lớn hơn hoặc bằng tối thiểu.");
    let r = admin
        .post_form(
            &path,
            &[
                ("min_age", "12"),
                ("first_term_min", "3"),
                ("first_term_max", "12"),
                ("repeat_term_min", "3"),
                ("repeat_term_max", "12"),
                ("source", "Sửa thử"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("legal_rule.update"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(row.summary.contains("before") && row.summary.contains("Sửa thử"));
    // A 3-month voluntary term is now accepted under the edited rule.
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Người Ba Tháng", "01/01/1990", "male", "001090000401"),
    )
    .await;
    let r = admit(
        &mut c,
        id,
        &[
            ("admission_type", "voluntary"),
            ("document_number", "HĐ"),
            ("document_date", "01/03/2025"),
            ("admitted_on", "02/03/2025"),
            ("term_months", "3"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The intake desk cannot edit rules.
    assert_eq!(
        c.post_form(&path, &[("min_age", "12"), ("source", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn photo_upload_checks_type_and_size_and_is_shown_only_to_those_who_may_see() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut clerk,
        &[
            ("full_name", "Phạm Văn Ảnh"),
            ("date_of_birth", "05/05/1995"),
            ("sex", "male"),
            ("id_kind", "cccd"),
            ("id_number", "001095000777"),
            ("home_province", "Hà Nội"),
            ("home_commune", "Phường Hoàn Kiếm"),
        ],
    )
    .await;
    let path = format!("/residents/{id}/photo");
    // Not an image (an SVG could carry script): refused, nothing stored.
    let r = clerk
        .post_file_as(&path, "photo", b"<svg onload=alert(1)>", &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Tệp không phải ảnh JPEG hoặc PNG.");
    // Too large.
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(2 * 1024 * 1024 + 10, 0);
    let r = clerk.post_file_as(&path, "photo", &big, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ảnh quá lớn");
    assert_eq!(clerk.get(&path).await.status, StatusCode::NOT_FOUND);
    // A JPEG is kept and served privately.
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    let r = clerk.post_file_as(&path, "photo", &jpeg, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = clerk.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-type").unwrap(), "image/jpeg");
    assert_eq!(r.headers.get("cache-control").unwrap(), "private, no-store");
    clerk
        .get(&format!("/residents/{id}"))
        .await
        .assert_contains(&format!(r#"src="/residents/{id}/photo""#));
    // Staff who see residents see the photo; an administrator does not; a trainer may
    // not upload.
    let mut trainer = app.login_as(Role::VocationalTrainer).await;
    assert_eq!(trainer.get(&path).await.status, StatusCode::OK);
    let r = trainer.post_file_as(&path, "photo", &jpeg, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut admin = app.login_as(Role::Administrator).await;
    assert_eq!(admin.get(&path).await.status, StatusCode::FORBIDDEN);
    let audited = rehabops::entities::audit_log::Entity::find()
        .filter(
            rehabops::entities::audit_log::COLUMN
                .action
                .eq("resident.photo"),
        )
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_handover_slip_carries_several_people_received_or_refused() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    assert_eq!(
        clerk.get("/handovers/new?rows=3").await.status,
        StatusCode::OK
    );
    let header = [
        ("slip_number", "15/BB-CAQ"),
        ("slip_date", "20/11/2026"),
        ("handing_unit", "Công an quận Đống Đa"),
        ("officer", "Đ/c Nguyễn Văn Công"),
    ];
    let person = |i: usize, name: &'static str, id: &'static str| {
        vec![
            (format!("p{i}_outcome"), "received".to_owned()),
            (format!("p{i}_full_name"), name.to_owned()),
            (format!("p{i}_date_of_birth"), "01/01/1990".to_owned()),
            (format!("p{i}_sex"), "male".to_owned()),
            (format!("p{i}_id_kind"), "cccd".to_owned()),
            (format!("p{i}_id_number"), id.to_owned()),
            (format!("p{i}_home_province"), "Hà Nội".to_owned()),
            (format!("p{i}_home_commune"), "Phường Văn Miếu".to_owned()),
            (
                format!("p{i}_admission_type"),
                "compulsory_adult".to_owned(),
            ),
            (format!("p{i}_document_number"), format!("{i}/2026/QĐ-TA")),
            (format!("p{i}_document_date"), "15/11/2026".to_owned()),
            (format!("p{i}_issuing_body"), "TAND khu vực 1".to_owned()),
            (format!("p{i}_term_months"), "24".to_owned()),
        ]
    };
    let mut fields: Vec<(String, String)> = header
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    fields.extend(person(0, "Hoàng Văn Một", "001090000401"));
    fields.extend(person(1, "Vũ Văn Hai", "001090000402"));
    // The third is refused, but the reason is missing; the second has a bad term.
    fields.push(("p2_outcome".into(), "refused".into()));
    fields.push(("p2_full_name".into(), "Lý Văn Ba".into()));
    fields.retain(|(k, _)| k != "p1_term_months");
    fields.push(("p1_term_months".into(), "99".into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = clerk.post_form("/handovers", &refs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("hãy sửa các dòng được đánh dấu");
    r.assert_contains("Phải ghi lý do");
    r.assert_contains(r#"value="Vũ Văn Hai""#);
    // All or nothing: the valid first line was not kept either.
    assert_eq!(admission::Entity::find().count(app.db()).await.unwrap(), 0);
    assert_eq!(resident::Entity::find().count(app.db()).await.unwrap(), 0);

    fields.retain(|(k, _)| k != "p1_term_months");
    fields.push(("p1_term_months".into(), "24".into()));
    fields.push((
        "p2_refusal_reason".into(),
        "Sốt cao, chuyển bệnh viện trước".into(),
    ));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = clerk.post_form("/handovers", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slip = clerk.get(r.location().unwrap()).await;
    slip.assert_contains("Hoàng Văn Một");
    slip.assert_contains("Sốt cao, chuyển bệnh viện trước");
    assert_eq!(admission::Entity::find().count(app.db()).await.unwrap(), 2);
    let a = admission::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a.admitted_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    );
    assert!(a.documents_received.contains("15/BB-CAQ"));
    let pdf = clerk
        .get(&format!(
            "{}/slip.pdf",
            r.location().unwrap().split('?').next().unwrap()
        ))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));
    clerk.get("/handovers").await.assert_contains("15/BB-CAQ");
    // "More lines" brings the form back longer, keeping what was typed, saving nothing.
    let r = clerk
        .post_form(
            "/handovers",
            &[
                ("slip_number", "16/BB"),
                ("p0_full_name", "Đinh Văn Bốn"),
                ("more", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains(r#"value="Đinh Văn Bốn""#);
    r.assert_contains("Người thứ 6");
    // An empty slip is refused.
    let r = clerk.post_form("/handovers", &header).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Biên bản cần ít nhất một người.");
}

#[tokio::test]
async fn a_correction_is_a_new_record_and_the_dates_follow() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Bùi Văn Sửa", "01/01/1988", "male", "001088000555"),
    )
    .await;
    let r = admit(
        &mut c,
        id,
        &[
            ("admission_type", "compulsory_adult"),
            ("document_number", "5/QĐ"),
            ("document_date", "01/03/2025"),
            ("issuing_body", "TAND"),
            ("admitted_on", "02/03/2025"),
            ("term_months", "12"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = active_admission(&app, id).await;
    for (kind, on) in [("escape", "10/04/2025"), ("escape_return", "20/04/2025")] {
        let r = c
            .post_form(
                &format!("/admissions/{}/events", a.id),
                &[("kind", kind), ("occurred_on", on)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let with_ten_days = active_admission(&app, id).await.expected_end.unwrap();
    let escape = rehabops::entities::admission_event::Entity::find()
        .filter(
            rehabops::entities::admission_event::COLUMN
                .kind
                .eq("escape"),
        )
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let path = format!("/events/{}/correct", escape.id);
    // A reason is required; a date after the return would reorder the movements.
    let r = c.post_form(&path, &[("occurred_on", "15/04/2025")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Phải ghi lý do");
    r.assert_contains(r#"value="15/04/2025""#);
    let r = c
        .post_form(
            &path,
            &[
                ("occurred_on", "25/04/2025"),
                ("correction_reason", "Nhập nhầm ngày"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("đảo thứ tự");
    // Escaped on the 15th, not the 10th: five days fewer out, the end five days sooner.
    let r = c
        .post_form(
            &path,
            &[
                ("occurred_on", "15/04/2025"),
                ("correction_reason", "Biên bản ghi ngày 15/04"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = active_admission(&app, id).await.expected_end.unwrap();
    assert_eq!((with_ten_days - after).num_days(), 5);
    // Both records are kept; the old one shows as corrected and cannot be corrected again.
    let events = rehabops::entities::admission_event::Entity::find()
        .filter(
            rehabops::entities::admission_event::COLUMN
                .admission_id
                .eq(a.id),
        )
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().any(|e| e.corrects_id == Some(escape.id)));
    let page = c.get(&format!("/residents/{id}")).await;
    page.assert_contains("đã được đính chính");
    let r = c
        .post_form(
            &path,
            &[("occurred_on", "14/04/2025"), ("correction_reason", "lại")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("đã được đính chính");
    let audited = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("admission.event_correct"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn the_quarterly_reduction_review_is_prepared_once_by_the_director() {
    let app = TestApp::centre_on(chrono::NaiveDate::from_ymd_opt(2025, 10, 15).unwrap()).await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut clerk,
        &person("Hà Văn Giảm", "01/01/1987", "male", "001087000321"),
    )
    .await;
    let r = admit(
        &mut clerk,
        id,
        &compulsory("01/03/2025", "02/03/2025", "12"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = active_admission(&app, id).await;
    // More than half the term served by 15/10/2025: due for the Q4 review.
    clerk.get("/").await.assert_contains(
        "Danh sách xét giảm thời hạn quý 2025-Q4 chưa được lập (1 học viên đủ điều kiện).",
    );
    let page = clerk.get("/reductions").await;
    page.assert_contains("Hà Văn Giảm");
    page.assert_contains("Giám đốc lập danh sách đề nghị.");
    let m = format!("m{}", a.id);
    let rr = format!("r{}", a.id);
    let r = clerk
        .post_form("/reductions", &[(m.as_str(), "2"), (rr.as_str(), "Tốt")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut director = app.login_as(Role::Director).await;
    let r = director
        .post_form(
            "/reductions",
            &[(m.as_str(), "5"), (rr.as_str(), "Chấp hành tốt nội quy")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("chỉ khi lập công");
    r.assert_contains(r#"value="Chấp hành tốt nội quy""#);
    let r = director
        .post_form(
            "/reductions",
            &[(m.as_str(), "2"), (rr.as_str(), "Chấp hành tốt nội quy")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = director.get("/reductions").await;
    page.assert_contains("Lập bởi director");
    page.assert_contains("Chấp hành tốt nội quy");
    let r = director
        .post_form("/reductions", &[(m.as_str(), "1"), (rr.as_str(), "lại")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Danh sách quý này đã được lập.");
    assert!(!clerk.get("/").await.body.contains("chưa được lập"));
}

/// The zone of an admission is one of the centre's zones, chosen from a list (it used to
/// be free text that could disagree with every bed); a bed sets it when assigned.
#[tokio::test]
async fn the_zone_of_an_admission_is_one_of_the_centres_zones() {
    let app = TestApp::centre().await;
    let mut director = app.login_as(Role::Director).await;
    crate::beds::setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "1").await;
    let zone_name = rehabops::beds::store::zone_names(app.db()).await.unwrap()[0].clone();
    let mut c = app.login_as(Role::IntakeClerk).await;
    let id = register(
        &mut c,
        &person("Nguyễn Văn Khu", "01/01/1990", "male", "001090000777"),
    )
    .await;
    let page = c.get(&format!("/residents/{id}/admit")).await;
    page.assert_contains(&format!("<option>{zone_name}</option>"));
    assert!(
        !page.body.contains(r#"name="zone" type="text""#),
        "no free text"
    );
    let mut fields = compulsory("01/03/2025", "02/03/2025", "12");
    fields.retain(|(k, _)| *k != "zone");
    fields.push(("zone", "Khu không có"));
    let r = admit(&mut c, id, &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không có khu này trong danh sách khu của cơ sở.");
    fields.pop();
    fields.push(("zone", zone_name.as_str()));
    let r = admit(&mut c, id, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(active_admission(&app, id).await.zone, zone_name);
}

/// Required fields are marked (a visible * with an accessible name, and aria-required),
/// and after a failed submit the error summary takes focus (autofocus, no JavaScript).
#[tokio::test]
async fn required_fields_are_marked_and_the_error_summary_takes_focus() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let page = c.get("/residents/new").await;
    let doc = scraper::Html::parse_document(&page.body);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    for name in ["full_name", "date_of_birth", "sex"] {
        let control = format!("#f-{name}[aria-required=\"true\"]");
        assert!(
            doc.select(&sel(&control)).next().is_some(),
            "{name} not marked"
        );
        let label = format!("label[for=\"f-{name}\"] abbr.req[title=\"bắt buộc\"]");
        assert!(doc.select(&sel(&label)).next().is_some(), "{name} has no *");
    }
    assert!(
        doc.select(&sel("#f-id_number[aria-required]"))
            .next()
            .is_none()
    );
    page.assert_contains("Ô có dấu * là bắt buộc.");
    let r = c.post_form("/residents", &[("full_name", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = scraper::Html::parse_document(&r.body);
    assert!(
        doc.select(&sel(".flash--error[tabindex=\"-1\"][autofocus]"))
            .next()
            .is_some(),
        "the error summary takes focus"
    );
}
