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

/// PostgreSQL: the start-of-run sweep drops leftovers of ended runs only, never the
/// schema of a run still going. (On SQLite there are no schemas; CI runs this on both.)
#[tokio::test]
async fn the_schema_sweep_spares_schemas_of_runs_still_going() {
    let Some(url) = crate::helpers::postgres_url() else {
        return;
    };
    let now = chrono::Utc::now();
    let live = crate::helpers::schema_name(now);
    let old = crate::helpers::schema_name(now - chrono::Duration::days(7));
    let admin = sea_orm::Database::connect(&url).await.unwrap();
    for s in [&live, &old] {
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE SCHEMA {s}"))
            .await
            .unwrap();
    }
    let dropped = crate::helpers::sweep_schemas_older_than(&url, chrono::Duration::hours(6)).await;
    assert!(dropped.contains(&old), "{dropped:?}");
    assert!(!dropped.contains(&live), "{dropped:?}");
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP SCHEMA {live} CASCADE"))
        .await
        .unwrap();
}
