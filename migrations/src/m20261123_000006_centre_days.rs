//! Department side: one row per centre and day with the figures of the newest summary
//! received for that day, so trends and reports read days, not every hourly summary.

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
        m.create_table(
            Table::create()
                .table("centre_day")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("centre_code", 32))
                .col(date("day"))
                .col(big_integer("sequence"))
                .col(string_len("kind", 16))
                .col(integer("design_scale"))
                .col(integer("receiving_capacity"))
                .col(integer_null("working_beds"))
                .col(integer("occupancy"))
                // JSON objects: residents by "type.sex.age_band"; intakes by type;
                // releases by reason.
                .col(text("residents"))
                .col(text("intakes"))
                .col(text("releases"))
                .col(integer("escapes"))
                .col(integer("escape_returns"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_centre_day")
                .table("centre_day")
                .col("centre_code")
                .col("day")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_centre_day_day")
                .table("centre_day")
                .col("day")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("centre_day").if_exists().to_owned())
            .await
    }
}
