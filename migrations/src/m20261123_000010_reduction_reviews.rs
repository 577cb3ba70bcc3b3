//! The quarterly reduction review (xét giảm thời hạn, every three months): the list of
//! residents past half their term, each proposed for a reduction or not, prepared once
//! per quarter and printed for the court.

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
                .table("reduction_review")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len_uniq("quarter", 8))
                .col(string("prepared_by"))
                .col(timestamp_with_time_zone("prepared_at"))
                .col(text("note").default(""))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("reduction_proposal")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("review_id"))
                .col(integer("admission_id"))
                .col(integer("resident_id"))
                .col(integer("served_days"))
                .col(integer("proposed_months"))
                .col(text("reason").default(""))
                .foreign_key(
                    ForeignKey::create()
                        .from("reduction_proposal", "review_id")
                        .to("reduction_review", "id"),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["reduction_proposal", "reduction_review"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
