//! Language: Vietnamese by default, English by switch (cookie, then the user's setting).

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::app_user;
use sea_orm::{EntityTrait, QueryFilter};

use crate::helpers::TestApp;

#[tokio::test]
async fn vietnamese_by_default_english_by_switch() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    let r = c.get("/login").await;
    r.assert_contains(r#"<html lang="vi">"#);
    r.assert_contains("Đăng nhập");

    let r = c
        .post_form("/lang", &[("lang", "en"), ("back", "/login")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login"));
    let r = c.get("/login").await;
    r.assert_contains(r#"<html lang="en">"#);
    r.assert_contains("Sign in");

    // Open redirects are not followed.
    let r = c
        .post_form("/lang", &[("lang", "vi"), ("back", "//evil.example/")])
        .await;
    assert_eq!(r.location(), Some("/"));
    // An unknown language is a clear 400, not a crash.
    let r = c.post_form("/lang", &[("lang", "fr"), ("back", "/")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_signed_in_users_choice_is_remembered_on_the_account() {
    let app = TestApp::department().await;
    let mut c = app.login_as(Role::DepartmentMonitor).await;
    let r = c.post_form("/lang", &[("lang", "en"), ("back", "/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let u = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("department_monitor"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.lang, "en");
    // Even without the cookie, the account's language applies.
    c.cookies.remove("rehabops_lang");
    let home = c.get("/").await;
    home.assert_contains("Hello, Test department_monitor");
    home.assert_contains("7,650"); // English grouping
    home.assert_contains("3,624");
}

#[tokio::test]
async fn the_configured_language_wins_over_the_browsers_until_the_user_chooses() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    c.headers
        .push(("accept-language".into(), "en-US,en;q=0.9".into()));
    c.get("/login").await.assert_contains(r#"<html lang="vi">"#);
    // An instance configured for English stays English for a Vietnamese browser.
    let mut cfg = crate::helpers::test_config(rehabops::config::InstanceKind::Centre);
    cfg.default_lang = rehabops::i18n::Lang::En;
    let en = TestApp::spawn_with(cfg).await;
    let mut c = en.client();
    c.headers
        .push(("accept-language".into(), "vi-VN,vi".into()));
    c.get("/login").await.assert_contains(r#"<html lang="en">"#);
}
