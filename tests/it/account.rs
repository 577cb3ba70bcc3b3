//! One's own account, API tokens and the JSON API.

use axum::http::StatusCode;
use rehabops::auth::Role;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn api_token_is_shown_once_works_and_can_be_revoked() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::Doctor).await;
    let r = c
        .post_form("/account/tokens", &[("name", "lab sync")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let start = r.body.find("rho_").expect("token shown");
    let token: String = r.body[start..]
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
        .collect();
    assert_eq!(token.len(), 4 + 48);
    let again = c.get("/account").await;
    assert!(
        !again.body.contains(&token),
        "the secret is never shown again"
    );

    let mut api = app.client();
    api.headers
        .push(("authorization".into(), format!("Bearer {token}")));
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let j = me.json();
    assert_eq!(j["username"], "doctor");
    assert_eq!(j["role"], "doctor");
    assert_eq!(j["centre"], "CS01");
    let centres = api.get("/api/v1/centres").await.json();
    assert_eq!(centres.as_array().map(|a| a.len()), Some(7));

    let id = again
        .body
        .split("/account/tokens/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("revoke form")
        .to_owned();
    let r = c
        .post_form(&format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = api.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.json()["error"], "unauthenticated");
}

#[tokio::test]
async fn api_errors_are_json_in_the_users_language() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    c.headers
        .push(("accept-language".into(), "en-GB,en;q=0.9".into()));
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["message"], "Please sign in to continue.");
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/me"].is_object());
    assert!(doc["paths"]["/api/v1/centres"].is_object());
}

#[tokio::test]
async fn changing_the_password_ends_sessions_and_checks_the_current_one() {
    let app = TestApp::centre().await;
    let mut c = app.login_as(Role::LabourSupervisor).await;
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current", "not it at all"),
                ("password", "a new passphrase"),
                ("password_confirm", "a new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Mật khẩu hiện tại không đúng.");
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "a new passphrase"),
                ("password_confirm", "a new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        c.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let mut fresh = app.client();
    assert_eq!(
        fresh.login("labour_supervisor", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .login("labour_supervisor", "a new passphrase")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
