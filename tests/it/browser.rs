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
