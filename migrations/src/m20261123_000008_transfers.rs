//! Transfers between centres carrying the record: the receiving admission keeps the
//! id of the signed transfer package it came from (received once) and the package
//! itself (the history at the previous centre).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("admission")
                .add_column(string_len_null("transfer_package_id", 64))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("admission")
                .add_column(text("transfer_record").default(""))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_admission_transfer_package ON admission (transfer_package_id) WHERE transfer_package_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ux_admission_transfer_package")
            .await?;
        for c in ["transfer_record", "transfer_package_id"] {
            m.alter_table(Table::alter().table("admission").drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}
