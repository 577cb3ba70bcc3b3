//! The residents search by part of a name or code without reading every person
//! (performance issue): a trigram index over the folded name and the resident code.
//! SQLite: an FTS5 table with the trigram tokenizer, kept by triggers (it answers
//! `LIKE '%…%'` from its index). PostgreSQL: `pg_trgm` GIN indexes (a trusted
//! extension: the database's owner may create it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE resident_fts USING fts5(name_search, code, \
     content='resident', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER resident_fts_ai AFTER INSERT ON resident BEGIN \
     INSERT INTO resident_fts(rowid, name_search, code) VALUES (new.id, new.name_search, new.code); END",
    "CREATE TRIGGER resident_fts_ad AFTER DELETE ON resident BEGIN \
     INSERT INTO resident_fts(resident_fts, rowid, name_search, code) \
     VALUES ('delete', old.id, old.name_search, old.code); END",
    "CREATE TRIGGER resident_fts_au AFTER UPDATE OF name_search, code ON resident BEGIN \
     INSERT INTO resident_fts(resident_fts, rowid, name_search, code) \
     VALUES ('delete', old.id, old.name_search, old.code); \
     INSERT INTO resident_fts(rowid, name_search, code) VALUES (new.id, new.name_search, new.code); END",
    "INSERT INTO resident_fts(resident_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS resident_fts_au",
    "DROP TRIGGER IF EXISTS resident_fts_ad",
    "DROP TRIGGER IF EXISTS resident_fts_ai",
    "DROP TABLE IF EXISTS resident_fts",
];

/// The extension lives in one schema of the database (`public` when this creates it);
/// its operator class is named with that schema, so an instance whose search path is
/// its own schema finds it too.
async fn pg_up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    // Instances migrating at once (one database, a schema each) race on the extension
    // catalogue's unique index even with IF NOT EXISTS; a lock held until this
    // migration's transaction ends makes the later ones find it installed.
    db.execute_unprepared("SELECT pg_advisory_xact_lock(7461620011)")
        .await?;
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        .await?;
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT extnamespace::regnamespace::text AS schema FROM pg_extension \
             WHERE extname = 'pg_trgm'",
        ))
        .await?
        .ok_or_else(|| DbErr::Migration("pg_trgm is not installed".into()))?;
    let schema: String = row.try_get("", "schema")?;
    for (index, column) in [
        ("ix_resident_name_trgm", "name_search"),
        ("ix_resident_code_trgm", "code"),
    ] {
        db.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS {index} ON resident USING gin ({column} {schema}.gin_trgm_ops)"
        ))
        .await?;
    }
    Ok(())
}

const PG_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_resident_code_trgm",
    "DROP INDEX IF EXISTS ix_resident_name_trgm",
];

async fn run(m: &SchemaManager<'_>, sqlite: &[&str], pg: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    let statements = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite,
        DbBackend::Postgres => pg,
        other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
    };
    for s in statements {
        db.execute_unprepared(s).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            return pg_up(m).await;
        }
        run(m, SQLITE_UP, &[]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, SQLITE_DOWN, PG_DOWN).await
    }
}
