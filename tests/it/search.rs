//! The residents list as the page and the API are used: the filter form submitted as the
//! browser builds it (empty fields included), the pager's links as the page writes them,
//! partial codes, past-the-end pages, the SQL filters against a plain reference over the
//! same people, and the number of statements a list page runs.

use axum::http::StatusCode;
use chrono::NaiveDate;
use rehabops::auth::Role;
use rehabops::entities::{admission, resident};
use sea_orm::{EntityTrait, QueryFilter};

use crate::helpers::{Resp, TestApp};

const PEOPLE: usize = 60;

/// A centre with `PEOPLE` demo residents (some released), as the demo seeds them.
async fn seeded() -> TestApp {
    let app = TestApp::centre().await;
    let today = app.state.today();
    let n = rehabops::intake::demo::seed(app.db(), "CS01", PEOPLE, today)
        .await
        .expect("seed");
    assert!(n >= PEOPLE, "seeded {n}");
    app
}

/// The `href` of the link with `rel` (as the page writes it, HTML-escaped `&`).
fn link(r: &Resp, rel: &str) -> Option<String> {
    let at = r.body.find(&format!(r#"rel="{rel}""#))?;
    let start = r.body[..at].rfind("href=\"")? + 6;
    let end = start + r.body[start..].find('"')?;
    Some(r.body[start..end].replace("&amp;", "&"))
}

/// Resident ids listed on a page, in order.
fn listed_ids(r: &Resp) -> Vec<i32> {
    r.body
        .split("<a href=\"/residents/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn the_filter_form_and_the_pager_work_as_the_browser_sends_them() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let first = c.get("/residents").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // Submitting the form untouched sends every field, empty ones included.
    let form = c
        .get("/residents?q=&admission_type=&sex=&zone=&due_within=")
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_eq!(listed_ids(&form), listed_ids(&first));
    // The pager's next link, followed as written, gives the next 25.
    let next = link(&first, "next").expect("a next link on page 1");
    assert!(
        !next.contains("due_within="),
        "empty fields left out: {next}"
    );
    let second = c.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{next}: {}", second.body);
    let (a, b) = (listed_ids(&first), listed_ids(&second));
    assert_eq!(a.len(), 25);
    assert!(
        !b.is_empty() && b.iter().all(|id| !a.contains(id)),
        "{a:?} {b:?}"
    );
    let back = link(&second, "prev").expect("a previous link on page 2");
    assert_eq!(listed_ids(&c.get(&back).await), a);
    // Filters survive paging.
    let filtered = c
        .get("/residents?q=&admission_type=&sex=male&zone=&due_within=&all=true")
        .await;
    let next = link(&filtered, "next").expect("next with filters");
    assert!(
        next.contains("sex=male") && next.contains("all=true"),
        "{next}"
    );
    // A page past the end (an old link) goes to the last page.
    let far = c.get("/residents?page=99").await;
    assert_eq!(far.status, StatusCode::SEE_OTHER);
    // Clearing the box on the release calendar.
    let releases = c.get("/releases?days=").await;
    assert_eq!(releases.status, StatusCode::OK, "{}", releases.body);
    // A value of the wrong kind is a clear 400 page in the user's language.
    let bad = c.get("/residents?due_within=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Không đọc được địa chỉ trang");
}

#[tokio::test]
async fn a_part_of_a_resident_code_finds_the_resident() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let someone = resident::Entity::find_by_id(12)
        .one(app.db())
        .await
        .unwrap()
        .expect("resident 12");
    let part = someone.code.trim_start_matches("CS01-"); // "000012"
    let r = c.get(&format!("/residents?all=true&q={part}")).await;
    assert_eq!(listed_ids(&r), vec![someone.id], "{}", r.body);
    // Lower case and the centre prefix work too.
    let lower = someone.code.to_lowercase();
    let r = c.get(&format!("/residents?all=true&q={lower}")).await;
    assert_eq!(listed_ids(&r), vec![someone.id]);
}

#[tokio::test]
async fn the_api_pages_end_with_an_empty_page_and_refuses_pages_that_do_not_fit() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let total_now = c.get("/api/v1/residents?all=true").await.json()["total"]
        .as_i64()
        .expect("total");
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let r = c
            .get(&format!("/api/v1/residents?all=true&page={page}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let body = r.json();
        assert_eq!(body["page"], page);
        let items = body["items"].as_array().expect("items").clone();
        if items.is_empty() {
            break;
        }
        seen.extend(items.iter().map(|i| i["id"].as_i64().expect("id")));
        page += 1;
        assert!(
            page <= total_now / 25 + 2,
            "a client reading to the empty page must stop"
        );
    }
    let total = c.get("/api/v1/residents?all=true").await.json()["total"].clone();
    assert_eq!(total.as_u64(), Some(seen.len() as u64));
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no one twice across pages");
    for bad in ["0", "abc", "-1", "1000001", "99999999999999999999999"] {
        let r = c.get(&format!("/api/v1/residents?page={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "page={bad}");
        assert!(r.json()["message"].is_string(), "JSON error for page={bad}");
    }
    // Empty optional fields are "not set" for the API too.
    let r = c
        .get("/api/v1/residents?q=&sex=&zone=&due_within=&page=")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

struct Person {
    r: resident::Model,
    a: Option<admission::Model>,
}

async fn everyone(app: &TestApp) -> Vec<Person> {
    let actives = admission::Entity::find()
        .filter(admission::COLUMN.status.eq("active"))
        .all(app.db())
        .await
        .unwrap();
    resident::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| Person {
            a: actives.iter().find(|a| a.resident_id == r.id).cloned(),
            r,
        })
        .collect()
}

/// Total and first page through the API.
async fn api_ids(c: &mut crate::helpers::Client<'_>, query: &str) -> (u64, Vec<i32>) {
    let r = c.get(&format!("/api/v1/residents?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    let body = r.json();
    let ids = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id") as i32)
        .collect();
    (body["total"].as_u64().expect("total"), ids)
}

#[tokio::test]
async fn the_sql_filters_agree_with_a_plain_reading_of_the_register() {
    let app = seeded().await;
    let today = app.state.today();
    let people = everyone(&app).await;
    let zone = people
        .iter()
        .find_map(|p| p.a.as_ref().map(|a| a.zone.clone()))
        .expect("a zone");
    let minor_cutoff = today.checked_sub_months(chrono::Months::new(216)).unwrap();
    let due = |p: &Person, n: i64| {
        p.a.as_ref()
            .and_then(|a| a.expected_end)
            .is_some_and(|e: NaiveDate| (e - today).num_days() <= n)
    };
    let zone_q = format!("zone={}", zone.replace(' ', "+"));
    // What the search promises for typed text: part of the folded name, part of the
    // code, or the whole identity number.
    let text = |p: &Person, typed: &str| {
        let upper = typed.to_uppercase().replace(' ', "");
        p.r.name_search
            .contains(&rehabops::i18n::fold_for_search(typed))
            || p.r.code.contains(&upper)
            || p.r.id_number == upper
    };
    let some_code = people[people.len() / 2].r.code.clone();
    let some_id = people[people.len() / 3].r.id_number.clone();
    type Rule<'a> = Box<dyn Fn(&Person) -> bool + 'a>;
    let cases: Vec<(String, Rule)> = vec![
        ("".into(), Box::new(|p| p.a.is_some())),
        ("all=true".into(), Box::new(|_| true)),
        (
            "all=true&sex=female".into(),
            Box::new(|p| p.r.sex == "female"),
        ),
        (
            "admission_type=voluntary".into(),
            Box::new(|p| {
                p.a.as_ref()
                    .is_some_and(|a| a.admission_type == "voluntary")
            }),
        ),
        (
            zone_q.clone(),
            Box::new(|p| p.a.as_ref().is_some_and(|a| a.zone == zone)),
        ),
        ("due_within=90".into(), Box::new(|p| due(p, 90))),
        (
            "all=true&minors=true".into(),
            Box::new(|p| p.r.date_of_birth > minor_cutoff),
        ),
        (
            "q=nguyen".into(),
            Box::new(|p| p.a.is_some() && p.r.name_search.contains("nguyen")),
        ),
        // Typed text through the trigram index: shorter than a trigram, several
        // words with diacritics, part of a code, a whole identity number.
        ("all=true&q=an".into(), Box::new(|p| text(p, "an"))),
        (
            "all=true&q=V%C4%83n+%C4%90".into(),
            Box::new(|p| text(p, "Văn Đ")),
        ),
        (
            format!("all=true&q={}", &some_code[3..]),
            Box::new(|p| text(p, &some_code[3..])),
        ),
        (
            format!("all=true&q={}", some_id),
            Box::new(|p| text(p, &some_id)),
        ),
    ];
    let mut c = app.login_as(Role::IntakeClerk).await;
    for (query, keep) in &cases {
        let mut expected: Vec<&Person> = people.iter().filter(|p| keep(p)).collect();
        expected.sort_by(|x, y| (&x.r.name_search, x.r.id).cmp(&(&y.r.name_search, y.r.id)));
        let (total, ids) = api_ids(&mut c, query).await;
        assert_eq!(total as usize, expected.len(), "total for {query:?}");
        let want: Vec<i32> = expected.iter().take(25).map(|p| p.r.id).collect();
        assert_eq!(ids, want, "first page for {query:?}");
    }
    // The cases are not vacuous: each filter keeps some and drops some of the register.
    for (query, keep) in &cases[2..] {
        let kept = people.iter().filter(|p| keep(p)).count();
        assert!(kept > 0 && kept < people.len(), "{query}: {kept}");
    }
}

#[tokio::test]
async fn the_residents_list_runs_a_fixed_number_of_statements() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    // The session with its account (one statement), zones, one count and one page:
    // not one per row.
    let (n, r) = app.queries_of(&mut c, "/residents?all=true").await;
    assert_eq!(r.status, StatusCode::OK);
    let (m, _) = app.queries_of(&mut c, "/residents?all=true&page=2").await;
    assert_eq!(n, m, "the same for every page");
    assert_eq!(n, 4, "statements for /residents");
    let (k, r) = app.queries_of(&mut c, "/api/v1/residents?all=true").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(k, 3, "statements for the API list");
}

/// The home page's warnings, read through stored half-term days and SQL counts, are
/// those of the plain reading of every admission — today and on later days.
#[tokio::test]
async fn the_home_warnings_agree_with_reading_every_admission() {
    use rehabops::intake::warnings;
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::intake::demo::seed(app.db(), "CS01", 300, today)
        .await
        .expect("seed");
    let mut compared = 0;
    for days in [0, 30, 120, 400] {
        let on = today + chrono::Duration::days(days);
        let all = warnings::for_centre(app.db(), on).await.unwrap();
        let home = warnings::for_home(app.db(), on, 15).await.unwrap();
        assert_eq!(home.total, all.len(), "total on +{days}");
        let reductions = all
            .iter()
            .filter(|w| w.warning == rehabops::intake::rules::Warning::ReductionCandidate)
            .count();
        assert_eq!(
            home.reduction_candidates, reductions,
            "candidates on +{days}"
        );
        let key = |w: &warnings::WarningRow| (w.admission.id, format!("{:?}", w.warning));
        let want: Vec<_> = all.iter().take(15).map(key).collect();
        let got: Vec<_> = home.shown.iter().map(key).collect();
        assert_eq!(got, want, "shown on +{days}");
        compared += reductions;
    }
    assert!(compared > 0, "the demo has reduction candidates to compare");
}

#[tokio::test]
async fn the_clerk_home_runs_a_fixed_number_of_statements() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let (n, r) = app.queries_of(&mut c, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    // Session (1), centre and capacity (2), two counts, the dated warnings with their
    // events and residents (3), the half-term count and the first of them (4), the
    // review: whatever the size of the register.
    assert!(n <= 13, "clerk home: {:#?}", app.last_statements(n));
}

#[tokio::test]
async fn the_release_calendar_and_resident_page_run_a_fixed_number_of_statements() {
    let app = seeded().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let (n, r) = app.queries_of(&mut c, "/releases?days=730").await;
    assert_eq!(r.status, StatusCode::OK);
    // Session (1), the escaped and their events, the count and the first page of the
    // others, the page's residents: whatever the size of the register.
    assert!(n <= 6, "release calendar: {:#?}", app.last_statements(n));
    let (n, r) = app.queries_of(&mut c, "/residents/12").await;
    assert_eq!(r.status, StatusCode::OK);
    // 18: the care areas' release check (treatment's stages of the admission, one
    // bounded read) joined the page.
    assert!(n <= 17, "resident page: {:#?}", app.last_statements(n));
}

#[tokio::test]
async fn a_path_value_that_does_not_fit_is_a_clear_400() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    let page = c.get("/residents/abc").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("cần một con số");
    for path in ["/api/v1/residents/abc", "/api/v1/residents/99999999999"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(r.json()["error"], "bad_path", "{path}");
    }
}

/// The search index follows the register: a changed name is found by the new name and
/// no longer by the old one (on SQLite the trigram table is kept by triggers).
#[tokio::test]
async fn a_changed_name_is_found_by_the_new_name_only() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = seeded().await;
    let person = resident::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .expect("a person");
    let mut am: resident::ActiveModel = person.clone().into();
    am.full_name = Set("Lương Thế Vinh".into());
    am.name_search = Set(rehabops::i18n::fold_for_search("Lương Thế Vinh"));
    am.update(app.db()).await.unwrap();
    let mut c = app.login_as(Role::IntakeClerk).await;
    let (total, ids) = api_ids(&mut c, "all=true&q=luong+the+vinh").await;
    assert_eq!((total, ids), (1, vec![person.id]));
    let old = &person.name_search;
    let (_, ids) = api_ids(&mut c, &format!("all=true&q={}", old.replace(' ', "+"))).await;
    assert!(!ids.contains(&person.id), "found by the old name {old}");
}

/// The release calendar is paged: the pager's links as the page writes them lead
/// through every due release once, in date order, as many as the page says.
#[tokio::test]
async fn the_release_calendar_pages_through_every_release_once_in_date_order() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::profile::seed_centre(app.db(), 0.1, today, &|_: &str, _: u64, _: u64| {})
        .await
        .expect("profile");
    let last = today + chrono::Duration::days(730);
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq("active"))
        .all(app.db())
        .await
        .unwrap();
    let settled = active
        .iter()
        .filter(|a| a.presence != "escaped" && a.expected_end.is_some_and(|e| e <= last))
        .count();
    let escaped = active.iter().filter(|a| a.presence == "escaped").count();
    let mut c = app.login_as(Role::IntakeClerk).await;
    let mut page = c.get("/releases?days=730").await;
    let mut seen: Vec<(i64, i32)> = Vec::new();
    let mut pages = 0;
    loop {
        assert_eq!(page.status, StatusCode::OK);
        pages += 1;
        for row in page.body.split("<tr>\n        <td>").skip(1) {
            let left: i64 = row
                .split("<td class=\"num\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .and_then(|s| s.trim().parse().ok())
                .expect("days left");
            let id: i32 = row
                .split("href=\"/residents/")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .expect("resident");
            seen.push((left, id));
        }
        match link(&page, "next") {
            Some(href) => page = c.get(&href.replace("&#38;", "&")).await,
            None => break,
        }
        assert!(pages < 100, "the pager ends");
    }
    assert!(pages >= 2, "{} releases on one page", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "date order");
    let mut ids: Vec<i32> = seen.iter().map(|s| s.1).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "nobody twice");
    assert!(
        seen.len() >= settled && seen.len() <= settled + escaped,
        "{} of {settled}+{escaped}",
        seen.len()
    );
    let total = format!("{} học viên", seen.len());
    assert!(
        page.body.contains(&total) || pages == 1,
        "the page says {total}"
    );
    // Past the last page: the last page.
    let past = c.get("/releases?days=730&page=999").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.body.contains(&format!("Trang {pages}/{pages}")));
}
