//! Sign-in, lockout, sessions, CSRF.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{app_user, audit_log, session};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn login_succeeds_and_shows_the_role_home_page() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    let r = c.login("intake_clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/"));
    assert!(
        c.cookies.contains_key("rehabops_sid_cs01"),
        "session cookie set"
    );
    let set_cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Cán bộ tiếp nhận");
    home.assert_contains("Cơ sở cai nghiện ma túy số 1 Hà Nội");
    home.assert_contains("1.500"); // design scale with Vietnamese grouping
}

#[tokio::test]
async fn wrong_password_is_refused_and_keeps_the_user_name() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    let r = c.login("doctor", "not the password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    r.assert_contains("Tên đăng nhập hoặc mật khẩu không đúng.");
    r.assert_contains(r#"value="doctor""#);
    assert!(!c.cookies.contains_key("rehabops_sid_cs01"));
    // Unknown users read the same as wrong passwords.
    let r = c.login("nobody", "not the password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    r.assert_contains("Tên đăng nhập hoặc mật khẩu không đúng.");
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    for _ in 0..4 {
        let r = c.login("nurse", "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        r.assert_contains("không đúng");
    }
    let r = c.login("nurse", "wrong password!").await;
    r.assert_contains("tạm khóa");
    let r = c.login("nurse", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "locked account refuses even the right password"
    );
    r.assert_contains("tạm khóa");
    let locked = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("login.locked"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(locked, 1);

    // An administrator unlocks; the right password works again.
    let mut admin = app.login_as(Role::Administrator).await;
    let nurse = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("nurse"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let users = admin.get("/admin/users").await;
    users.assert_contains("Tạm khóa");
    let r = admin
        .post_form(&format!("/admin/users/{}/unlock", nurse.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.login("nurse", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::Director).await;
    let first = c.cookies["rehabops_sid_cs01"].clone();
    let r = c.login("director", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = c.cookies["rehabops_sid_cs01"].clone();
    assert_ne!(first, second, "a new session id at every login");
    assert_eq!(
        session::Entity::find().count(app.db()).await.unwrap(),
        1,
        "the old session is gone"
    );

    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(session::Entity::find().count(app.db()).await.unwrap(), 0);
    // The old cookie no longer signs anyone in.
    c.cookies.insert("rehabops_sid_cs01".into(), second);
    let r = c.get("/centres").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login?next=%2Fcentres"));
}

#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::Administrator).await;
    // No token at all.
    let r = c
        .post_form_raw(
            "/admin/users",
            &[
                ("username", "newuser"),
                ("full_name", "X"),
                ("role", "nurse"),
                ("password", "long enough pw"),
                ("password_confirm", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Biểu mẫu đã hết hạn");
    // A wrong token.
    let r = c
        .post_form_raw(
            "/admin/users",
            &[("_csrf", "0000"), ("username", "newuser")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A cross-site origin, even with the right token.
    let token = c.csrf();
    c.headers
        .push(("origin".into(), "http://evil.example".into()));
    let r = c
        .post_form_raw(
            "/admin/users",
            &[("_csrf", token.as_str()), ("username", "newuser")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    c.headers.clear();
    let created = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("newuser"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(created, 0, "nothing was written");
    // Login itself needs the token too (login CSRF).
    let mut fresh = app.client();
    fresh.get("/login").await;
    let r = fresh
        .post_form_raw(
            "/login",
            &[("username", "director"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unknown_pages_get_a_translated_404() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::Nurse).await;
    let r = c.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    r.assert_contains("Không tìm thấy trang");
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::department().await;
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let r = c.get("/readyz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ready"));
    assert!(
        r.headers.get("x-request-id").is_some(),
        "every response carries a request id"
    );
}

#[tokio::test]
async fn parallel_guesses_cannot_dodge_the_lockout() {
    let app = TestApp::centre().await;
    let mut clients: Vec<_> = (0..8).map(|_| app.client()).collect();
    for c in clients.iter_mut() {
        c.get("/login").await;
    }
    let attempts = clients.iter_mut().map(|c| {
        c.post_form(
            "/login",
            &[("username", "doctor"), ("password", "a wrong guess!")],
        )
    });
    let results = futures_join_all(attempts).await;
    assert!(results.iter().all(|r| r.status == StatusCode::UNAUTHORIZED));
    let mut c = app.client();
    let r = c.login("doctor", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "eight parallel failures lock the account"
    );
    r.assert_contains("tạm khóa");
}

/// Runs futures concurrently on this task (no extra crate needed).
async fn futures_join_all<F: std::future::Future>(
    futs: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("ready")).collect()
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    c.get("/login").await;
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "director"),
                ("password", PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/"));
    let r = c.get("/login?next=%2F%09%2Fevil.example").await;
    assert_eq!(r.location(), Some("/"));
    let r = c.get("/login?next=%2Fc%C3%A1c").await;
    assert_eq!(
        r.location(),
        Some("/"),
        "non-ASCII is not followed (and is not a 500)"
    );
}

/// A request id the client sends is stored with the audited write only when it is a
/// short token; a long or odd one is replaced by the server's own (it used to be
/// stored as sent: 208 characters into a 64-character column).
#[tokio::test]
async fn a_client_request_id_is_bounded_before_it_is_stored() {
    use sea_orm::QueryOrder;
    let app = TestApp::centre().await;
    let mut c = app.client();
    let long = "x".repeat(208);
    c.headers.push(("x-request-id".into(), long.clone()));
    let r = c.login("director", PASSWORD).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let sent_back = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        !sent_back.is_empty() && sent_back.len() <= 64,
        "{sent_back}"
    );
    let last = audit_log::Entity::find()
        .order_by_desc(audit_log::COLUMN.id)
        .one(app.db())
        .await
        .unwrap()
        .expect("the login is audited");
    assert_eq!(last.request_id, sent_back);
    // A short token is kept, so a client can follow its own request.
    let mut c = app.client();
    c.headers
        .push(("x-request-id".into(), "desk-7.login-0042".into()));
    let r = c.login("director", PASSWORD).await;
    assert_eq!(r.headers.get("x-request-id").unwrap(), "desk-7.login-0042");
    let last = audit_log::Entity::find()
        .order_by_desc(audit_log::COLUMN.id)
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(last.request_id, "desk-7.login-0042");
}

/// Pages and API answers are never cached (a shared desk computer's back button must
/// not show a resident after sign-out); the style sheet may be.
#[tokio::test]
async fn pages_and_api_answers_are_not_stored_but_assets_may_be() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::IntakeClerk).await;
    for path in ["/", "/residents", "/api/v1/residents", "/account"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(
            r.headers.get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
    let r = c.get("/assets/css/app.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers
            .get("cache-control")
            .is_none_or(|v| v != "no-store")
    );
}
