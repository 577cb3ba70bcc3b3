//! Migrations run on both back ends, are re-runnable, and roll back cleanly.

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::helpers::fresh_db;

#[tokio::test]
async fn migrations_up_down_and_up_again() {
    let (db, _guard) = fresh_db().await;
    Migrator::up(&db, None).await.expect("up");
    Migrator::up(&db, None).await.expect("up again is a no-op");
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    for table in [
        "centre",
        "centre_capacity",
        "app_user",
        "session",
        "api_token",
        "audit_log",
        "instance_info",
    ] {
        db.execute_unprepared(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .unwrap_or_else(|e| panic!("table {table}: {e}"));
    }
    Migrator::down(&db, None).await.expect("down");
    assert!(
        db.execute_unprepared("SELECT COUNT(*) FROM app_user")
            .await
            .is_err()
    );
    Migrator::up(&db, None).await.expect("up after down");
}

#[tokio::test]
async fn a_database_belongs_to_one_instance() {
    let (db, _guard) = fresh_db().await;
    let cfg = crate::helpers::test_config(rehabops::config::InstanceKind::Centre);
    let (db, _) = rehabops::app::prepare_with(&cfg, db)
        .await
        .expect("first start");
    let mut other = cfg.clone();
    other.centre = Some("CS02".into());
    let err = rehabops::app::prepare_with(&other, db.clone())
        .await
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("belongs to"), "{err}");
    // The same instance starts again (reference data is not seeded twice).
    rehabops::app::prepare_with(&cfg, db)
        .await
        .expect("restart");
}
