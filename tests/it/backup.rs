//! `rehabops backup`: a consistent copy of a SQLite instance taken while it serves,
//! private to its owner, that a restored instance serves as it was.

use axum::http::StatusCode;
use rehabops::auth::Role;
use rehabops::entities::resident;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::beds::admitted;
use crate::helpers::{TestApp, test_config};

#[tokio::test]
async fn a_backup_taken_while_serving_is_private_and_serves_after_a_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let live_url = format!("sqlite://{}/cs01.db?mode=rwc", dir.path().display());
    let mut cfg = test_config(rehabops::config::InstanceKind::Centre);
    cfg.database_url = live_url.clone();
    let live = rehabops::db::connect(&live_url).await.expect("connect");
    let app = TestApp::on_connection(cfg.clone(), live, None, true).await;
    let mut clerk = app.login_as(Role::IntakeClerk).await;
    let mut director = app.login_as(Role::Director).await;
    crate::beds::setup_zone(&mut director, &app, "BB-NAM", "compulsory", "male", "3").await;
    admitted(
        &mut clerk,
        &app,
        "Đặng Văn Lưu",
        "01/01/1990",
        "male",
        "001090000777",
        "compulsory_adult",
        "12",
    )
    .await;

    let copy = dir.path().join("cs01-backup.db");
    let bytes = rehabops::db::backup(app.db(), &copy).await.expect("backup");
    assert!(bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // A second backup into the same file is refused, the first left whole.
    assert!(rehabops::db::backup(app.db(), &copy).await.is_err());
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), bytes);

    // Written after the backup: not in it.
    admitted(
        &mut clerk,
        &app,
        "Hà Văn Sau",
        "01/01/1991",
        "male",
        "001091000778",
        "compulsory_adult",
        "12",
    )
    .await;

    // Restore: the copy in the database's place, the instance started on it.
    let restored_url = format!("sqlite://{}?mode=rwc", copy.display());
    let mut cfg = cfg;
    cfg.database_url = restored_url.clone();
    let conn = rehabops::db::connect(&restored_url).await.expect("connect");
    let restored = TestApp::on_connection(cfg, conn, None, false).await;
    assert_eq!(
        resident::Entity::find().count(restored.db()).await.unwrap(),
        1
    );
    let mut clerk = restored.login_as(Role::IntakeClerk).await;
    let list = clerk.get("/residents").await;
    assert_eq!(list.status, StatusCode::OK);
    list.assert_contains("Đặng Văn Lưu");
    assert!(!list.body.contains("Hà Văn Sau"));
    // And it takes new records.
    admitted(
        &mut clerk,
        &restored,
        "Hà Văn Mới",
        "01/01/1992",
        "male",
        "001092000779",
        "compulsory_adult",
        "12",
    )
    .await;
}
