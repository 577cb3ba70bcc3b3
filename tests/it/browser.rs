//! Browser tests: real Chromium through WebDriver (chromedriver), against the real app on
//! a loopback socket. They need `chromium` and `chromium-driver` installed, so they are
//! `#[ignore]`d in a plain `cargo test`; `.ci/run` installs both and runs them with
//! `cargo test --test it browser -- --ignored`.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rehabops::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session on a private chromedriver; both end with the value.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

fn find_binary(env: &str, candidates: &[&str]) -> String {
    if let Ok(p) = std::env::var(env) {
        return p;
    }
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| (*p).to_owned())
        .unwrap_or_else(|| panic!("{env} not set and none of {candidates:?} exists: install chromium and chromium-driver"))
}

impl Browser {
    async fn start() -> Browser {
        let driver_bin = find_binary(
            "CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        );
        let chrome = find_binary(
            "CHROME_BIN",
            &[
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ],
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        // Its own process group: Chromium and its helpers inherit it, so the whole
        // group can be ended even if the driver dies first.
        let driver = Command::new(driver_bin)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome",
            "goog:chromeOptions": { "binary": chrome, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600", "--lang=vi"] } } } });
        let r: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            http,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Clears a field and types into it.
    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn select(&self, css_select: &str, value: &str) {
        self.click(&format!("{css_select} option[value=\"{value}\"]"))
            .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Waits (up to 10 s) until the page holds `needle`: a click that submits a form
    /// returns before the next page has loaded.
    async fn wait_for(&self, needle: &str) -> String {
        for _ in 0..100 {
            let src = self.source().await;
            if src.contains(needle) {
                return src;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("page never showed {needle:?}: {}", self.url().await);
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn sign_in(&self, site: &str, user: &str) {
        self.goto(&format!("{site}/login")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", PASSWORD).await;
        self.click("form[action=\"/login\"] button[type=submit]")
            .await;
    }
}

impl Browser {
    fn group(&self) -> i32 {
        i32::try_from(self.driver.id()).unwrap_or_default()
    }
}

/// Processes still alive in a process group (from /proc: field 5 of `stat` is the group).
fn alive_in_group(group: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    // After the `(comm)` field, which may hold spaces: state, ppid, pgrp.
                    let rest = s.rsplit_once(')')?.1.split_whitespace().nth(2)?.to_owned();
                    rest.parse::<i32>().ok()
                })
                .is_some_and(|g| g == group)
        })
        .filter(|pid| {
            // A zombie is already gone; it only waits for its parent.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit_once(')')
                        .map(|(_, r)| r.trim_start().starts_with('Z'))
                })
                != Some(true)
        })
        .collect()
}

/// Ends the WebDriver session (Chromium closes), then the driver and anything left in
/// its process group — whether the test passed or panicked.
impl Drop for Browser {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        // Drop may run inside the test's runtime: the DELETE goes on its own thread.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let _ = reqwest::Client::new()
                        .delete(url)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                });
            }
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let group = self.group();
        if group > 0 && !alive_in_group(group).is_empty() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status();
        }
    }
}

/// The intake desk's main journey in a real browser: sign in, register a person,
/// admit them, put them in a bed, find them on the ward plan, switch to English.
#[tokio::test]
#[ignore = "needs chromium and chromium-driver; run by .ci/run"]
async fn intake_journey_in_chromium() {
    let app = TestApp::centre().await;
    // The director lays out one zone first (through the router, as other tests do).
    let mut director = app.login_as(Role::Director).await;
    crate::beds::setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "2").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let server = app.serve_on(listener).await;

    let b = Browser::start().await;
    let group = b.group();
    journey(&b, &site).await;
    drop(b);
    server.abort();
    // Nothing of the browser outlives the test (it used to leave ~1 GB of Chromium).
    let mut left = alive_in_group(group);
    for _ in 0..50 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = alive_in_group(group);
    }
    assert!(left.is_empty(), "browser processes left running: {left:?}");
}

/// The journey itself, on a running site.
async fn journey(b: &Browser, site: &str) {
    b.sign_in(site, "intake_clerk").await;
    // Signing in navigates: wait for the signed-in page rather than read it at once.
    b.wait_for("Đăng xuất").await;

    // Register.
    b.goto(&format!("{site}/residents/new")).await;
    b.type_into("#f-full_name", "Nguyễn Văn Trình Duyệt").await;
    b.type_into("#f-date_of_birth", "01/02/1991").await;
    b.select("#f-sex", "male").await;
    b.select("#f-id_kind", "cccd").await;
    b.type_into("#f-id_number", "001091000999").await;
    b.type_into("#f-home_province", "Hà Nội").await;
    // A misspelt old ward: refused with the name it probably is, nothing lost.
    b.type_into("#f-home_district", "Hoàn Kiếm").await;
    b.type_into("#f-home_commune", "Hang Bak").await;
    b.click("form[action=\"/residents\"] button[type=submit]")
        .await;
    let page = b.wait_for("id=\"f-home_commune-error\"").await;
    assert!(
        page.contains("Có phải: Phường Hàng Bạc, Quận Hoàn Kiếm;"),
        "suggested"
    );
    assert!(
        page.contains("Nguyễn Văn Trình Duyệt"),
        "the form kept what was typed"
    );
    b.type_into("#f-home_commune", "Hàng Bạc").await;
    b.click("form[action=\"/residents\"] button[type=submit]")
        .await;
    b.wait_for("CS01-000001").await;
    let resident_url = b.url().await;
    assert!(resident_url.contains("/residents/"), "{resident_url}");
    let id = resident_url
        .split("/residents/")
        .nth(1)
        .and_then(|s| s.split(['/', '?']).next())
        .unwrap()
        .to_owned();
    b.goto(&format!("{site}/residents/{id}")).await;
    assert!(
        b.source().await.contains("Nay thuộc: Phường Hoàn Kiếm"),
        "the former ward says where it lies today"
    );

    // Admit under a court decision; a bad term is refused first, keeping what was typed.
    b.goto(&format!("{site}/residents/{id}/admit")).await;
    b.select("#f-admission_type", "compulsory_adult").await;
    b.type_into("#f-document_number", "88/2026/QĐ-TA").await;
    b.type_into("#f-document_date", "01/11/2026").await;
    b.type_into("#f-issuing_body", "TAND khu vực 3").await;
    b.type_into("#f-admitted_on", "03/11/2026").await;
    b.type_into("#f-term_months", "7").await;
    b.click("form[action$=\"/admissions\"] button[type=submit]")
        .await;
    let page = b.wait_for("field__error").await;
    assert!(
        page.contains("TAND khu vực 3"),
        "the form kept what was typed"
    );
    b.type_into("#f-term_months", "24").await;
    b.click("form[action$=\"/admissions\"] button[type=submit]")
        .await;
    b.wait_for("f-bed_id").await;
    assert!(b.url().await.contains(&format!("/residents/{id}")));

    // A bed from the suggestions, then the ward plan shows the person.
    b.click("#f-bed_id option:nth-child(2)").await;
    b.click("form[action$=\"/bed\"] button[type=submit]").await;
    b.wait_for("Đã bố trí giường.").await;
    b.goto(&format!("{site}/beds")).await;
    let plan = b.source().await;
    assert!(plan.contains("Nguyễn Văn Trình Duyệt"), "on the ward plan");
    assert!(plan.contains("BB-NAM-P01-01"));

    // English on request.
    b.click("form[action=\"/lang\"] button[value=\"en\"]").await;
    b.wait_for("Sign out").await;
}

/// axe-core's script: `AXE_CORE_JS`, or where `.ci/run` installs the pinned version.
fn axe_script() -> String {
    let path = std::env::var("AXE_CORE_JS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/axe-core/node_modules/axe-core/axe.min.js"
        )
        .to_owned()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{path}: {e}; install it with `npm install --prefix target/axe-core axe-core@4.14.1` (as .ci/run does)")
    })
}

impl Browser {
    async fn execute(&self, script: &str, asynchronous: bool) -> Value {
        let path = if asynchronous {
            "/execute/async"
        } else {
            "/execute/sync"
        };
        self.call(
            reqwest::Method::POST,
            path,
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// The WCAG 2.x A and AA violations axe-core finds on the current page, one line each.
    async fn axe(&self, axe: &str) -> Vec<String> {
        self.execute(axe, false).await;
        let found = self
            .execute(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                true,
            )
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    async fn sign_out(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// The links of the main menu on the current page.
    async fn menu_links(&self) -> Vec<String> {
        let v = self
            .execute(
                "return Array.from(document.querySelectorAll('nav.mainnav a[href]')).map(a => a.getAttribute('href'));",
                false,
            )
            .await;
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect()
    }
}

/// Runs axe on the home page and every menu page of each role (each path once), and on
/// `extra` paths as the last role; returns the violations, one line per rule and page.
async fn axe_site(b: &Browser, site: &str, roles: &[&str], extra: &[String]) -> Vec<String> {
    let axe = axe_script();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        b.sign_out().await;
        b.sign_in(site, role).await;
        b.wait_for("/logout").await;
        let mut paths = vec!["/".to_owned()];
        b.goto(&format!("{site}/")).await;
        paths.extend(b.menu_links().await);
        if i + 1 == roles.len() {
            paths.extend(extra.iter().cloned());
        }
        for path in paths {
            if !seen.insert(format!("{role} {path}")) || (path != "/" && seen.contains(&path)) {
                continue;
            }
            seen.insert(path.clone());
            b.goto(&format!("{site}{path}")).await;
            for v in b.axe(&axe).await {
                out.push(format!("{role} {path}: {v}"));
            }
        }
    }
    out
}

/// axe-core (pinned in .ci/run) finds no WCAG 2.x A/AA violation on the main pages of
/// every role, at a centre with residents and beds and at the department with figures,
/// nor on a form showing its errors, nor in English.
#[tokio::test]
#[ignore = "needs chromium, chromium-driver and axe-core; run by .ci/run"]
async fn axe_finds_no_wcag_violation_on_the_main_pages() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::intake::demo::seed(app.db(), "CS01", 30, today)
        .await
        .expect("residents");
    rehabops::beds::demo::seed(app.db(), 40, today)
        .await
        .expect("beds");
    rehabops::treatment::demo::seed_programme(app.db(), today)
        .await
        .expect("programme");
    let resident = {
        use sea_orm::EntityTrait;
        rehabops::entities::resident::Entity::find()
            .one(app.db())
            .await
            .expect("db")
            .expect("a resident")
            .id
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let server = app.serve_on(listener).await;

    let dept = TestApp::department().await;
    crate::department::with_received_days(&dept, 40).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dept_site = format!("http://{}", listener.local_addr().unwrap());
    let dept_server = dept.serve_on(listener).await;

    let b = Browser::start().await;
    let roles: Vec<&str> = Role::for_instance(rehabops::config::InstanceKind::Centre)
        .map(|r| r.as_str())
        .collect();
    let extra = [
        format!("/residents/{resident}"),
        format!("/residents/{resident}/address"),
        "/residents/new".to_owned(),
    ];
    let mut found = axe_site(&b, &site, &roles, &extra).await;
    // A form with its errors shown (the error summary has focus), then English.
    b.sign_out().await;
    b.sign_in(&site, "intake_clerk").await;
    b.wait_for("/logout").await;
    b.goto(&format!("{site}/residents/new")).await;
    b.click("form[action=\"/residents\"] button[type=submit]")
        .await;
    b.wait_for("field__error").await;
    let focused = b
        .execute("return document.activeElement.className;", false)
        .await;
    assert!(
        focused
            .as_str()
            .unwrap_or_default()
            .contains("flash--error"),
        "the error summary has focus after a failed submit: {focused}"
    );
    for v in b.axe(&axe_script()).await {
        found.push(format!("intake_clerk /residents/new (errors): {v}"));
    }
    b.click("form[action=\"/lang\"] button[value=\"en\"]").await;
    b.wait_for("Sign out").await;
    for v in b.axe(&axe_script()).await {
        found.push(format!("intake_clerk /residents/new (English): {v}"));
    }
    // On a 390 px phone the page starts near the top (the header and menu took 460 px).
    b.call(
        reqwest::Method::POST,
        "/window/rect",
        Some(json!({ "width": 390, "height": 844 })),
    )
    .await;
    b.goto(&format!("{site}/residents")).await;
    let top = b
        .execute(
            "return document.querySelector('main').getBoundingClientRect().top;",
            false,
        )
        .await;
    assert!(
        top.as_f64().unwrap_or(999.0) < 200.0,
        "main starts at {top} px on a phone"
    );
    for v in b.axe(&axe_script()).await {
        found.push(format!("intake_clerk /residents (390 px): {v}"));
    }
    let dept_roles: Vec<&str> = Role::for_instance(rehabops::config::InstanceKind::Department)
        .map(|r| r.as_str())
        .collect();
    b.call(
        reqwest::Method::POST,
        "/window/rect",
        Some(json!({ "width": 1366, "height": 900 })),
    )
    .await;
    found.extend(axe_site(&b, &dept_site, &dept_roles, &[]).await);
    // At 1366 px every column of the dashboard is on screen (no table scrolls).
    b.goto(&format!("{dept_site}/dashboard")).await;
    let wide = b
        .execute(
            "return Array.from(document.querySelectorAll('.table-wrap')).filter(w => w.scrollWidth > w.clientWidth + 1).length;",
            false,
        )
        .await;
    assert_eq!(wide, json!(0), "a dashboard table scrolls at 1366 px");
    drop(b);
    server.abort();
    dept_server.abort();
    assert!(
        found.is_empty(),
        "{} WCAG A/AA violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The weekly programme as a counsellor and a nurse use it: plan a daily group session
/// on the form (a clash is shown with what was typed), find today's occurrence on the
/// calendar, take attendance for the whole group on one sheet; axe checks each page.
#[tokio::test]
#[ignore = "needs chromium, chromium-driver and axe-core; run by .ci/run"]
async fn programme_in_chromium() {
    use sea_orm::{EntityTrait, PaginatorTrait, QuerySelect};
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::intake::demo::seed(app.db(), "CS01", 6, today)
        .await
        .expect("residents");
    let codes: Vec<String> = rehabops::entities::resident::Entity::find()
        .select_only()
        .column(rehabops::entities::resident::Column::Code)
        .limit(3)
        .into_tuple()
        .all(app.db())
        .await
        .expect("codes");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let server = app.serve_on(listener).await;
    let b = Browser::start().await;
    let axe = axe_script();
    let mut found = Vec::new();

    b.sign_in(&site, "counsellor").await;
    b.wait_for("/logout").await;
    b.goto(&format!("{site}/schedule")).await;
    b.click("a[href=\"/treatment/sessions/new\"]").await;
    b.wait_for("s-kind").await;
    b.select("#s-kind", "counselling_group").await;
    b.type_into("#s-title", "Nhóm chia sẻ buổi sáng").await;
    b.type_into("#s-residents", &codes.join(", ")).await;
    b.type_into("#s-start_time", "25:00").await;
    for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        b.click(&format!("input[name=\"{d}\"]")).await;
    }
    b.click("form[action=\"/treatment/sessions\"] button[type=submit]")
        .await;
    let page = b.wait_for("field__error").await;
    assert!(
        page.contains("Nhóm chia sẻ buổi sáng"),
        "the form kept the title"
    );
    for v in b.axe(&axe).await {
        found.push(format!("counsellor new session (errors): {v}"));
    }
    b.type_into("#s-start_time", "07:30").await;
    b.click("form[action=\"/treatment/sessions\"] button[type=submit]")
        .await;
    b.wait_for("Đã lập lịch.").await;
    for v in b.axe(&axe).await {
        found.push(format!("counsellor slot: {v}"));
    }

    b.sign_out().await;
    b.sign_in(&site, "nurse").await;
    b.wait_for("/logout").await;
    b.goto(&format!("{site}/schedule")).await;
    let calendar = b.wait_for("Nhóm chia sẻ buổi sáng").await;
    for v in b.axe(&axe).await {
        found.push(format!("nurse calendar: {v}"));
    }
    // Today's occurrence: the first link of today's table.
    let today_label = today.format("%d/%m/%Y").to_string();
    let after = calendar
        .split(&format!("aria-label=\"{today_label}\""))
        .nth(1)
        .expect("today's table on the calendar");
    let href = after
        .split("href=\"/schedule/occurrences/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an occurrence today");
    b.click(&format!("a[href=\"/schedule/occurrences/{href}\"]"))
        .await;
    b.wait_for("Lưu điểm danh").await;
    for v in b.axe(&axe).await {
        found.push(format!("nurse sheet: {v}"));
    }
    b.click("select[name^=\"reason_\"] option[value=\"sick\"]")
        .await;
    b.click(&format!(
        "form[action=\"/schedule/occurrences/{href}\"] button[type=submit]"
    ))
    .await;
    b.wait_for("Đã lưu.").await;
    let sheet = b.source().await;
    assert!(
        sheet.contains("Đã điểm danh 3/3 học viên."),
        "all three marked"
    );
    assert!(
        sheet.contains("<option value=\"sick\" selected"),
        "the change kept"
    );
    drop(b);
    server.abort();
    let records = rehabops::entities::attendance::Entity::find()
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(records, 3);
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}
