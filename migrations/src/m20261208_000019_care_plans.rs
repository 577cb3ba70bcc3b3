//! Care plans of an admission (Decree 116/2021 Art 27–30): the classification and the
//! individual rehabilitation plan at stage 1, the reintegration plan at stage 5. A plan
//! is never edited: a new version names the one it replaces.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("care_plan")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                // `classification`, `rehabilitation` or `reintegration`.
                .col(string_len("kind", 16))
                .col(text("assessment"))
                .col(text("goals").default(""))
                .col(text("actions").default(""))
                .col(date_null("review_on"))
                .col(integer_null("replaces_id"))
                .col(string("written_by_name"))
                .col(timestamp_with_time_zone("written_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("care_plan", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_care_plan_admission")
                .table("care_plan")
                .col("admission_id")
                .col("kind")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("care_plan").if_exists().to_owned())
            .await?;
        Ok(())
    }
}
