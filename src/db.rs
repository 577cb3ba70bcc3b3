//! Database connection and migrations: SQLite (WAL, foreign keys, busy timeout) by
//! default, PostgreSQL in production, chosen by the URL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    if sqlite {
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(&dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
        if let Some(file) = sqlite_file(url) {
            create_private(&file)?;
        }
    }
    let mut o = ConnectOptions::new(url.to_owned());
    // SeaORM's SQLite pool is one connection unless told otherwise.
    o.max_connections(if sqlite { 8 } else { 16 })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|s| {
            // FULL: an acknowledged care record survives a power cut, not only a crash
            // (in WAL mode NORMAL may lose the last commits when the machine stops).
            s.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Database::connect(o).await
}

/// Opens the database with the search path set to one schema (PostgreSQL only);
/// used by the test harness to give each test its own schema.
pub async fn connect_with_schema(url: &str, schema: &str) -> Result<DatabaseConnection, DbErr> {
    let mut o = ConnectOptions::new(url.to_owned());
    o.max_connections(8)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .set_schema_search_path(schema.to_owned());
    Database::connect(o).await
}

/// The database file of a SQLite URL (none in memory).
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") || path == "memory:" {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

fn sqlite_parent_dir(url: &str) -> Option<std::path::PathBuf> {
    sqlite_file(url)?
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
}

/// Creates a new database file readable by its owner only (residents' records); SQLite
/// gives its WAL and shared-memory files the database file's permissions. An existing
/// file is left as it is.
fn create_private(file: &std::path::Path) -> Result<(), DbErr> {
    match new_private_file(file) {
        Err(DbErr::Custom(_)) if file.exists() => Ok(()),
        other => other,
    }
}

/// Creates `file`, which must not exist, readable and writable by its owner only.
fn new_private_file(file: &std::path::Path) -> Result<(), DbErr> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(file)
        .map(|_| ())
        .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", file.display())))
}

/// Applies every pending migration; safe to run again.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// A statement written with `?` placeholders, numbered `$1, $2, …` on PostgreSQL (the
/// SQL must hold no literal `?`).
pub fn statement(
    backend: DbBackend,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// Starts a write transaction. On SQLite it takes the write lock at once (IMMEDIATE),
/// so two writers queue on the busy timeout instead of failing mid-transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            isolation_level: None::<IsolationLevel>,
            access_mode: None::<AccessMode>,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        })
        .await
    } else {
        db.begin().await
    }
}

/// A consistent copy of a SQLite instance's database in `to`, taken while it serves
/// (`VACUUM INTO`: one read transaction, so writers carry on), created readable by its
/// owner only and checked with `PRAGMA integrity_check` before it is reported. Returns
/// the copy's size in bytes. PostgreSQL instances are backed up with `pg_dump` (README).
pub async fn backup(db: &DatabaseConnection, to: &std::path::Path) -> Result<u64, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Custom(
            "this instance runs on PostgreSQL: back it up with pg_dump (README, \"Security and backups\")"
                .into(),
        ));
    }
    // VACUUM INTO writes into an empty file: made here so it is private from the start.
    new_private_file(to)?;
    let path = to.to_string_lossy().into_owned();
    let done = db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [path.clone().into()],
        ))
        .await;
    if let Err(e) = done {
        let _ = std::fs::remove_file(to);
        return Err(e);
    }
    let mut check = ConnectOptions::new(format!("sqlite://{path}"));
    check.max_connections(1).sqlx_logging(false);
    let copy = Database::connect(check).await?;
    let row = copy
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no answer from integrity_check".into()))?;
    let verdict: String = row.try_get_by_index(0)?;
    copy.close().await?;
    if verdict != "ok" {
        return Err(DbErr::Custom(format!(
            "the copy fails its integrity check: {verdict}"
        )));
    }
    std::fs::metadata(to)
        .map(|m| m.len())
        .map_err(|e| DbErr::Custom(format!("{}: {e}", to.display())))
}

/// `SELECT 1`, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    #[tokio::test]
    async fn sqlite_files_are_wal_with_full_sync() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let db = super::connect(&url).await.expect("connect");
        let one = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
        let row = db
            .query_one_raw(one("PRAGMA journal_mode"))
            .await
            .expect("pragma")
            .expect("row");
        assert_eq!(row.try_get_by_index::<String>(0).expect("mode"), "wal");
        let row = db
            .query_one_raw(one("PRAGMA synchronous"))
            .await
            .expect("pragma")
            .expect("row");
        assert_eq!(row.try_get_by_index::<i32>(0).expect("level"), 2, "FULL");
        // Readable by the owner only, the WAL too (it holds the latest records).
        #[cfg(unix)]
        for f in ["t.db", "t.db-wal"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(f))
                .expect(f)
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}: {mode:o}");
        }
    }
}
