//! The crawler: for every role of a centre and of the department, start from the home
//! page of a small seeded data set, follow every same-site link and submit every GET form
//! as the page builds it (and once with every field left empty), a few URLs per route
//! pattern. No answer may be a 4xx other than 403/404 on purpose, none a 5xx, and no
//! catalogue key may be missing. New pages are covered without being listed here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::config::InstanceKind;
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{Client, Resp, TestApp};

/// URLs tried per route pattern (path with numbers as `{n}`, plus the query's keys).
const PER_PATTERN: usize = 3;
/// A bound on one role's walk, so a link generator gone wrong cannot run for ever.
const MAX_REQUESTS: usize = 600;

fn selector(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

/// The route pattern of a URL: `/residents/12?page=2` → `/residents/{n}?page`.
fn pattern(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path: Vec<String> = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit() || c == '-') {
                "{n}".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect();
    let keys: BTreeSet<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    format!(
        "{}?{}",
        path.join("/"),
        keys.into_iter().collect::<Vec<_>>().join("&")
    )
}

/// Same-site links worth following (not assets, not signing out, not fragments).
fn same_site(href: &str) -> Option<String> {
    let href = href.split('#').next()?;
    let skip = href.is_empty()
        || !href.starts_with('/')
        || href.starts_with("//")
        || href.starts_with("/assets/")
        || href.contains("logout");
    (!skip).then(|| href.to_owned())
}

/// The fields a GET form sends as built: inputs with their values, checked boxes,
/// each select's chosen (or first) option.
fn form_fields(form: ElementRef<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for el in form.select(&selector("input[name], select[name], textarea[name]")) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_owned();
        match v.name() {
            "select" => {
                let chosen = el
                    .select(&selector("option[selected]"))
                    .next()
                    .or_else(|| el.select(&selector("option")).next());
                let value = chosen
                    .map(|o| {
                        o.value()
                            .attr("value")
                            .map(str::to_owned)
                            .unwrap_or_else(|| o.text().collect())
                    })
                    .unwrap_or_default();
                out.push((name, value));
            }
            "textarea" => out.push((name, el.text().collect())),
            _ => match v.attr("type").unwrap_or("text") {
                "checkbox" | "radio" if v.attr("checked").is_none() => {}
                "submit" | "button" | "reset" | "image" | "file" => {}
                _ => out.push((name, v.attr("value").unwrap_or_default().to_owned())),
            },
        }
    }
    out
}

fn with_query(action: &str, fields: &[(String, String)]) -> String {
    let q = serde_urlencoded::to_string(fields).unwrap_or_default();
    let base = action.split('?').next().unwrap_or(action);
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{q}")
    }
}

/// Links and GET-form submissions found on a page.
fn next_urls(current: &str, body: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    let mut out: Vec<String> = doc
        .select(&selector("a[href]"))
        .filter_map(|a| same_site(a.value().attr("href")?))
        .collect();
    for form in doc.select(&selector("form")) {
        let method = form.value().attr("method").unwrap_or("get");
        if !method.eq_ignore_ascii_case("get") {
            continue;
        }
        let action = form
            .value()
            .attr("action")
            .unwrap_or(current.split('?').next().unwrap_or(current));
        let Some(action) = same_site(action) else {
            continue;
        };
        let built = form_fields(form);
        let emptied: Vec<(String, String)> = built
            .iter()
            .map(|(k, _)| (k.clone(), String::new()))
            .collect();
        out.push(with_query(&action, &built));
        out.push(with_query(&action, &emptied));
    }
    out
}

/// First segments of the catalogue's keys (`summary`, `admission_type`, `audit`, …).
fn catalogue_sections() -> &'static BTreeSet<String> {
    static SECTIONS: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    SECTIONS.get_or_init(|| {
        rehabops::i18n::Lang::Vi
            .catalog()
            .keys()
            .filter_map(|k| k.split('.').next())
            .map(str::to_owned)
            .collect()
    })
}

/// Words of the page's visible text shaped like a catalogue key of a known section
/// (`summary.kind_reconstructed`, `admission.create`): a code shown where a label
/// belongs, whether or not it went through the catalogue.
fn raw_keys(body: &str) -> BTreeSet<String> {
    let doc = Html::parse_document(body);
    let mut found = BTreeSet::new();
    let Some(root) = doc.select(&selector("body")).next() else {
        return found;
    };
    for text in root.text() {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
            let word = word.trim_matches('.');
            let mut parts = word.split('.');
            let (Some(first), Some(second)) = (parts.next(), parts.next()) else {
                continue;
            };
            let keyish =
                |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if catalogue_sections().contains(first) && keyish(first) && keyish(second) {
                found.insert(word.to_owned());
            }
        }
    }
    found
}

/// Element ids used twice, and `for` / `aria-describedby` / `aria-labelledby` naming an
/// id the page does not have (a label or description a screen reader cannot find).
fn id_problems(body: &str) -> Vec<String> {
    let doc = Html::parse_document(body);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for el in doc.select(&selector("[id]")) {
        let id = el.value().attr("id").unwrap_or_default();
        if !seen.insert(id.to_owned()) {
            out.push(format!("duplicate id {id:?}"));
        }
    }
    for attr in ["for", "aria-describedby", "aria-labelledby"] {
        for el in doc.select(&selector(&format!("[{attr}]"))) {
            for id in el.value().attr(attr).unwrap_or_default().split_whitespace() {
                if !seen.contains(id) {
                    out.push(format!("{attr} names missing id {id:?}"));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[derive(Default)]
struct Walk {
    visited: BTreeSet<String>,
    per_pattern: BTreeMap<String, usize>,
    failures: Vec<String>,
    pages: usize,
}

impl Walk {
    fn admit(&mut self, url: &str) -> bool {
        if self.visited.contains(url) {
            return false;
        }
        let n = self.per_pattern.entry(pattern(url)).or_default();
        if *n >= PER_PATTERN {
            return false;
        }
        *n += 1;
        self.visited.insert(url.to_owned());
        true
    }

    fn judge(&mut self, role: Role, url: &str, r: &Resp, html: bool) {
        if html {
            for key in raw_keys(&r.body) {
                self.failures.push(format!(
                    "{role:?} GET {url}: raw catalogue key {key:?} shown"
                ));
            }
            for problem in id_problems(&r.body) {
                self.failures.push(format!("{role:?} GET {url}: {problem}"));
            }
        }
        let s = r.status;
        let intended = s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND;
        if s.is_server_error() || (s.is_client_error() && !intended) {
            let head: String = r.body.chars().take(300).collect();
            self.failures
                .push(format!("{role:?} GET {url} → {s}: {head}"));
        }
    }
}

async fn walk(role: Role, c: &mut Client<'_>) -> Walk {
    let mut w = Walk::default();
    let mut queue = VecDeque::from(["/".to_owned()]);
    while let Some(url) = queue.pop_front() {
        if !w.admit(&url) || w.pages >= MAX_REQUESTS {
            continue;
        }
        w.pages += 1;
        let mut r = c.get(&url).await;
        let mut at = url.clone();
        if r.status.is_redirection() {
            if let Some(to) = r.location().and_then(same_site) {
                at = to.clone();
                r = c.get(&to).await;
            }
        }
        let html = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        w.judge(role, &at, &r, html);
        if r.status.is_success() && html {
            queue.extend(next_urls(&at, &r.body));
        }
    }
    w
}

async fn crawl_all_roles(app: &TestApp, kind: InstanceKind, min_pages: usize) {
    let mut failures = Vec::new();
    for role in Role::for_instance(kind) {
        let mut c = app.login_as(role).await;
        let w = walk(role, &mut c).await;
        assert!(
            w.pages >= min_pages,
            "{role:?} reached only {} pages: {:?}",
            w.pages,
            w.visited
        );
        failures.extend(w.failures);
    }
    let missing = rehabops::i18n::missing_keys();
    assert!(
        failures.is_empty() && missing.is_empty(),
        "{} failures:\n{}\nmissing catalogue keys: {missing:?}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_page_and_get_form_of_every_centre_role_answers() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::intake::demo::seed(app.db(), "CS01", 40, today)
        .await
        .expect("residents");
    rehabops::beds::demo::seed(app.db(), 60, today)
        .await
        .expect("beds");
    // The weekly programme with its past attendance, so slot and sheet pages are walked.
    rehabops::treatment::demo::seed_programme(app.db(), today)
        .await
        .expect("programme");
    // A few day closes in the outbox, as the demo and backfill make them.
    let key = &app.state.delivery.as_ref().expect("delivery").key;
    rehabops::summary::outbox::backfill(
        app.db(),
        key,
        &rehabops::audit::Actor::system("test"),
        "CS01",
        today - chrono::Days::new(3),
        today - chrono::Days::new(1),
    )
    .await
    .expect("backfill");
    crawl_all_roles(&app, InstanceKind::Centre, 3).await;
}

#[tokio::test]
async fn every_page_and_get_form_of_every_department_role_answers() {
    let dept = TestApp::department().await;
    crate::department::with_received_days(&dept, 40).await;
    crawl_all_roles(&dept, InstanceKind::Department, 3).await;
}

#[test]
fn duplicate_ids_and_dangling_references_are_found() {
    let page = r#"<html><body><label for="a">A</label><input id="a" aria-describedby="a-hint a-error">
        <p id="a-hint">h</p><input id="a"></body></html>"#;
    assert_eq!(
        id_problems(page),
        vec![
            "aria-describedby names missing id \"a-error\"".to_owned(),
            "duplicate id \"a\"".to_owned()
        ]
    );
}

#[test]
fn raw_keys_are_found_in_text_not_in_attributes() {
    let page = r#"<html><body><a href="/x" class="summary.kind">Hàng</a>
        <td>summary.kind_reconstructed</td><p>Tệp bed.pdf, 1.5 ngày. Hết.</p></body></html>"#;
    let found = raw_keys(page);
    assert!(found.contains("summary.kind_reconstructed"), "{found:?}");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn route_patterns_group_ids_and_query_keys() {
    assert_eq!(pattern("/residents/12?page=2&q="), "/residents/{n}?page&q");
    assert_eq!(pattern("/reports?p=2026-10"), "/reports?p");
    assert_eq!(pattern("/beds"), "/beds?");
    assert_eq!(same_site("https://x.org/"), None);
    assert_eq!(same_site("/logout"), None);
    assert_eq!(same_site("/beds#z1"), Some("/beds".into()));
}

#[tokio::test]
async fn the_resident_page_of_the_intake_desk_has_no_id_problems() {
    let app = TestApp::centre().await;
    let today = app.state.today();
    rehabops::intake::demo::seed(app.db(), "CS01", 5, today)
        .await
        .expect("residents");
    let mut c = app.login_as(Role::IntakeClerk).await;
    let r = c.get("/residents/1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("/release"),
        "the release form is on the page"
    );
    assert_eq!(id_problems(&r.body), Vec::<String>::new());
}
