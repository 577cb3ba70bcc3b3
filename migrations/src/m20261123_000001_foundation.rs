//! Foundation: instance identity, centres as dated data, users, sessions, API tokens and
//! the append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite runs migrations outside a transaction unless asked; a half-applied
    // migration must never be left behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("instance_info")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("kind", 16))
                .col(string_len_null("centre_code", 32))
                .col(boolean("demo").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        // Centres are dated data (domain.md section 0): a centre can be opened, renamed,
        // merged or closed without code changes, and its history stays readable.
        m.create_table(
            Table::create()
                .table("centre")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len_uniq("code", 32))
                .col(string("name"))
                .col(string("short_name"))
                .col(string("district"))
                .col(string("address"))
                .col(date("opened_on"))
                .col(date_null("closed_on"))
                .col(string_len_null("merged_into", 32))
                .col(text("note").default(""))
                .to_owned(),
        )
        .await?;

        // Design scale (quy mô thiết kế) and receiving capacity (khả năng tiếp nhận)
        // change over time; each change is a dated row with its reason.
        m.create_table(
            Table::create()
                .table("centre_capacity")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("centre_id"))
                .col(date("effective_from"))
                .col(integer("design_scale"))
                .col(integer("receiving_capacity"))
                .col(text("reason"))
                .col(integer_null("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("centre_capacity", "centre_id")
                        .to("centre", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_centre_capacity_centre_from")
                .table("centre_capacity")
                .col("centre_id")
                .col("effective_from")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("app_user")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len_uniq("username", 64))
                .col(string("full_name"))
                .col(text("password_hash"))
                .col(string_len("role", 32))
                .col(string_len("lang", 8).default("vi"))
                .col(boolean("active").default(true))
                .col(integer("failed_logins").default(0))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("password_changed_at"))
                .to_owned(),
        )
        .await?;

        // Only a hash of the session id is stored: a copy of the database does not hand
        // out live sessions.
        m.create_table(
            Table::create()
                .table("session")
                .if_not_exists()
                .col(string_len("id", 64).primary_key())
                .col(integer("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("session", "user_id")
                        .to("app_user", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_session_user")
                .table("session")
                .col("user_id")
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("api_token")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("user_id"))
                .col(string("name"))
                .col(string_len("prefix", 16))
                .col(string_len_uniq("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("api_token", "user_id")
                        .to("app_user", "id"),
                )
                .to_owned(),
        )
        .await?;

        // The audit log keeps the user name and role as text: it must stay readable
        // after a user is renamed or deactivated.
        m.create_table(
            Table::create()
                .table("audit_log")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(timestamp_with_time_zone("at"))
                .col(integer_null("user_id"))
                .col(string_len("username", 64))
                .col(string_len("role", 32))
                .col(string_len("action", 64))
                .col(string_len("entity", 64))
                .col(string_len("entity_id", 64))
                .col(text("summary"))
                .col(string_len("request_id", 64))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_audit_at", vec!["at"]),
            ("ix_audit_entity", vec!["entity", "entity_id"]),
            ("ix_audit_user", vec!["user_id"]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table("audit_log").if_not_exists();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx.to_owned()).await?;
        }

        // Audit rows cannot be changed or removed, whatever code runs against the
        // database: the database itself refuses.
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Sqlite => {
                for (name, op) in [
                    ("audit_log_no_update", "UPDATE"),
                    ("audit_log_no_delete", "DELETE"),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
                    ))
                    .await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql;",
                )
                .await?;
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log; \
                     CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();",
                )
                .await?;
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log; \
                     CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();",
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "audit_log",
            "api_token",
            "session",
            "app_user",
            "centre_capacity",
            "centre",
            "instance_info",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_log_append_only()")
                .await?;
        }
        Ok(())
    }
}
