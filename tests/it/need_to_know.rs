//! Need to know: each role receives the parts of a resident's record its work needs —
//! asserted on the fields themselves, in the page, the list, the JSON API and the PDFs.

use axum::http::StatusCode;
use rehabops::auth::Role;

use crate::helpers::{Client, TestApp};

const ID_NUMBER: &str = "001090012345";
const FAMILY: &str = "0912 345 678";
const DRUGS: &str = "Heroin đá";
const DECISION: &str = "15/2025/QĐ-TA";
const BORN: &str = "04/03/1990";

/// Registers and admits one person with recognisable values; returns the resident id.
async fn someone(app: &TestApp) -> i32 {
    let mut c = app.login_as(Role::IntakeClerk).await;
    let r = c
        .post_form(
            "/residents",
            &[
                ("full_name", "Nguyễn Văn Cần Biết"),
                ("date_of_birth", BORN),
                ("sex", "male"),
                ("id_kind", "cccd"),
                ("id_number", ID_NUMBER),
                ("home_province", "Hà Nội"),
                ("home_commune", "Phường Hoàn Kiếm"),
                ("home_address", "12 Hàng Bạc"),
                ("family_contact", &format!("Mẹ: {FAMILY}")),
                ("substances", DRUGS),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i32 = r
        .location()
        .unwrap()
        .trim_start_matches("/residents/")
        .split(['/', '?'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = c
        .post_form(
            &format!("/residents/{id}/admissions"),
            &[
                ("admission_type", "compulsory_adult"),
                ("document_number", DECISION),
                ("document_date", "05/01/2025"),
                ("issuing_body", "TAND huyện Ba Vì"),
                ("admitted_on", "10/01/2025"),
                ("term_months", "12"),
                ("health_on_arrival", "Tỉnh táo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id
}

/// What a role must receive: identity (ID, exact birth date, family), legal basis
/// (decision), medical (drug history). Written out here, not derived from the code.
fn expected(role: Role) -> (bool, bool, bool) {
    match role {
        Role::IntakeClerk | Role::Director => (true, true, false),
        Role::Doctor | Role::Nurse => (true, false, true),
        Role::Dispenser => (false, false, true),
        Role::VocationalTrainer | Role::LabourSupervisor | Role::Counsellor | Role::Teacher => {
            (false, false, false)
        }
        other => panic!("{other:?} does not see residents"),
    }
}

fn check(role: Role, what: &str, body: &str) {
    let (identity, legal, medical) = expected(role);
    let has = |s: &str| body.contains(s);
    assert!(has("Nguyễn Văn Cần Biết"), "{role:?} {what}: the name");
    assert_eq!(has(ID_NUMBER), identity, "{role:?} {what}: ID number");
    assert_eq!(has(FAMILY), identity, "{role:?} {what}: family contact");
    assert_eq!(has(DECISION), legal, "{role:?} {what}: court decision");
    assert_eq!(has(DRUGS), medical, "{role:?} {what}: drug use history");
    // The exact date of birth goes to identity and clinical roles; others get a band.
    let born = has(BORN) || has("1990-03-04");
    assert_eq!(born, identity || medical, "{role:?} {what}: date of birth");
}

async fn get_ok(c: &mut Client<'_>, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

#[tokio::test]
async fn each_role_receives_the_parts_of_the_record_its_work_needs() {
    let app = TestApp::centre().await;
    let id = someone(&app).await;
    for role in [
        Role::IntakeClerk,
        Role::Director,
        Role::Doctor,
        Role::Nurse,
        Role::Dispenser,
        Role::VocationalTrainer,
        Role::LabourSupervisor,
        Role::Counsellor,
        Role::Teacher,
    ] {
        let mut c = app.login_as(role).await;
        check(
            role,
            "page",
            &get_ok(&mut c, &format!("/residents/{id}")).await,
        );
        check(
            role,
            "API",
            &get_ok(&mut c, &format!("/api/v1/residents/{id}")).await,
        );
        // The lists carry no ID, decision or history at all; birth dates as above.
        let list = get_ok(&mut c, "/residents?q=can+biet").await;
        assert_eq!(
            list.contains(BORN),
            expected(role).0 || expected(role).2,
            "{role:?} list: date of birth"
        );
        let api = get_ok(&mut c, "/api/v1/residents?q=can+biet").await;
        assert_eq!(
            api.contains("1990-03-04"),
            expected(role).0 || expected(role).2,
            "{role:?} API list: date of birth"
        );
        // The admission record (decision and reception record) is a legal paper.
        let admission = rehabops::intake::store::admissions_of(app.db(), id)
            .await
            .unwrap()[0]
            .id;
        let pdf = c.get(&format!("/admissions/{admission}/record.pdf")).await;
        let want = if expected(role).1 {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(pdf.status, want, "{role:?} record.pdf");
        let releases = c.get("/releases").await;
        assert_eq!(releases.status, want, "{role:?} release calendar");
    }
}
