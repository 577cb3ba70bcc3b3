//! Treatment: the five stages with their checks, detox episodes, who may see and write
//! them, and the ward list's statements.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{admission, audit_log, stage_transition};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::beds::admitted;
use crate::helpers::TestApp;

async fn stage_of(app: &TestApp, id: i32) -> (i32, Option<chrono::NaiveDate>) {
    let a = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    (a.stage, a.stage_since)
}

#[tokio::test]
async fn stages_follow_their_rules_and_detox_holds_stage_two() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Nguyễn Văn Điều",
        "01/01/1990",
        "male",
        "001090000501",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut doctor = app.login_as(Role::Doctor).await;
    let ward = doctor.get("/treatment").await;
    assert_eq!(ward.status, StatusCode::OK);
    ward.assert_contains("Nguyễn Văn Điều");
    ward.assert_contains("1. Tiếp nhận, phân loại");
    let page = doctor.get(&format!("/treatment/admissions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Dates start at today, as the desk's forms do.
    let today = app.state.today().format("%d/%m/%Y").to_string();
    page.assert_contains(&format!(
        r#"id="st-entered_on" name="entered_on" type="text" value="{today}""#
    ));
    // A compulsory admission must still go through stages 2 to 5.
    page.assert_contains("Chưa qua các giai đoạn bắt buộc trước khi chấm dứt: 2, 3, 4, 5");

    let stage = format!("/treatment/admissions/{id}/stage");
    let detox = format!("/treatment/admissions/{id}/detox");
    // Skipping a stage is refused, the form keeps what was typed.
    let r = doctor
        .post_form(
            &stage,
            &[
                ("stage", "3"),
                ("entered_on", "05/03/2025"),
                ("note", "nhảy"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("chỉ chuyển sang giai đoạn kế tiếp");
    r.assert_contains("nhảy");
    // Detox opens; stage 2 is allowed during it.
    let r = doctor
        .post_form(
            &detox,
            &[
                ("substance_class", "opioid"),
                ("started_on", "03/03/2025"),
                ("protocol", "TT 18/2021, phụ lục 04"),
                ("assessment_hours", "8"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = doctor
        .post_form(
            &stage,
            &[("stage", "2"), ("entered_on", "03/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stage_of(&app, id).await.0, 2);
    // A second episode cannot open; stage 3 waits for the episode to end.
    let r = doctor
        .post_form(
            &detox,
            &[
                ("substance_class", "opioid"),
                ("started_on", "04/03/2025"),
                ("protocol", "x"),
                ("assessment_hours", "8"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Đã có một đợt cắt cơn đang mở.");
    let r = doctor
        .post_form(
            &stage,
            &[("stage", "3"), ("entered_on", "20/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Còn đợt cắt cơn đang mở");
    let ward = doctor.get("/treatment?stage=2").await;
    ward.assert_contains("Nhóm thuốc phiện (opioid)");
    let episode = rehabops::entities::detox_episode::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let end = format!("/treatment/admissions/{id}/detox/{}/end", episode.id);
    let r = doctor
        .post_form(
            &end,
            &[
                ("ended_on", "02/03/2025"),
                ("outcome", "completed"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before its start"
    );
    let r = doctor
        .post_form(
            &end,
            &[
                ("ended_on", "15/03/2025"),
                ("outcome", "completed"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Now stage 3; a date before the current stage began is refused.
    let r = doctor
        .post_form(
            &stage,
            &[("stage", "3"), ("entered_on", "01/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = doctor
        .post_form(
            &stage,
            &[("stage", "3"), ("entered_on", "20/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Back to stage 2 (a relapse) needs a note.
    let r = doctor
        .post_form(
            &stage,
            &[("stage", "2"), ("entered_on", "25/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Ghi lý do khi chuyển về giai đoạn trước.");
    let r = doctor
        .post_form(
            &stage,
            &[
                ("stage", "2"),
                ("entered_on", "25/03/2025"),
                ("note", "Tái sử dụng"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (s, since) = stage_of(&app, id).await;
    assert_eq!(
        (s, since.map(|d| d.to_string())),
        (2, Some("2025-03-25".into()))
    );
    let n = stage_transition::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(n, 3);
    let page = doctor.get(&format!("/treatment/admissions/{id}")).await;
    page.assert_contains("Chưa qua các giai đoạn bắt buộc trước khi chấm dứt: 4, 5");
    // Every write audited, and reading the medical record too.
    for action in ["treatment.stage", "detox.open", "detox.end", "medical.read"] {
        let n = audit_log::Entity::find()
            .filter(audit_log::COLUMN.action.eq(action))
            .count(app.db())
            .await
            .unwrap();
        assert!(n > 0, "{action} not audited");
    }
    // The intake desk no longer records stages as a movement.
    let r = clerk
        .post_form(
            &format!("/admissions/{id}/events"),
            &[
                ("kind", "stage_change"),
                ("occurred_on", "26/03/2025"),
                ("stage", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_clinical_roles_see_treatment_and_only_doctors_and_nurses_write() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Trần Văn Quyền",
        "01/01/1990",
        "male",
        "001090000502",
        "compulsory_adult",
        "12",
    )
    .await;
    let page = format!("/treatment/admissions/{id}");
    for role in [
        Role::IntakeClerk,
        Role::VocationalTrainer,
        Role::LabourSupervisor,
        Role::Director,
    ] {
        let mut c = app.login_as(role).await;
        assert_eq!(
            c.get("/treatment").await.status,
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(c.get(&page).await.status, StatusCode::FORBIDDEN, "{role:?}");
        let home = c.get("/").await;
        assert!(
            !home.body.contains(r#"href="/treatment""#),
            "{role:?} has the menu link"
        );
    }
    let mut dispenser = app.login_as(Role::Dispenser).await;
    let r = dispenser.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.body.contains("/stage\""),
        "the dispenser reads but does not write"
    );
    let r = dispenser
        .post_form(
            &format!("{page}/stage"),
            &[("stage", "2"), ("entered_on", "03/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut nurse = app.login_as(Role::Nurse).await;
    let r = nurse
        .post_form(
            &format!("{page}/stage"),
            &[("stage", "2"), ("entered_on", "03/03/2025"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// The ward list runs a fixed number of statements, however many residents there are.
#[tokio::test]
async fn the_ward_list_runs_a_fixed_number_of_statements() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    let mut doctor = app.login_as(Role::Doctor).await;
    let mut counts = Vec::new();
    for n in [0, 60] {
        if n > 0 {
            rehabops::intake::demo::seed(app.db(), "CS01", n, today)
                .await
                .unwrap();
        }
        let (statements, r) = app.queries_of(&mut doctor, "/treatment").await;
        assert_eq!(r.status, StatusCode::OK);
        counts.push(statements);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
    assert!(counts[0] <= 8, "{counts:?}");
}

/// The resident page links a clinician to the treatment record, and nobody else.
#[tokio::test]
async fn the_resident_page_links_clinicians_to_the_treatment_record() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Lê Văn Liên",
        "01/01/1990",
        "male",
        "001090000503",
        "compulsory_adult",
        "12",
    )
    .await;
    let rid = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .resident_id;
    let link = format!(r#"href="/treatment/admissions/{id}""#);
    let mut nurse = app.login_as(Role::Nurse).await;
    nurse
        .get(&format!("/residents/{rid}"))
        .await
        .assert_contains(&link);
    let page = clerk.get(&format!("/residents/{rid}")).await;
    assert!(!page.body.contains(&link));
}

/// The release goes through the one care hook: the desk is warned of stages a
/// compulsory admission has not gone through, and an open detox episode is closed.
#[tokio::test]
async fn release_warns_of_missing_stages_and_closes_detox() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Phạm Văn Ra",
        "01/01/1990",
        "male",
        "001090000504",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut doctor = app.login_as(Role::Doctor).await;
    let r = doctor
        .post_form(
            &format!("/treatment/admissions/{id}/detox"),
            &[
                ("substance_class", "stimulant"),
                ("started_on", "03/03/2025"),
                ("protocol", "TT 18/2021, phụ lục 05"),
                ("assessment_hours", "8"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rid = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .resident_id;
    let page = clerk.get(&format!("/residents/{rid}")).await;
    page.assert_contains("Chưa qua các giai đoạn điều trị bắt buộc: 2, 3, 4, 5.");
    // A court suspends the measure: released all the same (a warning, not a refusal).
    let r = clerk
        .post_form(
            &format!("/admissions/{id}/release"),
            &[
                ("reason", "suspension"),
                ("released_on", "10/03/2025"),
                ("document_ref", "12/2025/QĐ-TA"),
                ("to_centre", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ep = rehabops::entities::detox_episode::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ep.ended_on.map(|d| d.to_string()), ep.outcome.as_str()),
        (Some("2025-03-10".into()), "released")
    );
}

/// Fitness, the one answer other areas read: a doctor's restriction makes a resident
/// unfit for its activity over its dates (nurses cannot set one); an open detox episode
/// for everything; absence (escaped) for everything; the reason is not part of it.
#[tokio::test]
async fn fitness_reads_restrictions_detox_and_presence() {
    use rehabops::care::{Activity, Unfit};
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let one = admitted(
        &mut clerk,
        &app,
        "Hoàng Văn Khỏe",
        "01/01/1990",
        "male",
        "001090000505",
        "compulsory_adult",
        "12",
    )
    .await;
    let two = admitted(
        &mut clerk,
        &app,
        "Hoàng Văn Mệt",
        "01/01/1991",
        "male",
        "001091000506",
        "compulsory_adult",
        "12",
    )
    .await;
    let form = |from: &'static str, until: &'static str| {
        vec![
            ("activity", "labour"),
            ("starts_on", from),
            ("ends_on", until),
            ("reason", "Gãy tay phải"),
        ]
    };
    let url = format!("/treatment/admissions/{one}/restrictions");
    let mut nurse = app.login_as(Role::Nurse).await;
    assert_eq!(
        nurse.post_form(&url, &form("05/03/2025", "")).await.status,
        StatusCode::FORBIDDEN
    );
    let mut doctor = app.login_as(Role::Doctor).await;
    let r = doctor
        .post_form(&url, &form("10/03/2025", "05/03/2025"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Gãy tay phải");
    let r = doctor
        .post_form(&url, &form("05/03/2025", "20/03/2025"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = doctor
        .post_form(
            &format!("/treatment/admissions/{two}/detox"),
            &[
                ("substance_class", "opioid"),
                ("started_on", "03/03/2025"),
                ("protocol", "phụ lục 04"),
                ("assessment_hours", "8"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = |day| chrono::NaiveDate::from_ymd_opt(2025, 3, day).unwrap();
    let f = rehabops::care::fitness(app.db(), &[one, two], d(10))
        .await
        .unwrap();
    assert!(!f[&one].fit_for(Activity::Labour));
    assert_eq!(f[&one].unfit, vec![(Activity::Labour, Unfit::Restricted)]);
    assert!(f[&one].fit_for(Activity::Classes));
    assert!(Activity::ALL.iter().all(|a| !f[&two].fit_for(*a)));
    // After the restriction's end, fit again.
    let later = rehabops::care::fitness(app.db(), &[one], d(21))
        .await
        .unwrap();
    assert!(later[&one].fit_for(Activity::Labour));
    // Escaped: away, so unfit for everything.
    let r = clerk
        .post_form(
            &format!("/admissions/{one}/events"),
            &[("kind", "escape"), ("occurred_on", "22/03/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let away = rehabops::care::fitness(app.db(), &[one], d(23))
        .await
        .unwrap();
    assert!(!away[&one].present() && !away[&one].fit_for(Activity::Classes));
}

/// The director sets the planned stage lengths (data, not law); clinicians read them;
/// the ward list's overrun warnings follow them.
#[tokio::test]
async fn the_director_sets_the_stage_plan_and_the_ward_list_follows_it() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    admitted(
        &mut clerk,
        &app,
        "Đỗ Văn Lâu",
        "01/01/1990",
        "male",
        "001090000507",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut doctor = app.login_as(Role::Doctor).await;
    // Admitted 02/03/2025, still in stage 1 (planned 15 days): far over the plan.
    doctor
        .get("/treatment")
        .await
        .assert_contains("quá kế hoạch");
    let plan = doctor.get("/treatment/plan").await;
    assert_eq!(plan.status, StatusCode::OK);
    assert!(plan.body.contains("readonly"), "clinicians read the plan");
    assert_eq!(
        doctor
            .post_form("/treatment/plan", &[("stage_1", "9999")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut director = app.login_as(Role::Director).await;
    director
        .get("/beds/capacity")
        .await
        .assert_contains(r#"href="/treatment/plan""#);
    let fields = |first: &'static str| {
        vec![
            ("stage_1", first),
            ("stage_2", "30"),
            ("stage_3", "120"),
            ("stage_4", "170"),
            ("stage_5", "30"),
        ]
    };
    let r = director.post_form("/treatment/plan", &fields("0")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Số ngày từ 1 đến 730.");
    let r = director.post_form("/treatment/plan", &fields("730")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ward = doctor.get("/treatment").await;
    assert!(!ward.body.contains("quá kế hoạch"), "within 730 days");
}

/// Drug tests are recorded on the treatment record; a nurse on duty records an
/// emergency hospital transfer and the return as movements (the desk's rules and record).
#[tokio::test]
async fn drug_tests_and_a_night_shift_hospital_transfer() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Vũ Văn Viện",
        "01/01/1990",
        "male",
        "001090000508",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut nurse = app.login_as(Role::Nurse).await;
    let tests = format!("/treatment/admissions/{id}/drug-tests");
    let form = |result: &'static str| {
        vec![
            ("tested_on", "03/03/2025"),
            ("method", "urine_rapid"),
            ("result", result),
            ("substances", "morphin, methamphetamin"),
            ("note", ""),
        ]
    };
    let r = nurse.post_form(&tests, &form("")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("morphin, methamphetamin");
    let r = nurse.post_form(&tests, &form("positive")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = nurse.get(&format!("/treatment/admissions/{id}")).await;
    page.assert_contains("Dương tính");
    page.assert_contains("Test nhanh nước tiểu");
    // The emergency transfer, then the return.
    page.assert_contains("Chuyển viện cấp cứu");
    let hospital = format!("/treatment/admissions/{id}/hospital");
    let r = nurse
        .post_form(
            &hospital,
            &[
                ("kind", "hospital_out"),
                ("occurred_on", "04/03/2025"),
                ("occurred_time", "23:40"),
                ("place", "Bệnh viện Bạch Mai"),
                ("reason", "Co giật"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.presence, "in_hospital");
    nurse
        .get(&format!("/treatment/admissions/{id}"))
        .await
        .assert_contains("Trở về từ bệnh viện");
    // Only hospital movements go this way.
    let r = nurse
        .post_form(
            &hospital,
            &[("kind", "escape"), ("occurred_on", "05/03/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = nurse
        .post_form(
            &hospital,
            &[("kind", "hospital_return"), ("occurred_on", "06/03/2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// COWS on an open opioid episode: only anchor scores, the total and band computed, an
/// overdue assessment flagged on the ward list until one is recorded.
#[tokio::test]
async fn cows_scores_are_computed_and_overdue_assessments_flagged() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Ngô Văn Cai",
        "01/01/1990",
        "male",
        "001090000509",
        "compulsory_adult",
        "12",
    )
    .await;
    let mut nurse = app.login_as(Role::Nurse).await;
    let r = nurse
        .post_form(
            &format!("/treatment/admissions/{id}/detox"),
            &[
                ("substance_class", "opioid"),
                ("started_on", "03/03/2025"),
                ("protocol", "phụ lục 04"),
                ("assessment_hours", "8"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Started days ago, never assessed: overdue on the list.
    nurse
        .get("/treatment")
        .await
        .assert_contains("Quá hạn đánh giá");
    let ep = rehabops::entities::detox_episode::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let url = format!("/treatment/admissions/{id}/detox/{}/assessments", ep.id);
    let now = chrono::Utc::now().with_timezone(&rehabops::i18n::hanoi_offset());
    let (day, time) = (
        now.format("%d/%m/%Y").to_string(),
        now.format("%H:%M").to_string(),
    );
    // 4 1 3 2 2 2 3 1 2 1 3 = 24, moderate; gooseflesh 4 is not an anchor.
    let scores = ["4", "1", "3", "2", "2", "2", "3", "1", "2", "1", "3"];
    let fields = |last: &'static str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("item_{}", i + 1), (*s).to_owned()))
            .collect();
        v[10].1 = last.to_owned();
        v.extend([
            ("assessed_on".into(), day.clone()),
            ("assessed_time".into(), time.clone()),
            ("pulse".into(), "104".into()),
            ("systolic".into(), "".into()),
            ("diastolic".into(), "".into()),
            ("temperature".into(), "37,6".into()),
            ("note".into(), "".into()),
        ]);
        v
    };

    let bad = fields("4");
    let r = nurse.post_form(&url, &as_refs(&bad)[..]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Chọn điểm của mục này theo phiếu COWS.");
    let good = fields("3");
    let r = nurse.post_form(&url, &as_refs(&good)[..]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = rehabops::entities::withdrawal_assessment::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (a.total, a.band.as_str(), a.temperature_tenths),
        (24, "moderate", Some(376))
    );
    let page = nurse.get(&format!("/treatment/admissions/{id}")).await;
    page.assert_contains("Trung bình (13–24)");
    assert!(
        !nurse
            .get("/treatment")
            .await
            .body
            .contains("Quá hạn đánh giá")
    );
    // The dispenser reads the assessments (not the form).
    let mut dispenser = app.login_as(Role::Dispenser).await;
    let page = dispenser.get(&format!("/treatment/admissions/{id}")).await;
    page.assert_contains("Trung bình (13–24)");
    assert!(!page.body.contains("/assessments\""));
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// Migration 14 copies the stage changes intake recorded as movements into stage
/// transitions (a corrected one is left out), and stores when the current stage began.
#[tokio::test]
async fn migration_14_copies_recorded_stage_changes() {
    use migration::{Migrator, MigratorTrait};
    use rehabops::entities::admission_event;
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Lý Văn Cũ",
        "01/01/1990",
        "male",
        "001090000510",
        "compulsory_adult",
        "12",
    )
    .await;
    let event = |stage: i32, on: &str, corrects: Option<i32>| admission_event::ActiveModel {
        admission_id: Set(id),
        kind: Set("stage_change".into()),
        occurred_on: Set(on.parse().unwrap()),
        occurred_time: Set(String::new()),
        document_ref: Set(String::new()),
        reason: Set("ghi cũ".into()),
        months: Set(stage),
        travel_days: Set(0),
        place: Set(String::new()),
        corrects_id: Set(corrects),
        recorded_by: Set(None),
        recorded_by_name: Set("intake".into()),
        recorded_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    // Stage 2 typed wrong as 3, then corrected; the stage itself stored on the admission.
    let wrong = event(3, "2025-03-20", None).insert(app.db()).await.unwrap();
    event(2, "2025-03-20", Some(wrong.id))
        .insert(app.db())
        .await
        .unwrap();
    let mut a: admission::ActiveModel = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into();
    a.stage = Set(2);
    a.update(app.db()).await.unwrap();
    // Migration 14 again, on this data (and those after it).
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == "m20261124_000014_treatment")
        .expect("migration 14");
    Migrator::down(app.db(), Some((all.len() - at) as u32))
        .await
        .unwrap();
    Migrator::up(app.db(), None).await.unwrap();
    let copied: Vec<(i32, String)> = stage_transition::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.stage, t.entered_on.to_string()))
        .collect();
    assert_eq!(copied, vec![(2, "2025-03-20".to_owned())]);
    assert_eq!(
        stage_of(&app, id).await,
        (2, Some("2025-03-20".parse().unwrap()))
    );
}

/// The medical chart: flags seen by medical roles only (placement reads "isolation
/// needed"), notes corrected by new notes, every view audited.
#[tokio::test]
async fn the_chart_keeps_flags_to_medical_roles_and_corrections_as_new_notes() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Đỗ Văn Hiếu",
        "01/01/1990",
        "male",
        "001090000601",
        "compulsory_adult",
        "12",
    )
    .await;
    let chart = format!("/treatment/admissions/{id}/chart");
    let mut doctor = app.login_as(Role::Doctor).await;
    let page = doctor.get(&chart).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = doctor
        .post_form(
            &format!("{chart}/flags"),
            &[
                ("kind", "infectious"),
                ("detail", ""),
                ("starts_on", "01/12/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(r#"value="01/12/2026""#);
    let r = doctor
        .post_form(
            &format!("{chart}/flags"),
            &[
                ("kind", "infectious"),
                ("detail", "Lao phổi AFB dương tính"),
                ("isolation", "yes"),
                ("starts_on", "01/12/2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(a.infectious, "placement reads that isolation is needed");
    // The desk sees neither the chart nor the diagnosis; the dispenser reads, not writes.
    assert_eq!(clerk.get(&chart).await.status, StatusCode::FORBIDDEN);
    let resident_page = clerk.get(&format!("/residents/{}", a.resident_id)).await;
    assert!(!resident_page.body.contains("Lao phổi"));
    let mut dispenser = app.login_as(Role::Dispenser).await;
    dispenser
        .get(&chart)
        .await
        .assert_contains("Lao phổi AFB dương tính");
    let r = dispenser
        .post_form(
            &format!("{chart}/notes"),
            &[("body", "x"), ("corrects", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Notes: one, its correction (a new note), and no second correction of the same.
    let url = format!("{chart}/notes");
    let r = doctor
        .post_form(&url, &[("body", "Sốt 38,5 độ, ho khan"), ("corrects", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first = rehabops::entities::progress_note::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = doctor
        .post_form(
            &url,
            &[
                ("body", "Sốt 37,5 độ (ghi nhầm)"),
                ("corrects", &first.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = doctor
        .post_form(
            &url,
            &[("body", "Lần nữa"), ("corrects", &first.id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("chưa được đính chính");
    r.assert_contains("Lần nữa");
    let (n, page) = app.queries_of(&mut doctor, &chart).await;
    // Statements whatever the record's length: session, admission, resident, note count, notes, flags, the read audit.
    assert_eq!(n, 7, "chart page statements");
    page.assert_contains("Sốt 38,5 độ, ho khan");
    page.assert_contains("đã được đính chính");
    page.assert_contains("Diễn biến (2)");
    // Ending the flag lifts the isolation mark.
    let flag = rehabops::entities::medical_flag::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = doctor
        .post_form(
            &format!("{chart}/flags/{}/end", flag.id),
            &[("ended_on", "30/11/2026"), ("end_note", "")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before the start"
    );
    let r = doctor
        .post_form(
            &format!("{chart}/flags/{}/end", flag.id),
            &[("ended_on", "31/12/2199"), ("end_note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an end to come");
    let today = app.state.today().format("%d/%m/%Y").to_string();
    let r = doctor
        .post_form(
            &format!("{chart}/flags/{}/end", flag.id),
            &[("ended_on", &today), ("end_note", "Âm tính 2 lần")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = admission::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(!a.infectious);
    // Every view of the chart is in the audit log.
    let reads = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("medical.read"))
        .count(app.db())
        .await
        .unwrap();
    assert!(reads >= 3, "chart views audited: {reads}");
}

/// The medication administration record: a doctor orders, the nurse records each dose
/// once (a refusal with its reason), a dose without an order waits for a doctor, and
/// the nightly check marks what nobody recorded.
#[tokio::test]
async fn doses_are_recorded_once_against_orders_and_unrecorded_ones_are_marked_missed() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Bùi Văn Thuốc",
        "01/01/1990",
        "male",
        "001090000602",
        "compulsory_adult",
        "12",
    )
    .await;
    let mar = format!("/treatment/admissions/{id}/mar");
    let order = |drug: &'static str, kind: &'static str, times: &'static str, ind: &'static str| {
        vec![
            ("drug", drug),
            ("dose", "5 mg"),
            ("route", "oral"),
            ("kind", kind),
            ("times", times),
            ("indication", ind),
            ("starts_on", ""),
            ("ends_on", ""),
        ]
    };
    let mut nurse = app.login_as(Role::Nurse).await;
    let r = nurse
        .post_form(
            &format!("{mar}/orders"),
            &order("Diazepam", "regular", "00:00", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only doctors order");
    let mut doctor = app.login_as(Role::Doctor).await;
    let r = doctor
        .post_form(
            &format!("{mar}/orders"),
            &order("Paracetamol", "prn", "", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Y lệnh khi cần phải ghi chỉ định.");
    let r = doctor
        .post_form(
            &format!("{mar}/orders"),
            &order("Diazepam", "regular", "0h, 00:01", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The order was written two days ago (its times today are all due, not before it).
    let o = written_days_ago(&app, 2).await;
    let today = app.state.today();
    let due = rehabops::treatment::mar::store::due_of(&o, today);
    assert_eq!(due.len(), 2);
    let page = nurse.get(&mar).await;
    page.assert_contains("Diazepam 5 mg");
    page.assert_contains("00:01");
    let url = format!("{mar}/doses");
    // The form of a scheduled dose as the page builds it.
    let dose = |due: i64, status: &str, reason: &str| -> Vec<(String, String)> {
        [
            ("order", o.id.to_string()),
            ("due_at", due.to_string()),
            ("status", status.to_owned()),
            ("given_time", String::new()),
            ("reason", reason.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    for (fields, status, says) in [
        (dose(due[0], "given", ""), StatusCode::SEE_OTHER, ""),
        (
            dose(due[0], "given", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Liều này đã được ghi.",
        ),
        (
            dose(due[1], "not_given", ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ghi lý do",
        ),
        (
            dose(due[1], "not_given", "Học viên từ chối"),
            StatusCode::SEE_OTHER,
            "",
        ),
    ] {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = nurse.post_form(&url, &borrowed).await;
        assert_eq!(r.status, status, "{}", r.body);
        if !says.is_empty() {
            r.assert_contains(says);
        }
    }
    // A dose given without an order waits for a doctor.
    let r = nurse
        .post_form(
            &url,
            &[
                ("status", "given"),
                ("order", ""),
                ("due_at", ""),
                ("given_time", ""),
                ("drug", "Paracetamol"),
                ("dose", "500 mg"),
                ("route", "oral"),
                ("reason", "Sốt 38,5 độ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    doctor
        .get(&mar)
        .await
        .assert_contains("chờ bác sĩ xác nhận");
    let unacked = rehabops::entities::medication_dose::Entity::find()
        .filter(
            rehabops::entities::medication_dose::COLUMN
                .needs_ack
                .eq(true),
        )
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let ack = format!("{mar}/doses/{}/ack", unacked.id);
    assert_eq!(
        nurse.post_form(&ack, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = doctor.post_form(&ack, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (n, page) = app.queries_of(&mut doctor, &mar).await;
    // Statements whatever the record's length: session, admission, resident, running and other orders, doses, the read audit, the late window.
    assert_eq!(n, 8, "mar page statements");
    page.assert_contains("đã xác nhận: doctor");
    // The check after midnight (02:00 tomorrow) looks at the days before it: today's
    // doses of the first order were recorded, yesterday's two were not and are marked
    // (the day before that is beyond its reach).
    let check = rehabops::treatment::mar::store::mark_missed;
    let after =
        rehabops::schedule::recurrence::epoch_minutes(today + chrono::Duration::days(1), 0) + 120;
    assert_eq!(check(app.db(), after).await.unwrap(), 2);
    let r = doctor
        .post_form(
            &format!("{mar}/orders"),
            &order("Vitamin B1", "regular", "00:02", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    written_days_ago(&app, 2).await;
    // Its 00:02 dose yesterday and today, unrecorded.
    assert_eq!(check(app.db(), after).await.unwrap(), 2);
    // Nothing due today is marked during the day: a late dose can still be given.
    let noon = rehabops::schedule::recurrence::epoch_minutes(today, 12 * 60);
    let r = doctor
        .post_form(
            &format!("{mar}/orders"),
            &order("Vitamin C", "regular", "00:03", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    written_days_ago(&app, 1).await;
    assert_eq!(check(app.db(), noon).await.unwrap(), 0);
    assert_eq!(
        check(app.db(), after).await.unwrap(),
        1,
        "after midnight it is"
    );
    assert_eq!(check(app.db(), after).await.unwrap(), 0, "marked once");
    nurse.get(&mar).await.assert_contains("Bỏ lỡ");
}

/// Care plans: the classification and individual plan expected from stage 1, the
/// reintegration plan at stage 5; a new version replaces the current one, both kept.
#[tokio::test]
async fn care_plans_are_versions_and_the_stage_says_which_are_missing() {
    let app = TestApp::centre().await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let id = admitted(
        &mut clerk,
        &app,
        "Lý Văn Kế",
        "01/01/1990",
        "male",
        "001090000603",
        "compulsory_adult",
        "12",
    )
    .await;
    let url = format!("/treatment/admissions/{id}/plans");
    let mut counsellor = app.login_as(Role::Counsellor).await;
    assert_eq!(counsellor.get(&url).await.status, StatusCode::FORBIDDEN);
    let mut doctor = app.login_as(Role::Doctor).await;
    let page = doctor.get(&url).await;
    page.assert_contains("Chưa lập: Phân loại (giai đoạn 1), Kế hoạch cai nghiện cá nhân");
    let plan = |kind: &'static str, assessment: &'static str| {
        vec![
            ("kind", kind),
            ("assessment", assessment),
            ("goals", ""),
            ("actions", ""),
            ("review_on", ""),
        ]
    };
    let r = doctor.post_form(&url, &plan("classification", "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (kind, text) in [
        ("classification", "Nghiện heroin 5 năm, sức khỏe trung bình"),
        (
            "rehabilitation",
            "Cắt cơn 15 ngày, tư vấn cá nhân hằng tuần",
        ),
        (
            "rehabilitation",
            "Cắt cơn 20 ngày, tư vấn cá nhân hằng tuần",
        ),
    ] {
        let r = doctor.post_form(&url, &plan(kind, text)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let (n, page) = app.queries_of(&mut doctor, &url).await;
    // Statements whatever the record's length: session, admission, resident, plan versions, the read audit.
    assert_eq!(n, 5, "plans page statements");
    assert!(!page.body.contains("Chưa lập"));
    page.assert_contains("Cắt cơn 20 ngày");
    page.assert_contains("đã thay bằng phiên bản sau");
    let versions = rehabops::entities::care_plan::Entity::find()
        .filter(
            rehabops::entities::care_plan::COLUMN
                .kind
                .eq("rehabilitation"),
        )
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].replaces_id, Some(versions[0].id));
}

/// The latest order, as if the doctor had written it `days` days ago.
async fn written_days_ago(app: &TestApp, days: i64) -> rehabops::entities::medication_order::Model {
    use sea_orm::{ActiveModelTrait, QueryOrder, Set};
    let o = rehabops::entities::medication_order::Entity::find()
        .order_by_desc(rehabops::entities::medication_order::COLUMN.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut am: rehabops::entities::medication_order::ActiveModel = o.into();
    am.ordered_at = Set(chrono::Utc::now() - chrono::Duration::days(days));
    am.starts_on = Set(app.state.today() - chrono::Duration::days(days));
    am.update(app.db()).await.unwrap()
}
