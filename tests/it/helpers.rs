//! Test harness: `TestApp::spawn` builds an instance on a fresh database with one
//! account per role; `Client` drives it like a browser (cookies, CSRF token).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rehabops::admin::users::{self, NewUser};
use rehabops::audit::Actor;
use rehabops::auth::Role;
use rehabops::config::{Config, InstanceKind};
use rehabops::state::AppState;
use rehabops::{app, db};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tower::ServiceExt;

pub const PASSWORD: &str = "test-password-1";

/// argon2 is slow by design: hash the shared test password once per test binary.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| rehabops::auth::password::hash_blocking(PASSWORD).expect("hash"))
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// Drops the test's PostgreSQL schema when the test ends (pass or fail), on a detached
/// thread with a lock timeout: a connection of the test's pool may still be closing, and
/// waiting for it here would block the very runtime that has to close it. Schemas left
/// behind are removed at the next run's start.
pub struct SchemaGuard {
    url: String,
    schema: String,
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok(c) = Database::connect(url).await {
        let _ = c.execute_unprepared("SET lock_timeout = '10s'").await;
        let _ = c
            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await;
        let _ = c.close().await;
    }
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let url = self.url.clone();
        let schema = self.schema.clone();
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_schema(&url, &schema));
            }
        });
    }
}

/// A test schema's name carries its creation time (`t_<unix seconds>_<random>`), so that
/// a sweep can tell a leftover from a schema another run is using right now.
pub fn schema_name(now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "t_{}_{}",
        now.timestamp(),
        rehabops::auth::session::random_hex(4).expect("random")
    )
}

/// Test schemas older than `age`: leftovers of runs that ended (no run lasts that long),
/// never the schemas of a run still going.
pub async fn sweep_schemas_older_than(url: &str, age: chrono::Duration) -> Vec<String> {
    let Ok(c) = Database::connect(url).await else {
        return Vec::new();
    };
    let rows = c
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT nspname FROM pg_namespace WHERE nspname ~ '^t_[0-9]{10}_[0-9a-f]{8}$'",
        ))
        .await
        .unwrap_or_default();
    let cutoff = (chrono::Utc::now() - age).timestamp();
    let mut dropped = Vec::new();
    for r in rows {
        let Ok(name) = r.try_get::<String>("", "nspname") else {
            continue;
        };
        let made = name.split('_').nth(1).and_then(|t| t.parse::<i64>().ok());
        if made.is_some_and(|t| t < cutoff) {
            drop_schema(url, &name).await;
            dropped.push(name);
        }
    }
    let _ = c.close().await;
    dropped
}

/// Once per run: remove test schemas that earlier runs left behind.
async fn sweep_old_schemas(url: &str) {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            sweep_schemas_older_than(url, chrono::Duration::hours(6)).await;
        })
        .await;
}

/// A fresh, empty database: in-memory SQLite, or a new schema on PostgreSQL.
pub async fn fresh_db() -> (DatabaseConnection, Option<SchemaGuard>) {
    match postgres_url() {
        Some(url) => {
            sweep_old_schemas(&url).await;
            let schema = schema_name(chrono::Utc::now());
            let admin = Database::connect(&url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("create schema");
            admin.close().await.ok();
            let conn = db::connect_with_schema(&url, &schema)
                .await
                .expect("connect with schema");
            (conn, Some(SchemaGuard { url, schema }))
        }
        None => (
            db::connect("sqlite::memory:").await.expect("sqlite memory"),
            None,
        ),
    }
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Statements run on the app's database since it was built (SeaORM's metric hook).
    queries: Arc<std::sync::atomic::AtomicUsize>,
    /// The last statements' SQL (bounded), to say which ones a page runs.
    recent: Arc<std::sync::Mutex<std::collections::VecDeque<String>>>,
    _guard: Option<SchemaGuard>,
    _keys: tempfile::TempDir,
}

pub fn test_config(kind: InstanceKind) -> Config {
    Config {
        role: kind,
        centre: (kind == InstanceKind::Centre).then(|| "CS01".to_owned()),
        database_url: String::new(),
        ..Config::default()
    }
}

impl TestApp {
    pub async fn centre() -> TestApp {
        Self::spawn(InstanceKind::Centre).await
    }

    /// A centre whose "today" is fixed, for tests of date-driven warnings.
    pub async fn centre_on(today: chrono::NaiveDate) -> TestApp {
        let mut cfg = test_config(InstanceKind::Centre);
        cfg.fixed_today = Some(today);
        Self::spawn_with(cfg).await
    }

    pub async fn department() -> TestApp {
        Self::spawn(InstanceKind::Department).await
    }

    /// Migrated, seeded with reference data, one account per role (user name = role code).
    pub async fn spawn(kind: InstanceKind) -> TestApp {
        Self::spawn_with(test_config(kind)).await
    }

    pub async fn spawn_with(cfg: Config) -> TestApp {
        let (conn, guard) = fresh_db().await;
        Self::on_connection(cfg, conn, guard, true).await
    }

    /// The instance on a database of the caller's (a backup to restore, say); with
    /// `add_users`, the test accounts of every role are created first.
    pub async fn on_connection(
        mut cfg: Config,
        conn: DatabaseConnection,
        guard: Option<SchemaGuard>,
        add_users: bool,
    ) -> TestApp {
        let kind = cfg.role;
        // Centre signing keys go to a temporary directory, never into the working tree.
        let keys = tempfile::tempdir().expect("tempdir");
        if cfg.signing_key_path.is_none() {
            cfg.signing_key_path = Some(keys.path().join("centre.key"));
        }
        let (conn, instance) = app::prepare_with(&cfg, conn)
            .await
            .expect("prepare instance");
        for role in Role::for_instance(kind).into_iter().filter(|_| add_users) {
            users::insert_with_hash(
                &conn,
                &Actor::system("test"),
                kind,
                cfg.default_lang,
                NewUser {
                    username: role.as_str().to_owned(),
                    full_name: format!("Test {}", role.as_str()),
                    role,
                },
                password_hash().to_owned(),
            )
            .await
            .expect("test user");
        }
        let queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut conn = conn;
        let counter = queries.clone();
        let recent = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let log = recent.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Ok(mut l) = log.lock() {
                if l.len() >= 100 {
                    l.pop_front();
                }
                l.push_back(info.statement.sql.chars().take(160).collect());
            }
        });
        let (router, state) = app::router(Arc::new(cfg), conn, instance);
        TestApp {
            router,
            state,
            queries,
            recent,
            _guard: guard,
            _keys: keys,
        }
    }

    pub fn client(&self) -> Client<'_> {
        Client {
            app: self,
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    /// A client already signed in as the account of `role`.
    pub async fn login_as(&self, role: Role) -> Client<'_> {
        let mut c = self.client();
        let r = c.login(role.as_str(), PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login as {role:?}: {}",
            r.body
        );
        c
    }

    /// Statements the app has run so far (every query, including the session lookup).
    pub fn queries(&self) -> usize {
        self.queries.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many statements one GET of `path` runs, as the given client (their SQL is
    /// in the panic message of a failed count: see [`TestApp::last_statements`]).
    pub async fn queries_of(&self, c: &mut Client<'_>, path: &str) -> (usize, Resp) {
        let before = self.queries();
        let r = c.get(path).await;
        (self.queries() - before, r)
    }

    /// The SQL of the last `n` statements, oldest first.
    pub fn last_statements(&self, n: usize) -> Vec<String> {
        self.recent
            .lock()
            .map(|l| l.iter().rev().take(n).rev().cloned().collect())
            .unwrap_or_default()
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// Serves this app on a real socket (for tests that cross HTTP between instances).
    pub async fn serve_on(&self, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        let app = self.router.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (files: PDF, XLSX).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// Asserts the body contains `needle`, showing the page when it does not.
    #[track_caller]
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in:\n{}",
            self.body
        );
    }
}

/// A browser-like client: keeps cookies, sends the CSRF token with forms.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub cookies: BTreeMap<String, String>,
    pub headers: Vec<(String, String)>,
}

impl Client<'_> {
    pub fn csrf(&self) -> String {
        self.cookies
            .iter()
            .find(|(k, _)| k.starts_with("rehabops_csrf_"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let resp = self
            .app
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap_or_default();
            let pair = s.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                let removal = s.contains("Max-Age=0") || v.is_empty();
                if removal {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    fn request(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        b
    }

    /// A request with any method and no body (to probe what a route refuses).
    pub async fn call(&mut self, method: Method, path: &str) -> Resp {
        let req = self
            .request(method, path)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let req = self
            .request(Method::GET, path)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// Makes sure a CSRF cookie exists (as a browser would after any page view).
    pub async fn ensure_csrf(&mut self) {
        if self.csrf().is_empty() {
            self.get("/healthz").await;
        }
    }

    /// Posts a form with the CSRF token, as our pages do.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.ensure_csrf().await;
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let req = self
            .request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Posts a JSON body with the CSRF header (as a script on our pages would); `raw`
    /// is sent as is.
    pub async fn post_json_raw(&mut self, path: &str, raw: &str) -> Resp {
        self.ensure_csrf().await;
        let token = self.csrf();
        let req = self
            .request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token)
            .body(Body::from(raw.to_owned()))
            .expect("request");
        self.send(req).await
    }

    pub async fn post_json(&mut self, path: &str, body: serde_json::Value) -> Resp {
        self.post_json_raw(path, &body.to_string()).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.post_form(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

impl Client<'_> {
    /// Posts a multipart form with one file field (CSRF token in the query, as the import
    /// form does).
    pub async fn post_file(&mut self, path: &str, file: &[u8], fields: &[(&str, &str)]) -> Resp {
        self.post_file_as(path, "file", file, fields).await
    }

    /// As [`post_file`], with the file in the field `name`.
    pub async fn post_file_as(
        &mut self,
        path: &str,
        name: &str,
        file: &[u8],
        fields: &[(&str, &str)],
    ) -> Resp {
        self.ensure_csrf().await;
        let boundary = "----rehabops-test-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"upload\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}_csrf={}", self.csrf());
        let req = self
            .request(Method::POST, &uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}
