//! The centre's one timetable: planning sessions as the form sends them, one clash check
//! across treatment sessions, vocational classes and labour shifts, holidays, the
//! horizon's extension, calendars, and the attendance sheet.

use axum::http::StatusCode;
use chrono::NaiveDate;
use rehabops::audit::Actor;
use rehabops::auth::Role;
use rehabops::entities::{
    app_user, attendance, resident, schedule_slot, slot_booking, slot_occurrence,
};
use rehabops::schedule::recurrence::Rule;
use rehabops::schedule::store::{self, Audience, NewSlot, OnClash};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter};

use crate::beds::admitted;
use crate::helpers::{Client, TestApp};

/// Monday 7 December 2026.
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
}

async fn code_of(app: &TestApp, admission_id: i32) -> String {
    let a = rehabops::entities::admission::Entity::find_by_id(admission_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    resident::Entity::find_by_id(a.resident_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .code
}

async fn staff_id(app: &TestApp, role: Role) -> i32 {
    app_user::Entity::find()
        .filter(app_user::Column::Role.eq(role.as_str()))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Three residents admitted by the desk: (admission id, code).
async fn three(app: &TestApp) -> Vec<(i32, String)> {
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let mut out = Vec::new();
    for (name, id) in [
        ("Nguyễn Văn An", "001090000701"),
        ("Trần Văn Bình", "001090000702"),
        ("Lê Văn Cường", "001090000703"),
    ] {
        let a = admitted(
            &mut clerk,
            app,
            name,
            "01/01/1990",
            "male",
            id,
            "compulsory_adult",
            "24",
        )
        .await;
        out.push((a, code_of(app, a).await));
    }
    out
}

/// The planning form as the page sends it: every field, empty ones included; weekday
/// boxes only when ticked.
async fn plan(c: &mut Client<'_>, fields: &[(&str, &str)]) -> crate::helpers::Resp {
    let mut all: Vec<(&str, &str)> = vec![
        ("kind", "counselling_group"),
        ("title", ""),
        ("audience", "residents"),
        ("residents", ""),
        ("zone", ""),
        ("staff", ""),
        ("room", ""),
        ("first_day", "07/12/2026"),
        ("last_day", ""),
        ("start_time", "08:00"),
        ("duration", "90"),
        ("on_clash", "exclude"),
        ("note", ""),
    ];
    for (k, v) in fields {
        match all.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v,
            None => all.push((k, v)),
        }
    }
    c.post_form("/treatment/sessions", &all).await
}

fn slot_id(r: &crate::helpers::Resp) -> i32 {
    let loc = r
        .location()
        .unwrap_or_else(|| panic!("no redirect: {}", r.body));
    loc.trim_start_matches("/schedule/slots/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn bookings(app: &TestApp, slot: i32, state: &str) -> u64 {
    slot_booking::Entity::find()
        .filter(slot_booking::Column::SlotId.eq(slot))
        .filter(slot_booking::Column::State.eq(state))
        .count(app.db())
        .await
        .unwrap()
}

fn actor() -> Actor {
    Actor::system("test")
}

/// Plans a slot directly (as the vocational and labour areas will), in one transaction
/// that is kept only on success, as the pages do.
async fn plan_slot(
    app: &TestApp,
    slot: &NewSlot,
) -> rehabops::error::AppResult<(i32, Vec<store::Clash>)> {
    let txn = rehabops::db::begin_write(app.db()).await.unwrap();
    let planned = store::plan(&txn, &actor(), slot, monday(), false).await?;
    txn.commit().await.unwrap();
    Ok(planned)
}

#[tokio::test]
async fn one_clash_check_covers_sessions_classes_and_shifts() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let (an, binh, cuong) = (&people[0], &people[1], &people[2]);
    let mut counsellor = app.login_as(Role::Counsellor).await;
    let me = staff_id(&app, Role::Counsellor).await.to_string();
    let pair = format!("{}, {}", an.1, binh.1.to_lowercase());
    // Weekly group counselling, Monday and Wednesday 08:00–09:30.
    let r = plan(
        &mut counsellor,
        &[
            ("title", "Phòng ngừa tái nghiện"),
            ("residents", &pair),
            ("staff", &me),
            ("room", "P. Tư vấn 1"),
            ("mon", "on"),
            ("wed", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let group = slot_id(&r);
    // 13 weeks of two days, two of them in Tết 2027 (8 and 10 February): cancelled.
    let occurrences = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(group))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(occurrences, 26);
    assert_eq!(bookings(&app, group, "booked").await, 48);
    assert_eq!(bookings(&app, group, "cancelled").await, 4);

    // A vocational class for Bình and Cường, Mondays 09:00–11:00, planned through the
    // same mechanism: Bình is in counselling until 09:30, so he is left out of it.
    let class = NewSlot {
        area: "vocational",
        kind: "class".into(),
        title: "Điện dân dụng".into(),
        audience: Audience::Residents(vec![binh.0, cuong.0]),
        room: "Xưởng điện".into(),
        staff: None,
        rule: Rule {
            first_day: monday(),
            last_day: None,
            weekdays: 1,
            start_minute: 9 * 60,
            duration_minutes: 120,
        },
        on_clash: OnClash::Exclude,
        note: String::new(),
    };
    let (class_id, excluded) = plan_slot(&app, &class).await.unwrap();
    // 13 Mondays, one of them (8 February) a holiday that clashes with nothing.
    assert_eq!(excluded.len(), 12);
    assert!(excluded.iter().all(|c| c.admission_id == binh.0));
    assert_eq!(excluded[0].other, "Phòng ngừa tái nghiện");
    assert_eq!(bookings(&app, class_id, "clash").await, 12);
    assert_eq!(bookings(&app, class_id, "booked").await, 12);

    // A labour shift for Cường at 10:00 that refuses clashes is refused whole.
    let shift = NewSlot {
        area: "labour",
        kind: "shift".into(),
        title: "Tổ rau".into(),
        audience: Audience::Residents(vec![cuong.0]),
        room: String::new(),
        rule: Rule {
            start_minute: 10 * 60,
            ..class.rule
        },
        on_clash: OnClash::Refuse,
        ..class.clone()
    };
    let refused = plan_slot(&app, &shift).await;
    match refused {
        Err(rehabops::error::AppError::Invalid(e)) => {
            assert_eq!(e.key("members"), Some("schedule.error.members_clash"))
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    // A one-off session for An at 09:00 overlaps counselling: refused on the form,
    // which keeps what was typed. At 09:30 it only touches, and is planned.
    let r = plan(
        &mut counsellor,
        &[
            ("kind", "counselling_individual"),
            ("title", "Tư vấn riêng An"),
            ("residents", &an.1),
            ("start_time", "09:00"),
            ("duration", "30"),
            ("on_clash", "refuse"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("trùng lịch khác");
    r.assert_contains("Tư vấn riêng An");
    r.assert_contains(r#"value="09:00""#);
    let before = schedule_slot::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(before, 2, "nothing half-written");
    let r = plan(
        &mut counsellor,
        &[
            ("kind", "counselling_individual"),
            ("title", "Tư vấn riêng An"),
            ("residents", &an.1),
            ("start_time", "09:30"),
            ("duration", "30"),
            ("on_clash", "refuse"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The same room at the same time is refused; the same staff member is a warning
    // that the planner may confirm.
    let r = plan(
        &mut counsellor,
        &[
            ("title", "Kỹ năng sống"),
            ("kind", "life_skills"),
            ("residents", &cuong.1),
            ("room", "P. Tư vấn 1"),
            ("start_time", "08:30"),
            ("first_day", "09/12/2026"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Phòng đã có lịch khác ngày 09/12/2026: Phòng ngừa tái nghiện.");
    let staffed = [
        ("title", "Kỹ năng sống"),
        ("kind", "life_skills"),
        ("residents", cuong.1.as_str()),
        ("staff", me.as_str()),
        ("start_time", "08:30"),
        ("first_day", "09/12/2026"),
    ];
    let r = plan(&mut counsellor, &staffed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Cán bộ đã có lịch khác ngày 09/12/2026");
    r.assert_contains(r#"name="confirm_staff""#);
    let mut confirmed = staffed.to_vec();
    confirmed.push(("confirm_staff", "yes"));
    let r = plan(&mut counsellor, &confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Unknown codes and a day gone by are named on the form.
    let r = plan(
        &mut counsellor,
        &[
            ("title", "x"),
            ("residents", "KHONGCO-1"),
            ("first_day", "01/12/2026"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("KHONGCO-1");
    r.assert_contains("Không thể chọn ngày đã qua.");
}

#[tokio::test]
async fn the_horizon_is_extended_as_weeks_pass_and_ended_slots_stop() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let weekly = NewSlot {
        area: "treatment",
        kind: "sport".into(),
        title: "Thể dục sáng".into(),
        audience: Audience::Residents(vec![people[0].0]),
        room: String::new(),
        staff: None,
        rule: Rule {
            first_day: monday(),
            last_day: None,
            weekdays: 1 | 2 | 4 | 8 | 16,
            start_minute: 6 * 60,
            duration_minutes: 45,
        },
        on_clash: OnClash::Exclude,
        note: String::new(),
    };
    let (id, _) = plan_slot(&app, &weekly).await.unwrap();
    let count = || async {
        slot_occurrence::Entity::find()
            .filter(slot_occurrence::Column::SlotId.eq(id))
            .count(app.db())
            .await
            .unwrap()
    };
    assert_eq!(count().await, 65);
    let later = monday() + chrono::Duration::days(14);
    assert_eq!(store::extend(app.db(), later).await.unwrap(), 1);
    assert_eq!(count().await, 75);
    // Nothing more to do the same day.
    assert_eq!(store::extend(app.db(), later).await.unwrap(), 0);
    // Ended from 1 January: later occurrences are cancelled and never extended.
    let slot = schedule_slot::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let end = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    store::cancel_from(app.db(), &actor(), slot, end, "Đổi giờ")
        .await
        .unwrap();
    let held = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(id))
        .filter(slot_occurrence::Column::Cancelled.eq(""))
        .count(app.db())
        .await
        .unwrap();
    // 7 Dec – 31 Dec 2026, weekdays: 19.
    assert_eq!(held, 19);
    assert_eq!(
        store::extend(app.db(), later + chrono::Duration::days(30))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_group_takes_attendance_on_one_sheet_and_every_change_is_kept() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let mut teacher = app.login_as(Role::Teacher).await;
    let codes = people
        .iter()
        .map(|p| p.1.clone())
        .collect::<Vec<_>>()
        .join(",");
    let r = plan(
        &mut teacher,
        &[
            ("kind", "literacy"),
            ("title", "Bổ túc văn hóa"),
            ("residents", &codes),
            ("start_time", "14:00"),
            ("mon", "on"),
            ("thu", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slot = slot_id(&r);
    // Cường went to hospital last night (recorded by the nurse on duty).
    let mut nurse = app.login_as(Role::Nurse).await;
    let r = nurse
        .post_form(
            &format!("/treatment/admissions/{}/hospital", people[2].0),
            &[
                ("kind", "hospital_out"),
                ("occurred_on", "06/12/2026"),
                ("occurred_time", "23:40"),
                ("document_ref", ""),
                ("place", "Bệnh viện Bạch Mai"),
                ("reason", "Sốt cao"),
                ("months", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let today = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(slot))
        .filter(slot_occurrence::Column::Day.eq(monday()))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let url = format!("/schedule/occurrences/{}", today.id);
    let (n, sheet) = app.queries_of(&mut teacher, &url).await;
    assert_eq!(sheet.status, StatusCode::OK);
    // Session, occurrence, slot, a page of members, the sheet's totals, the reasons.
    assert_eq!(n, 6, "attendance sheet statements");
    sheet.assert_contains("Nguyễn Văn An");
    // The movement record fills Cường's reason; nobody types it twice.
    let cuong = people[2].0;
    sheet.assert_contains(r#"<option value="in_hospital" selected>"#);
    assert!(sheet.body.contains(&format!(r#"name="reason_{cuong}""#)));
    // "Refused" needs a note: the whole sheet waits, the typed marks stay.
    let (a, b) = (people[0].0.to_string(), people[1].0.to_string());
    let fields = |b_reason: &'static str, b_note: &'static str| {
        vec![
            (format!("reason_{a}"), "attended".to_owned()),
            (format!("note_{a}"), String::new()),
            (format!("reason_{b}"), b_reason.to_owned()),
            (format!("note_{b}"), b_note.to_owned()),
            (format!("reason_{cuong}"), "in_hospital".to_owned()),
            (format!("note_{cuong}"), String::new()),
        ]
    };
    let f = fields("refused", "");
    let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = teacher.post_form(&url, &borrowed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Lý do này cần ghi chú.");
    r.assert_contains(r#"<option value="refused" selected>"#);
    assert_eq!(attendance::Entity::find().count(app.db()).await.unwrap(), 0);
    let f = fields("refused", "Không muốn học");
    let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = teacher.post_form(&url, &borrowed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(attendance::Entity::find().count(app.db()).await.unwrap(), 3);
    // Saving the same sheet again writes nothing; a change is a new record naming the old.
    let r = teacher.post_form(&url, &borrowed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(attendance::Entity::find().count(app.db()).await.unwrap(), 3);
    let f = fields("attended", "Đến muộn 10 phút");
    let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    teacher.post_form(&url, &borrowed).await;
    let all = attendance::Entity::find()
        .filter(attendance::Column::AdmissionId.eq(people[1].0))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].replaces_id, Some(all[0].id));
    assert_eq!(all[1].reason, "attended");
    // Thursday's occurrence has not happened yet.
    let thursday = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(slot))
        .filter(slot_occurrence::Column::Day.eq(monday() + chrono::Duration::days(3)))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = teacher
        .post_form(&format!("/schedule/occurrences/{}", thursday.id), &borrowed)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Chưa đến ngày của buổi này.");
    // A labour supervisor takes attendance at shifts, not at this literacy class: the
    // sheet is read-only for them and a save is refused; nor may they plan.
    let mut labour = app.login_as(Role::LabourSupervisor).await;
    let page = labour.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Lưu điểm danh"));
    assert_eq!(
        labour.post_form(&url, &borrowed).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        labour.get("/treatment/sessions/new").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn calendars_show_a_resident_a_staff_member_and_a_week_in_few_statements() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let mut counsellor = app.login_as(Role::Counsellor).await;
    let me = staff_id(&app, Role::Counsellor).await.to_string();
    let r = plan(
        &mut counsellor,
        &[
            ("title", "Nhóm đồng đẳng"),
            ("residents", &people[0].1),
            ("staff", &me),
            ("tue", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = plan(
        &mut counsellor,
        &[
            ("title", "Giáo dục pháp luật"),
            ("kind", "education"),
            ("residents", &people[1].1),
            ("start_time", "10:00"),
            ("wed", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut doctor = app.login_as(Role::Doctor).await;
    let (n, page) = app
        .queries_of(&mut doctor, &format!("/schedule?resident={}", people[0].1))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Nhóm đồng đẳng");
    assert!(!page.body.contains("Giáo dục pháp luật"));
    page.assert_contains("08:00–09:30");
    // Session, the resident and their admission, the week, zones, staff.
    assert_eq!(n, 6, "resident calendar statements");
    let page = doctor.get(&format!("/schedule?staff={me}")).await;
    page.assert_contains("Nhóm đồng đẳng");
    assert!(!page.body.contains("Giáo dục pháp luật"));
    let page = doctor.get("/schedule").await;
    page.assert_contains("Nhóm đồng đẳng");
    page.assert_contains("Giáo dục pháp luật");
    // The next week's link, as the page writes it.
    let next = page.body.split(r#"rel="next""#).next().unwrap();
    let href = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let next_week = doctor.get(&href.replace("&#38;", "&")).await;
    assert_eq!(next_week.status, StatusCode::OK);
    next_week.assert_contains("14/12/2026");
    next_week.assert_contains("Nhóm đồng đẳng");
    // A bad week is a clear 400, not a 500.
    assert_eq!(
        doctor.get("/schedule?week=31/02/2026").await.status,
        StatusCode::BAD_REQUEST
    );
    // The release hook frees the resident's time after the release day.
    rehabops::schedule::store::on_release(app.db(), people[0].0, monday())
        .await
        .unwrap();
    let page = doctor
        .get(&format!(
            "/schedule?resident={}&week=14/12/2026",
            people[0].1
        ))
        .await;
    assert!(!page.body.contains("Nhóm đồng đẳng"));
}

#[tokio::test]
async fn zone_sessions_follow_residents_as_they_move_and_a_clashing_move_is_warned() {
    let app = TestApp::centre_on(monday()).await;
    let mut director = app.login_as(Role::Director).await;
    let a_beds = crate::beds::setup_zone(&mut director, &app, "A", "compulsory", "male", "3").await;
    let b_beds = crate::beds::setup_zone(&mut director, &app, "B", "compulsory", "male", "3").await;
    let people = three(&app).await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    for (p, b) in people.iter().zip(&a_beds) {
        let r = bed_of(&mut clerk, p.0, *b).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // Zone A's morning exercise, every weekday; zone B's life skills on Mondays at 06:30.
    let exercise = |zone: &str, start: u32, weekdays: u8, title: &str| NewSlot {
        area: "treatment",
        kind: "sport".into(),
        title: title.into(),
        audience: Audience::Zone(zone.into()),
        room: String::new(),
        staff: None,
        rule: Rule {
            first_day: monday(),
            last_day: None,
            weekdays,
            start_minute: start,
            duration_minutes: 45,
        },
        on_clash: OnClash::Exclude,
        note: String::new(),
    };
    let (a_slot, _) = plan_slot(&app, &exercise("Khu A", 6 * 60, 31, "Thể dục khu A"))
        .await
        .unwrap();
    let (b_slot, _) = plan_slot(&app, &exercise("Khu B", 6 * 60 + 30, 1, "Kỹ năng khu B"))
        .await
        .unwrap();
    assert_eq!(bookings(&app, a_slot, "booked").await, 3 * 65 - 3 * 6);
    // An individual session for An on Mondays at 07:00.
    let mut own = exercise("", 7 * 60, 1, "Tư vấn riêng");
    own.audience = Audience::Residents(vec![people[0].0]);
    plan_slot(&app, &own).await.unwrap();

    // Bình moves to zone B: he leaves A's sessions and joins B's, booked from today.
    let r = bed_of(&mut clerk, people[1].0, b_beds[0]).await;
    assert_eq!(
        r.location(),
        Some(
            format!(
                "/residents/{}?ok=bed_assigned",
                resident_of(&app, people[1].0).await
            )
            .as_str()
        )
    );
    assert_eq!(bookings(&app, a_slot, "left").await, 65 - 6);
    assert_eq!(bookings(&app, b_slot, "booked").await, 12);
    // A new arrival admitted into zone B joins its sessions too.
    let newcomer = admitted(
        &mut clerk,
        &app,
        "Phạm Văn Dũng",
        "01/01/1991",
        "male",
        "001091000704",
        "compulsory_adult",
        "24",
    )
    .await;
    let r = bed_of(&mut clerk, newcomer, b_beds[1]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(bookings(&app, b_slot, "booked").await, 24);
    // An moves to B, whose 06:30 session overlaps his own 07:00 one on Mondays: he is
    // left out of those, and the desk is told.
    let r = bed_of(&mut clerk, people[0].0, b_beds[2]).await;
    assert_eq!(
        r.location(),
        Some(
            format!(
                "/residents/{}?ok=bed_assigned_clash",
                resident_of(&app, people[0].0).await
            )
            .as_str()
        )
    );
    let page = clerk.get(r.location().unwrap()).await;
    page.assert_contains("trùng lịch ở một số buổi sinh hoạt");
    assert_eq!(bookings(&app, b_slot, "clash").await, 12);
    let slot_page = clerk.get(&format!("/schedule/slots/{b_slot}")).await;
    slot_page.assert_contains("Nguyễn Văn An");
    assert!(
        !slot_page.body.contains("Lê Văn Cường"),
        "Cường stayed in A"
    );
}

async fn resident_of(app: &TestApp, admission_id: i32) -> i32 {
    rehabops::entities::admission::Entity::find_by_id(admission_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .resident_id
}

/// Assigns a bed as the resident page's form sends it.
async fn bed_of(c: &mut Client<'_>, adm: i32, bed: i32) -> crate::helpers::Resp {
    let url = format!("/admissions/{adm}/bed");
    let bed = bed.to_string();
    c.post_form(
        &url,
        &[("bed_id", &bed), ("reason", ""), ("override_reason", "")],
    )
    .await
}

#[tokio::test]
async fn time_use_counts_attended_hours_by_kind_against_the_target() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let (an, binh) = (people[0].0, people[1].0);
    let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    // One-off sessions earlier this month: (area, kind, day, hour, members).
    let sessions = [
        ("treatment", "counselling_group", 0, 8, vec![an]),
        ("treatment", "sport", 0, 10, vec![an, binh]),
        ("vocational", "class", 1, 8, vec![an]),
        ("treatment", "sport", 2, 10, vec![an]),
    ];
    let mut teacher = app.login_as(Role::Teacher).await;
    let mut trainer = app.login_as(Role::VocationalTrainer).await;
    for (i, (area, kind, day, hour, members)) in sessions.into_iter().enumerate() {
        let slot = NewSlot {
            area,
            kind: kind.into(),
            title: format!("Buổi {i}"),
            audience: Audience::Residents(members.clone()),
            room: String::new(),
            staff: None,
            rule: Rule {
                first_day: first + chrono::Duration::days(day),
                last_day: None,
                weekdays: 0,
                start_minute: hour * 60,
                duration_minutes: 60,
            },
            on_clash: OnClash::Exclude,
            note: String::new(),
        };
        let txn = rehabops::db::begin_write(app.db()).await.unwrap();
        let (id, _) = store::plan(&txn, &actor(), &slot, first, false)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        let occ = slot_occurrence::Entity::find()
            .filter(slot_occurrence::Column::SlotId.eq(id))
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        // The last sport session An refused: it does not count.
        let reason = if i == 3 { "refused" } else { "attended" };
        let mut fields = Vec::new();
        for m in &members {
            fields.push((format!("reason_{m}"), reason.to_owned()));
            fields.push((
                format!("note_{m}"),
                if i == 3 { "Mệt" } else { "" }.to_owned(),
            ));
        }
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // The class's attendance is the trainer's; the sessions' the teacher's.
        let taker = if area == "vocational" {
            &mut trainer
        } else {
            &mut teacher
        };
        let r = taker
            .post_form(&format!("/schedule/occurrences/{}", occ.id), &borrowed)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // The monthly figures kept as attendance was taken equal a rebuild from the records.
    let kept = month_rows(&app).await;
    rehabops::schedule::time_use::rebuild(app.db())
        .await
        .unwrap();
    assert_eq!(kept, month_rows(&app).await);
    assert_eq!(kept.len(), 2);
    let mut director = app.login_as(Role::Director).await;
    let (n, page) = app
        .queries_of(&mut director, "/schedule/time-use?month=12/2026")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // Session, count, page, target, zones: whatever the number of residents.
    assert_eq!(n, 5, "time use statements");
    // Bình: one hour of sport, 0%; An: 2 of 3 hours, 66,7%: both under 70%, worst first.
    let body = &page.body;
    let (b_at, a_at) = (
        body.find("Trần Văn Bình").unwrap(),
        body.find("Nguyễn Văn An").unwrap(),
    );
    assert!(b_at < a_at, "the lowest share first");
    page.assert_contains("66,7% · dưới mục tiêu");
    page.assert_contains("0,0% · dưới mục tiêu");
    // The director lowers the target to 60%: An meets it.
    let r = director
        .post_form("/schedule/time-use/target", &[("target", "abc")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Nhập số nguyên từ 1 đến 100.");
    let r = director
        .post_form("/schedule/time-use/target", &[("target", "60")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = director.get("/schedule/time-use?month=12/2026").await;
    assert!(!page.body.contains("66,7% · dưới mục tiêu"));
    page.assert_contains("66,7%");
    // Last month had nothing; a month that does not parse is a 400.
    director
        .get("/schedule/time-use?month=11/2026")
        .await
        .assert_contains("Không có buổi nào");
    assert_eq!(
        director
            .get("/schedule/time-use?month=13/2026")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Only the director sets the target.
    let r = teacher
        .post_form("/schedule/time-use/target", &[("target", "50")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_health_check_attended_clears_the_six_monthly_flag_on_the_ward_list_and_summary() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let summary = || async {
        rehabops::treatment::hooks::summary(app.db(), monday())
            .await
            .unwrap()["health_check_overdue"]
    };
    // Admitted on 2 March 2025 with no check since: all three are overdue.
    assert_eq!(summary().await, 3);
    let mut doctor = app.login_as(Role::Doctor).await;
    let ward = doctor.get("/treatment").await;
    assert_eq!(
        ward.body.matches("Quá hạn khám sức khỏe định kỳ").count(),
        3
    );
    let r = plan(
        &mut doctor,
        &[
            ("kind", "health_check"),
            ("title", "Khám sức khỏe định kỳ"),
            ("residents", &people[0].1),
            ("start_time", "07:00"),
            ("duration", "20"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let occ = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(slot_id(&r)))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let id = people[0].0;
    let r = doctor
        .post_form(
            &format!("/schedule/occurrences/{}", occ.id),
            &[
                (&format!("reason_{id}"), "attended"),
                (&format!("note_{id}"), ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(summary().await, 2);
    let ward = doctor.get("/treatment").await;
    assert_eq!(
        ward.body.matches("Quá hạn khám sức khỏe định kỳ").count(),
        2
    );
    // Corrected to "sick" (not held): overdue again; only the current record counts.
    let r = doctor
        .post_form(
            &format!("/schedule/occurrences/{}", occ.id),
            &[
                (&format!("reason_{id}"), "sick"),
                (&format!("note_{id}"), ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(summary().await, 3);
}

#[tokio::test]
async fn a_holiday_cancels_the_days_sessions_and_taking_it_back_restores_each_member() {
    let app = TestApp::centre_on(monday()).await;
    let people = three(&app).await;
    let mut nurse = app.login_as(Role::Nurse).await;
    let pair = format!("{},{}", people[0].1, people[1].1);
    let r = plan(
        &mut nurse,
        &[
            ("kind", "education"),
            ("title", "Giáo dục sức khỏe"),
            ("residents", &pair),
            ("wed", "on"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slot = slot_id(&r);
    // Bình is excused from 16 December on (the form as the slot page builds it).
    let url = format!("/schedule/slots/{slot}/excuse");
    let r = nurse
        .post_form(
            &url,
            &[
                ("member", &people[1].0.to_string()),
                ("excused_from", "16/12/2026"),
                ("excuse_note", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let r = nurse
        .post_form(
            &url,
            &[
                ("member", &people[1].0.to_string()),
                ("excused_from", "16/12/2026"),
                ("excuse_note", "Học lớp bổ túc buổi sáng"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let day = NaiveDate::from_ymd_opt(2026, 12, 16).unwrap();
    let states = || async {
        let occ = slot_occurrence::Entity::find()
            .filter(slot_occurrence::Column::SlotId.eq(slot))
            .filter(slot_occurrence::Column::Day.eq(day))
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        let mut s: Vec<String> = slot_booking::Entity::find()
            .filter(slot_booking::Column::OccurrenceId.eq(occ.id))
            .all(app.db())
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.state)
            .collect();
        s.sort();
        (occ.cancelled, s)
    };
    assert_eq!(
        states().await,
        ("".into(), vec!["booked".into(), "excused".into()])
    );
    let mut director = app.login_as(Role::Director).await;
    let r = director
        .post_form(
            "/schedule/holidays",
            &[("day", "01/12/2026"), ("name", "Nghỉ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Không thể chọn ngày đã qua.");
    let r = director
        .post_form(
            "/schedule/holidays",
            &[("day", "16/12/2026"), ("name", "Nghỉ bù")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        states().await,
        (
            "holiday".into(),
            vec!["cancelled".into(), "cancelled".into()]
        )
    );
    let r = director
        .post_form(
            "/schedule/holidays",
            &[("day", "16/12/2026"), ("name", "Lần hai")],
        )
        .await;
    r.assert_contains("Ngày này đã là ngày nghỉ.");
    // The nurse may not change the calendar; the director takes the day back.
    let r = nurse
        .post_form("/schedule/holidays/remove", &[("day", "16/12/2026")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = director.get("/schedule/holidays").await;
    page.assert_contains("Nghỉ bù");
    let r = director
        .post_form("/schedule/holidays/remove", &[("day", "16/12/2026")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        states().await,
        ("".into(), vec!["booked".into(), "excused".into()])
    );
}

#[tokio::test]
async fn a_zone_wide_sheet_is_paged_and_each_page_saves_its_own_members() {
    let app = TestApp::centre_on(monday()).await;
    rehabops::intake::demo::seed(app.db(), "CS01", 400, monday())
        .await
        .unwrap();
    let zone = "Khu bắt buộc nam";
    let assembly = NewSlot {
        area: "treatment",
        kind: "education".into(),
        title: "Sinh hoạt toàn khu".into(),
        audience: Audience::Zone(zone.into()),
        room: "Hội trường".into(),
        staff: None,
        rule: Rule {
            first_day: monday(),
            last_day: None,
            weekdays: 0,
            start_minute: 14 * 60,
            duration_minutes: 60,
        },
        on_clash: OnClash::Exclude,
        note: String::new(),
    };
    let (slot, _) = plan_slot(&app, &assembly).await.unwrap();
    let members = bookings(&app, slot, "booked").await;
    assert!(members > 100, "a zone larger than one page: {members}");
    let occ = slot_occurrence::Entity::find()
        .filter(slot_occurrence::Column::SlotId.eq(slot))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut counsellor = app.login_as(Role::Counsellor).await;
    let url = format!("/schedule/occurrences/{}", occ.id);
    let first = counsellor.get(&url).await;
    assert_eq!(first.body.matches("name=\"reason_").count(), 100);
    first.assert_contains(&format!("Đã điểm danh 0/{members} học viên."));
    // The pager's link, as the page writes it, then that page's form as sent.
    let next = first.body.split(r#"rel="next""#).next().unwrap();
    let href = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let second = counsellor.get(&href.replace("&#38;", "&")).await;
    let on_second = second.body.matches("name=\"reason_").count() as u64;
    assert_eq!(on_second, (members - 100).min(100));
    let ids: Vec<String> = second
        .body
        .split("name=\"reason_")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    let mut fields: Vec<(String, String)> = vec![("page".into(), "2".into())];
    for id in &ids {
        fields.push((format!("reason_{id}"), "attended".into()));
        fields.push((format!("note_{id}"), String::new()));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = counsellor.post_form(&url, &borrowed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().unwrap().ends_with("page=2"));
    let again = counsellor.get(&url).await;
    again.assert_contains(&format!("Đã điểm danh {on_second}/{members} học viên."));
    // The slot's page counts every member and lists a page of them.
    let (n, page) = app
        .queries_of(&mut counsellor, &format!("/schedule/slots/{slot}"))
        .await;
    // Statements whatever the record's length: session, slot, a page of members, totals, next occurrences.
    assert_eq!(n, 5, "slot page statements");
    page.assert_contains(&format!("Học viên ({members})"));
    page.assert_contains(&format!("/schedule/slots/{slot}?page=2"));
}

async fn month_rows(app: &TestApp) -> Vec<(i32, i64, i64, i64, i64)> {
    #[derive(FromQueryResult)]
    struct Row {
        admission_id: i32,
        counselling: i64,
        education: i64,
        vocational: i64,
        total: i64,
    }
    let backend = sea_orm::ConnectionTrait::get_database_backend(app.db());
    Row::find_by_statement(sea_orm::Statement::from_string(
        backend,
        "SELECT admission_id, counselling, education, vocational, total FROM time_use_month \
         ORDER BY admission_id",
    ))
    .all(app.db())
    .await
    .unwrap()
    .into_iter()
    .map(|r| {
        (
            r.admission_id,
            r.counselling,
            r.education,
            r.vocational,
            r.total,
        )
    })
    .collect()
}
