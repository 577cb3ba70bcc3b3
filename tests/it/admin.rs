//! Accounts administration and the audit log.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::{app_user, audit_log};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::TestApp;

#[tokio::test]
async fn creating_an_account_writes_an_audit_row() {
    let app = TestApp::centre().await;
    let mut admin = app.login_as(Role::Administrator).await;
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "hoa.nt"),
                ("full_name", "Nguyễn Thị Hoa"),
                ("role", "intake_clerk"),
                ("password", "mật khẩu dài đủ"),
                ("password_confirm", "mật khẩu dài đủ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/admin/users?ok=user_created"));
    let list = admin.get("/admin/users?ok=user_created").await;
    list.assert_contains("Đã tạo tài khoản.");
    list.assert_contains("Nguyễn Thị Hoa");

    let user = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("hoa.nt"))
        .one(app.db())
        .await
        .unwrap()
        .expect("account stored");
    assert!(user.password_hash.starts_with("$argon2id$"));
    let row = audit_log::Entity::find()
        .filter(audit_log::COLUMN.action.eq("user.create"))
        .filter(audit_log::COLUMN.entity_id.eq(user.id.to_string()))
        .one(app.db())
        .await
        .unwrap()
        .expect("audit row");
    assert_eq!(row.username, "administrator");
    assert_eq!(row.role, "administrator");
    assert!(row.summary.contains("intake_clerk"), "{}", row.summary);
    assert!(
        !row.summary.contains("argon2"),
        "no password material in the audit log"
    );
    assert!(
        !row.request_id.is_empty(),
        "audit rows carry the request id"
    );

    // The new account can sign in.
    let mut c = app.client();
    assert_eq!(
        c.login("hoa.nt", "mật khẩu dài đủ").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn invalid_account_form_keeps_what_was_typed_and_writes_nothing() {
    let app = TestApp::centre().await;
    let mut admin = app.login_as(Role::Administrator).await;
    let before = app_user::Entity::find().count(app.db()).await.unwrap();
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "Trần Văn Ba"),
                ("full_name", "Trần Văn Ba"),
                ("role", "doctor"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains(r#"value="Trần Văn Ba""#);
    r.assert_contains("Tên đăng nhập chỉ gồm chữ thường không dấu");
    r.assert_contains("Mật khẩu phải có ít nhất 10 ký tự.");
    r.assert_contains(r#"<option value="doctor" selected>"#);
    assert!(
        !r.body.contains(r#"value="short""#),
        "passwords are not echoed back"
    );
    assert_eq!(
        app_user::Entity::find().count(app.db()).await.unwrap(),
        before
    );

    // A taken user name is a field error, not a 500.
    let r = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "doctor"),
                ("full_name", "Another"),
                ("role", "doctor"),
                ("password", "long enough pw"),
                ("password_confirm", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Tên đăng nhập này đã được dùng.");
}

#[tokio::test]
async fn deactivation_ends_sessions_and_blocks_login() {
    let app = TestApp::centre().await;
    let mut trainer = app.login_as(Role::VocationalTrainer).await;
    let mut admin = app.login_as(Role::Administrator).await;
    let t = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("vocational_trainer"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post_form(&format!("/admin/users/{}/deactivate", t.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = trainer.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "session ended");
    let mut c = app.client();
    assert_eq!(
        c.login("vocational_trainer", crate::helpers::PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // An administrator cannot deactivate themself.
    let me = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("administrator"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post_form(&format!("/admin/users/{}/deactivate", me.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_even_by_sql() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    c.login("director", "wrong password!").await;
    let n = audit_log::Entity::find().count(app.db()).await.unwrap();
    assert!(n > 0);
    let upd = app
        .db()
        .execute_unprepared("UPDATE audit_log SET username = 'someone else'")
        .await;
    assert!(upd.is_err(), "UPDATE on audit_log must fail");
    let del = app.db().execute_unprepared("DELETE FROM audit_log").await;
    assert!(del.is_err(), "DELETE on audit_log must fail");
    assert_eq!(audit_log::Entity::find().count(app.db()).await.unwrap(), n);
}

#[tokio::test]
async fn audit_page_filters_and_pages() {
    let app = TestApp::centre().await;
    let mut c = app.client();
    for _ in 0..3 {
        c.login("doctor", "wrong password!").await;
    }
    let mut director = app.login_as(Role::Director).await;
    let r = director.get("/admin/audit?action=login.failure").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("3 bản ghi");
    let r = director.get("/admin/audit?from=99/99/2026").await;
    assert_eq!(r.status, StatusCode::OK);
    r.assert_contains("dd/mm/yyyy");
    let newest = audit_log::Entity::find()
        .order_by_desc(audit_log::COLUMN.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.action, "login.success");
}

#[tokio::test]
async fn a_password_reset_revokes_api_tokens_and_administrators_see_no_resident_details() {
    let app = TestApp::centre().await;
    let mut doctor = app.login_as(Role::Doctor).await;
    let r = doctor
        .post_form("/account/tokens", &[("name", "script")])
        .await;
    let start = r.body.find("rho_").unwrap();
    let token: String = r.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut admin = app.login_as(Role::Administrator).await;
    let d = app_user::Entity::find()
        .filter(app_user::COLUMN.username.eq("doctor"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post_form(
            &format!("/admin/users/{}/password", d.id),
            &[
                ("password", "a brand new secret"),
                ("password_confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut api = app.client();
    api.headers
        .push(("authorization".into(), format!("Bearer {token}")));
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

    // A resident's admission is audited with details; the administrator sees only who/what/when.
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    clerk
        .post_form(
            "/residents",
            &[
                ("full_name", "Tạ Văn Kín"),
                ("date_of_birth", "01/01/1990"),
                ("sex", "male"),
                ("id_kind", "cccd"),
                ("id_number", "001090777777"),
                ("home_province", "Hà Nội"),
                ("home_commune", "Phường Hoàn Kiếm"),
            ],
        )
        .await;
    let audit_admin = admin.get("/admin/audit?action=resident.create").await;
    audit_admin.assert_contains("resident.create");
    assert!(
        !audit_admin.body.contains("CS01-000001"),
        "administrators do not read residents' details"
    );
    let mut director = app.login_as(Role::Director).await;
    director
        .get("/admin/audit?action=resident.create")
        .await
        .assert_contains("CS01-000001");
}

/// The administrator's home counts accounts in SQL: active, deactivated, locked now.
#[tokio::test]
async fn the_administrators_home_counts_accounts() {
    let app = TestApp::centre().await;
    let users = app_user::Entity::find().count(app.db()).await.unwrap();
    let mut doctor = app.client();
    for _ in 0..5 {
        doctor.login("doctor", "not the password").await;
    }
    let mut admin = app.login_as(Role::Administrator).await;
    let home = admin.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains(&format!("<dt>Đang hoạt động</dt><dd>{users}</dd>"));
    home.assert_contains("<dt>Đã vô hiệu</dt><dd>0</dd>");
    home.assert_contains("<dt>Đang tạm khóa</dt><dd>1</dd>");
}
