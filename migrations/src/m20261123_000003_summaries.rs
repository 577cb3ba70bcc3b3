//! Occupancy summaries: the centre's signed outbox, and on the department the registered
//! centre keys and the summaries received.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Centre side: a summary is written with its sequence number in one transaction
        // and sent until the department acknowledges it.
        m.create_table(
            Table::create()
                .table("summary_outbox")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(big_integer_uniq("sequence"))
                .col(string_len("kind", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(text("body"))
                .col(string_len("signature", 128))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone_null("last_attempt_at"))
                .col(text("last_error").default(""))
                .to_owned(),
        )
        .await?;

        // Department side.
        m.create_table(
            Table::create()
                .table("centre_key")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("centre_code", 32))
                .col(string_len("public_key", 64))
                .col(timestamp_with_time_zone("registered_at"))
                .col(string("registered_by"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_centre_key_centre")
                .table("centre_key")
                .col("centre_code")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("received_summary")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("centre_code", 32))
                .col(big_integer("sequence"))
                .col(string_len("schema", 64))
                .col(string_len("kind", 16))
                .col(timestamp_with_time_zone("as_of"))
                .col(date("period_from"))
                .col(date("period_to"))
                .col(text("body"))
                .col(string_len("body_sha256", 64))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        // A resent summary is acknowledged without being stored twice.
        m.create_index(
            Index::create()
                .name("ux_received_summary_centre_seq")
                .table("received_summary")
                .col("centre_code")
                .col("sequence")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["received_summary", "centre_key", "summary_outbox"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
