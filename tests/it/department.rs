//! Occupancy summaries between real instances on loopback: delivery while the department
//! is down and after it returns (nothing lost, no duplicates, order kept), forged and
//! replayed summaries refused, schema round-trip without personal data, and dashboard
//! figures equal to the centres' own.

use axum::http::StatusCode;
use rehabops::audit::Actor;
use rehabops::auth::Role;
use rehabops::entities::{received_summary, summary_outbox};
use rehabops::summary::schema::{OccupancySummary, Period};
use rehabops::summary::{outbox, push, signing};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryOrder, Set};

use crate::helpers::TestApp;

async fn free_port() -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// A centre with three residents (two men, one woman; one a minor).
async fn centre_with_residents() -> TestApp {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    for (name, dob, sex, id, typ, term, guardian) in [
        (
            "Nguyễn Văn Một",
            "01/01/1990",
            "male",
            "001090000001",
            "compulsory_adult",
            "12",
            "",
        ),
        (
            "Trần Thị Hai",
            "02/02/1992",
            "female",
            "001192000002",
            "voluntary",
            "6",
            "",
        ),
        (
            "Lê Văn Ba",
            "03/03/2009",
            "male",
            "001209000003",
            "compulsory_minor",
            "9",
            "Lê Văn Bố",
        ),
    ] {
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
        let id: i32 = r
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
                &format!("/residents/{id}/admissions"),
                &[
                    ("admission_type", typ),
                    ("document_number", "1/QĐ"),
                    ("document_date", "01/03/2025"),
                    ("issuing_body", "TAND"),
                    ("admitted_on", "02/03/2025"),
                    ("term_months", term),
                    ("guardian_name", guardian),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    app
}

async fn enqueue(centre: &TestApp, kind: &str) -> summary_outbox::Model {
    let d = centre.state.delivery.as_ref().expect("delivery");
    outbox::enqueue(
        centre.db(),
        &d.key,
        &Actor::system("test"),
        "CS01",
        Period::of(kind, centre.state.today()),
        centre.state.today(),
    )
    .await
    .expect("enqueue")
}

async fn register_key(dept: &TestApp, centre: &TestApp) {
    let d = centre.state.delivery.as_ref().unwrap();
    rehabops::department::keys::register(
        dept.db(),
        &Actor::system("test"),
        "CS01",
        &signing::public_key_b64(&d.key),
    )
    .await
    .expect("register key");
}

#[tokio::test]
async fn department_down_then_up_nothing_lost_no_duplicates_order_kept() {
    let centre = centre_with_residents().await;
    let dept = TestApp::department().await;
    register_key(&dept, &centre).await;
    let addr = free_port().await;
    let url = format!("http://{addr}");
    let http = push::client(None).unwrap();

    // Department down: summaries queue.
    for kind in ["on_demand", "hourly", "hourly"] {
        enqueue(&centre, kind).await;
    }
    let r = push::flush(
        centre.db(),
        &http,
        &centre.state.delivery.as_ref().unwrap().key,
        &url,
        "CS01",
    )
    .await
    .unwrap();
    assert_eq!((r.delivered, r.pending), (0, 3));
    assert!(r.error.is_some());
    assert_eq!(outbox::pending(centre.db()).await.unwrap().len(), 3);

    // Department up: delivered in order.
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let server = dept.serve_on(listener).await;
    let r = push::flush(
        centre.db(),
        &http,
        &centre.state.delivery.as_ref().unwrap().key,
        &url,
        "CS01",
    )
    .await
    .unwrap();
    assert_eq!((r.delivered, r.pending), (3, 0), "{:?}", r.error);
    let stored: Vec<i64> = received_summary::Entity::find()
        .order_by_asc(received_summary::COLUMN.id)
        .all(dept.db())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.sequence)
        .collect();
    assert_eq!(stored, vec![1, 2, 3]);

    // A resent summary (the acknowledgement was lost) is acknowledged, not stored twice.
    let row = outbox::by_sequence(centre.db(), 2).await.unwrap();
    let mut am = row.into_active_model();
    am.sent_at = Set(None);
    am.update(centre.db()).await.unwrap();
    let r = push::flush(
        centre.db(),
        &http,
        &centre.state.delivery.as_ref().unwrap().key,
        &url,
        "CS01",
    )
    .await
    .unwrap();
    assert_eq!(r.delivered, 1);
    assert_eq!(
        received_summary::Entity::find()
            .count(dept.db())
            .await
            .unwrap(),
        3
    );

    // The dashboard shows what the centre itself counts.
    let own = rehabops::summary::compute::compute(
        centre.db(),
        "CS01",
        Period::of("on_demand", centre.state.today()),
        centre.state.today(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    let api = monitor.get("/api/v1/dashboard").await.json();
    let cs01 = api["centres"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CS01")
        .unwrap()
        .clone();
    assert_eq!(cs01["occupancy"], own.capacity.occupancy);
    assert_eq!(cs01["occupancy"], 3);
    assert_eq!(cs01["male"], 2);
    assert_eq!(cs01["female"], 1);
    assert_eq!(cs01["minors"], 1);
    assert_eq!(cs01["compulsory"], 2);
    assert_eq!(cs01["sequence"], 3);
    assert_eq!(cs01["freshness"], "fresh");
    let sum: i64 = api["centres"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["occupancy"].as_i64().unwrap())
        .sum();
    assert_eq!(api["totals"]["occupancy"], sum);
    assert_eq!(api["totals"]["design_scale"], 7650);
    assert_eq!(api["totals"]["receiving_capacity"], 3624);
    let page = monitor.get("/dashboard").await;
    page.assert_contains("7.650");
    page.assert_contains("3.624");
    let csv = monitor.get("/dashboard/summaries.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body.lines().count(),
        4,
        "header and the three summaries: {}",
        csv.body
    );
    // The kind in the reader's language, not the code.
    assert!(csv.body.contains("CS01,3,Hằng giờ"), "{}", csv.body);
    server.abort();
}

#[tokio::test]
async fn forged_replayed_malformed_and_oversized_summaries_are_refused() {
    let centre = centre_with_residents().await;
    let dept = TestApp::department().await;
    register_key(&dept, &centre).await;
    let row = enqueue(&centre, "on_demand").await;
    let key = &centre.state.delivery.as_ref().unwrap().key;
    let mut c = dept.client();
    let post = |centre_code: &str, sig: String, body: String| {
        axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/summaries")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header(push::CENTRE_HEADER, centre_code)
            .header(push::SIGNATURE_HEADER, sig)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    // Genuine.
    let r = c
        .send(post("CS01", row.signature.clone(), row.body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Same bytes again: acknowledged duplicate.
    let r = c
        .send(post("CS01", row.signature.clone(), row.body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "duplicate");
    // Forged: the body altered after signing.
    let forged = row.body.replace("\"occupancy\":3", "\"occupancy\":1");
    assert_ne!(forged, row.body);
    let r = c.send(post("CS01", row.signature.clone(), forged)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["reason"], "bad_signature");
    // Signed by another key.
    let dir = tempfile::tempdir().unwrap();
    let other = signing::load_or_create(&dir.path().join("other.key")).unwrap();
    let r = c
        .send(post(
            "CS01",
            signing::sign_b64(&other, row.body.as_bytes()),
            row.body.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Unknown centre.
    let r = c
        .send(post("CS09", row.signature.clone(), row.body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["reason"], "unknown_centre");
    // Replayed sequence with different (validly signed) content.
    let mut s: OccupancySummary = serde_json::from_str(&row.body).unwrap();
    s.capacity.occupancy += 1;
    let body = serde_json::to_string(&s).unwrap();
    let r = c
        .send(post("CS01", signing::sign_b64(key, body.as_bytes()), body))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["reason"], "replayed_sequence");
    // An older sequence than the last stored.
    let second = enqueue(&centre, "hourly").await;
    assert_eq!(
        c.send(post("CS01", second.signature.clone(), second.body.clone()))
            .await
            .status,
        StatusCode::CREATED
    );
    s.sequence = 1;
    s.capacity.occupancy = 99;
    let body = serde_json::to_string(&s).unwrap();
    let r = c
        .send(post("CS01", signing::sign_b64(key, body.as_bytes()), body))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Malformed JSON, validly signed.
    let body = "{\"schema\":\"rehabops.occupancy-summary/1\"".to_owned();
    let r = c
        .send(post("CS01", signing::sign_b64(key, body.as_bytes()), body))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["reason"], "malformed");
    // Oversized.
    let big = "x".repeat(300 * 1024);
    let r = c
        .send(post("CS01", signing::sign_b64(key, big.as_bytes()), big))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        received_summary::Entity::find()
            .count(dept.db())
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn summaries_round_trip_and_carry_no_personal_data() {
    let centre = centre_with_residents().await;
    let row = enqueue(&centre, "daily").await;
    let s: OccupancySummary = serde_json::from_str(&row.body).expect("schema round-trip");
    assert_eq!(serde_json::to_string(&s).unwrap(), row.body);
    assert_eq!(s.schema, "rehabops.occupancy-summary/2");
    assert_eq!(s.residents_total(), 3);
    // The care areas' sections (version 2): treatment's stages, all three in stage 1.
    let treatment = &s.areas["treatment"];
    assert_eq!(treatment["stage_1"], 3);
    assert_eq!((treatment["in_detox"], treatment["restricted"]), (0, 0));
    // A version-1 summary (no sections) still reads: "not reported".
    let v1 = row
        .body
        .replace("occupancy-summary/2", "occupancy-summary/1")
        .replace(
            &format!(",\"areas\":{}", serde_json::to_string(&s.areas).unwrap()),
            "",
        );
    let old: OccupancySummary = serde_json::from_str(&v1).expect("version 1");
    assert!(old.areas.is_empty());
    assert_eq!(s.capacity.occupancy, 3);
    assert_eq!(s.capacity.design_scale, 1500);
    for secret in [
        "Nguyễn",
        "Trần",
        "Lê Văn",
        "001090000001",
        "1990-01-01",
        "01/01/1990",
        "CS01-0000",
    ] {
        assert!(
            !row.body.contains(secret),
            "personal data {secret} in {}",
            row.body
        );
    }
    // Unknown fields are refused: a newer schema cannot be half-read.
    let extra = row.body.replacen('{', "{\"name\":\"x\",", 1);
    assert!(serde_json::from_str::<OccupancySummary>(&extra).is_err());
    // The director sees what was sent; a nurse does not.
    let mut director = centre.login_as(Role::Director).await;
    let page = director.get("/summaries").await;
    page.assert_contains("Chốt ngày");
    let json = director.get(&format!("/summaries/{}", row.sequence)).await;
    assert_eq!(json.body, row.body);
    let r = director.post_form("/summaries/send", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        summary_outbox::Entity::find()
            .count(centre.db())
            .await
            .unwrap(),
        2
    );
    let mut nurse = centre.login_as(Role::Nurse).await;
    assert_eq!(nurse.get("/summaries").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn keys_are_registered_by_the_department_administrator() {
    let dept = TestApp::department().await;
    let mut admin = dept.login_as(Role::Administrator).await;
    let r = admin
        .post_form(
            "/admin/centre-keys",
            &[("centre_code", "CS01"), ("public_key", "not a key")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Khóa công khai phải là 32 byte dạng base64.");
    r.assert_contains(r#"value="not a key""#);
    let r = admin
        .post_form(
            "/admin/centre-keys",
            &[
                ("centre_code", "CS42"),
                ("public_key", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
            ],
        )
        .await;
    r.assert_contains("Không có cơ sở cai nghiện mã CS42.");
    let r = admin
        .post_form(
            "/admin/centre-keys",
            &[
                ("centre_code", "cs01"),
                ("public_key", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.get("/admin/centre-keys").await;
    page.assert_contains("CS01");
    page.assert_contains("Đang dùng");
    // The monitor cannot manage keys.
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    assert_eq!(
        monitor.get("/admin/centre-keys").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn reports_trends_plan_and_dhis2_from_backfilled_day_closes() {
    let centre = centre_with_residents().await;
    let dept = TestApp::department().await;
    register_key(&dept, &centre).await;
    let key = &centre.state.delivery.as_ref().unwrap().key;
    // October 2026 reconstructed from the records, then today's summary.
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let n = outbox::backfill(
        centre.db(),
        key,
        &Actor::system("test"),
        "CS01",
        d(10, 1),
        d(10, 31),
    )
    .await
    .unwrap();
    assert_eq!(n, 31);
    // Running it again queues nothing twice.
    let again = outbox::backfill(
        centre.db(),
        key,
        &Actor::system("test"),
        "CS01",
        d(10, 1),
        d(10, 31),
    )
    .await
    .unwrap();
    assert_eq!(again, 0);
    enqueue(&centre, "on_demand").await;
    let r = deliver(&dept, &centre).await;
    assert_eq!((r.delivered, r.pending), (32, 0), "{:?}", r.error);
    let days = rehabops::entities::centre_day::Entity::find()
        .count(dept.db())
        .await
        .unwrap();
    assert_eq!(days, 32);

    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    // The dashboard shows the present (today's summary), not a reconstructed past day.
    let dash = monitor.get("/api/v1/dashboard").await.json();
    assert_eq!(dash["centres"][0]["occupancy"], 3);
    assert!(dash["centres"][0]["sequence"].as_i64().unwrap() == 32);
    // The six centres that never reported say so rather than show 0 residents.
    let page = monitor.get("/dashboard").await;
    assert_eq!(
        page.body
            .matches("Chưa nhận được báo cáo nào của cơ sở này.")
            .count(),
        12,
        "two tables × six centres"
    );
    // The treatment section arrives through the care areas' one interface; the others
    // have not reported it.
    assert_eq!(dash["centres"][0]["treatment"]["stage_1"], 3);
    assert_eq!(page.body.matches("Cơ sở chưa báo cáo mục này.").count(), 6);

    let page = monitor.get("/reports?p=2026-10").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Báo cáo tháng 10/2026");
    // A bad period is refused with a clear message, the page still shows.
    let bad = monitor.get("/reports?p=2026-13").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains("Kỳ báo cáo không hợp lệ");
    assert_eq!(
        monitor.get("/reports/xlsx?p=abc").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Figures: 3 residents at the end of October at CS01, none at the others.
    let p = rehabops::department::report::ReportPeriod::parse("2026-10").unwrap();
    let b = rehabops::department::reports::build(dept.db(), p)
        .await
        .unwrap();
    let cs01 = b.centres.iter().find(|c| c.code == "CS01").unwrap();
    assert_eq!((cs01.occupancy_end, cs01.days_covered), (3, 31));
    assert_eq!(b.total.occupancy_end, 3);
    // The public table hides the 3; the internal one shows it.
    let cat = rehabops::i18n::Lang::Vi.catalog();
    let (_, internal) = rehabops::department::reports::table(cat, &b, false);
    let (_, public) = rehabops::department::reports::table(cat, &b, true);
    let row = b.centres.iter().position(|c| c.code == "CS01").unwrap();
    use rehabops::tabular::Cell;
    let hidden = Cell::Text("x".into());
    assert_eq!(internal[row][3], Cell::Int(3));
    assert_eq!(public[row][3], hidden);
    // The other centres are at 0, so the total would give the 3 away: hidden too.
    assert_eq!(public.last().unwrap()[3], hidden);
    assert_eq!(internal.last().unwrap()[3], Cell::Int(3));
    // A centre that sent no day of the period shows "no data", capacity included, not 0.
    let other = b.centres.iter().position(|c| c.code != "CS01").unwrap();
    let no_data = Cell::Text("không có số liệu".into());
    assert_eq!(internal[other][1], no_data);
    assert_eq!(internal[other][3], no_data);
    // A period nobody reported (the future): said so, with nothing to download.
    let future = monitor.get("/reports?p=2099-01").await;
    assert_eq!(future.status, StatusCode::OK);
    future.assert_contains("Chưa có cơ sở nào gửi số liệu của kỳ này");
    assert!(!future.body.contains("/reports/pdf?p=2099-01"));
    assert!(!future.body.contains("<td class=\"num\">0</td>"));
    // In the spreadsheet the figures are numbers a SUM can add, not text like "1.500".
    let r = monitor.get("/reports/xlsx?p=2026-10").await;
    {
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.clone())).unwrap();
        let range = book.worksheet_range("2026-10").unwrap();
        // Title line, header, then the centres: CS01's row holds 3 as a number.
        let cs01_row = u32::try_from(row + 2).unwrap();
        assert_eq!(range.get_value((cs01_row, 3)), Some(&Data::Float(3.0)));
        assert!(matches!(
            range.get_value((cs01_row, 1)),
            Some(Data::Float(_))
        ));
    }

    for (path, ct) in [
        ("/reports/pdf?p=2026-10", "application/pdf"),
        ("/reports/pdf?p=2026-Q4&public=1", "application/pdf"),
        (
            "/reports/xlsx?p=2026",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "/reports/xlsx?p=2026-10&public=1",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let r = monitor.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers.get("content-type").unwrap(), ct, "{path}");
    }

    // DHIS2 dataValueSet: exactly the documented shape (unknown keys refused).
    let r = monitor.get("/reports/dhis2.json?p=2026-10").await;
    assert_eq!(r.status, StatusCode::OK);
    let raw: serde_json::Value = r.json();
    let keys: Vec<&str> = raw
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // Codes, not UIDs; no completeness for a set of several centres (it would register
    // for no organisation unit).
    assert_eq!(keys, ["dataSet", "dataValues", "idScheme", "period"]);
    assert_eq!(raw["idScheme"], "CODE");
    let set: rehabops::department::dhis2::DataValueSet = serde_json::from_value(raw).unwrap();
    assert_eq!(set.period, "202610");
    assert_eq!(set.data_set, "RHB_MONTHLY");
    assert!(!set.data_values.is_empty());
    for v in &set.data_values {
        assert_eq!(v.period, "202610");
        assert!(v.org_unit.starts_with("HN_CSCN_0"), "{v:?}");
        assert!(v.value.parse::<i64>().is_ok(), "{v:?}");
        assert!(!v.data_element.is_empty() && !v.category_option_combo.is_empty());
    }
    let total = set
        .data_values
        .iter()
        .find(|v| v.org_unit == "HN_CSCN_01" && v.data_element == "RHB_RESIDENTS_TOTAL")
        .unwrap();
    assert_eq!(total.value, "3");
    let minors = set
        .data_values
        .iter()
        .find(|v| v.org_unit == "HN_CSCN_01" && v.data_element == "RHB_RESIDENTS_MINOR")
        .unwrap();
    assert_eq!(minors.value, "1");
    // A quarter goes to the quarterly data set, not the monthly one.
    let q = monitor.get("/reports/dhis2.json?p=2026-Q4").await.json();
    assert_eq!(q["dataSet"], "RHB_QUARTERLY");
    let y = monitor.get("/reports/adx.xml?p=2026").await;
    assert!(y.body.contains(r#"dataSet="RHB_YEARLY""#), "{}", y.body);

    // ADX: the same values, one group per organisation unit.
    let r = monitor.get("/reports/adx.xml?p=2026-10").await;
    assert_eq!(r.status, StatusCode::OK);
    let mut reader = quick_xml::Reader::from_str(&r.body);
    let (mut groups, mut values, mut root_ns) = (0, 0, String::new());
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .unwrap()
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                match e.name().as_ref() {
                    b"adx" => root_ns = attr("xmlns").unwrap_or_default(),
                    b"group" => {
                        groups += 1;
                        assert_eq!(attr("period").as_deref(), Some("2026-10-01/P1M"));
                        assert!(attr("orgUnit").is_some() && attr("dataSet").is_some());
                    }
                    b"dataValue" => {
                        values += 1;
                        assert!(attr("dataElement").is_some());
                        assert!(attr("value").unwrap().parse::<i64>().is_ok());
                    }
                    other => panic!("unexpected element {other:?}"),
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root_ns, "urn:ihe:qrph:adx:2015");
    // Only CS01 sent figures for October: the other centres are left out, not sent as 0.
    assert_eq!(groups, 1);
    assert_eq!(values, set.data_values.len());

    // Trends and plan pages.
    let t = monitor.get("/dashboard/trends").await;
    assert_eq!(t.status, StatusCode::OK);
    t.assert_contains("<svg class=\"chart\"");
    t.assert_contains("10/2026");
    let p = monitor.get("/dashboard/plan").await;
    assert_eq!(p.status, StatusCode::OK);
    p.assert_contains("241/KH-UBND");
    p.assert_contains("6.900");
    // 2021–2025 has ended: the page says so, and that no plan in force is on file.
    p.assert_contains("Đã kết thúc");
    p.assert_contains("Chưa có kế hoạch đang thực hiện");
}

#[tokio::test]
async fn a_merged_centre_leaves_the_dashboard_but_stays_in_past_reports() {
    let dept = TestApp::department().await;
    let mut admin = dept.login_as(Role::Administrator).await;
    assert_eq!(admin.get("/admin/centres").await.status, StatusCode::OK);
    let r = admin
        .post_form(
            "/admin/centres/CS05/close",
            &[
                ("closed_on", "01/11/2026"),
                ("merged_into", "CS05"),
                ("note", "QĐ 1/QĐ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không thể sáp nhập cơ sở vào chính nó");
    let r = admin
        .post_form(
            "/admin/centres/CS05/close",
            &[
                ("closed_on", "01/11/2026"),
                ("merged_into", "CS01"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(r#"value="01/11/2026""#);
    let r = admin
        .post_form(
            "/admin/centres/CS05/close",
            &[
                ("closed_on", "01/11/2026"),
                ("merged_into", "CS01"),
                ("note", "Quyết định sáp nhập"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    admin
        .get("/admin/centres")
        .await
        .assert_contains("sáp nhập vào CS01 từ 01/11/2026");
    // Once is enough.
    let r = admin
        .post_form(
            "/admin/centres/CS05/close",
            &[("closed_on", "02/11/2026"), ("note", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    assert_eq!(
        monitor.get("/admin/centres").await.status,
        StatusCode::FORBIDDEN
    );
    let dash = monitor.get("/api/v1/dashboard").await.json();
    assert_eq!(dash["totals"]["centres"], 6);
    let has = |p: &str| {
        let p = rehabops::department::report::ReportPeriod::parse(p).unwrap();
        let db = dept.db().clone();
        async move {
            rehabops::department::reports::build(&db, p)
                .await
                .unwrap()
                .centres
                .iter()
                .any(|c| c.code == "CS05")
        }
    };
    assert!(has("2026-10").await, "October still has CS05");
    assert!(
        has("2026-Q4").await,
        "the quarter it closed in has its part"
    );
    assert!(!has("2026-12").await, "December has no CS05");
}

#[tokio::test]
async fn the_published_cs01_key_cannot_be_registered() {
    let dept = TestApp::department().await;
    let r = rehabops::department::keys::register(
        dept.db(),
        &Actor::system("test"),
        "CS01",
        signing::COMPROMISED[0],
    )
    .await;
    match r {
        Err(rehabops::error::AppError::Invalid(f)) => {
            assert_eq!(f.key("public_key"), Some("error.public_key_compromised"))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // And through the page, in the user's language.
    let mut c = dept.login_as(Role::Administrator).await;
    let page = c
        .post_form(
            "/admin/centre-keys",
            &[
                ("centre_code", "CS01"),
                ("public_key", signing::COMPROMISED[0]),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    page.assert_contains("đã bị lộ");
}

/// Gives `dept` the last `days` day closes of a small centre (CS01), sent as a centre
/// sends them (signed, over HTTP), plus today's summary: a department with data to show.
pub async fn with_received_days(dept: &TestApp, days: u64) {
    let centre = centre_with_residents().await;
    register_key(dept, &centre).await;
    let key = &centre.state.delivery.as_ref().unwrap().key;
    let today = centre.state.today();
    outbox::backfill(
        centre.db(),
        key,
        &Actor::system("test"),
        "CS01",
        today - chrono::Days::new(days),
        today - chrono::Days::new(1),
    )
    .await
    .unwrap();
    enqueue(&centre, "on_demand").await;
    let r = deliver(dept, &centre).await;
    assert_eq!(r.pending, 0, "{:?}", r.error);
}

/// Serves the department on a real socket for as long as CS01's queue takes to flush.
async fn deliver(dept: &TestApp, centre: &TestApp) -> push::FlushReport {
    let addr = free_port().await;
    let server = dept
        .serve_on(tokio::net::TcpListener::bind(addr).await.unwrap())
        .await;
    let r = push::flush(
        centre.db(),
        &push::client(None).unwrap(),
        &centre.state.delivery.as_ref().unwrap().key,
        &format!("http://{addr}"),
        "CS01",
    )
    .await
    .unwrap();
    server.abort();
    r
}

fn signed_post(
    key: &ed25519_dalek::SigningKey,
    body: String,
) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/summaries")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header(push::CENTRE_HEADER, "CS01")
        .header(
            push::SIGNATURE_HEADER,
            signing::sign_b64(key, body.as_bytes()),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_far_ahead_sequence_is_refused_and_late_ones_take_their_empty_slot() {
    let centre = centre_with_residents().await;
    let dept = TestApp::department().await;
    register_key(&dept, &centre).await;
    let key = centre.state.delivery.as_ref().unwrap().key.clone();
    let rows = [
        enqueue(&centre, "on_demand").await,
        enqueue(&centre, "hourly").await,
        enqueue(&centre, "hourly").await,
    ];
    let mut c = dept.client();
    // 1, then 3, then 2 late: none is lost.
    for i in [0, 2, 1] {
        let r = c.send(signed_post(&key, rows[i].body.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "sequence {}: {}",
            i + 1,
            r.body
        );
    }
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    let dash = monitor.get("/api/v1/dashboard").await.json();
    assert_eq!(
        dash["centres"][0]["sequence"], 3,
        "the late one is not the latest"
    );
    // A validly signed summary far ahead (a bug or a stolen key) is refused…
    let mut s: OccupancySummary = serde_json::from_str(&rows[2].body).unwrap();
    s.sequence = 3 + rehabops::department::receive::MAX_GAP + 1;
    let r = c
        .send(signed_post(&key, serde_json::to_string(&s).unwrap()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["reason"], "sequence_gap");
    // …so the centre's real next summary still gets through.
    let next = enqueue(&centre, "hourly").await;
    assert_eq!(next.sequence, 4);
    let r = c.send(signed_post(&key, next.body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn last_months_report_sent_as_reconstructed_history_counts_as_received() {
    let dept = TestApp::department().await;
    with_received_days(&dept, 40).await; // covers the last day of last month
    let mut monitor = dept.login_as(Role::DepartmentMonitor).await;
    let dash = monitor.get("/api/v1/dashboard").await.json();
    let cs01 = dash["centres"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CS01")
        .cloned()
        .unwrap();
    let status = cs01["monthly"].as_str().unwrap_or_default().to_owned();
    assert!(status == "on_time" || status == "late", "{status}: {cs01}");
}

#[tokio::test]
async fn days_recorded_before_totals_were_kept_get_them_at_start() {
    let dept = TestApp::department().await;
    with_received_days(&dept, 10).await;
    use rehabops::entities::centre_day;
    let rows = centre_day::Entity::find().all(dept.db()).await.unwrap();
    let want: Vec<i64> = rows
        .iter()
        .map(|r| {
            rehabops::department::days::counts(&r.intakes)
                .values()
                .sum()
        })
        .collect();
    assert_eq!(
        rows.iter().map(|r| r.intakes_total).collect::<Vec<_>>(),
        want,
        "kept when recorded"
    );
    // An older row without totals (as stored before migration 13).
    for r in rows {
        let mut am = r.into_active_model();
        am.intakes_total = Set(0);
        am.releases_total = Set(0);
        am.intakes = Set(r#"{"voluntary": 2, "compulsory_adult": 1}"#.into());
        am.update(dept.db()).await.unwrap();
    }
    let n = rehabops::department::days::fill_totals(dept.db())
        .await
        .unwrap();
    assert!(n > 0);
    let after = centre_day::Entity::find().all(dept.db()).await.unwrap();
    assert!(after.iter().all(|r| r.intakes_total == 3));
}
