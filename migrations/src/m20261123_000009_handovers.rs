//! Police handover slips (biên bản bàn giao): one slip carries several people, each
//! received (registered and admitted) or refused with a reason.

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
                .table("handover")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("slip_number", 64))
                .col(date("slip_date"))
                .col(string("handing_unit"))
                .col(string("officer"))
                .col(text("note").default(""))
                .col(string("received_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("handover_person")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("handover_id"))
                .col(integer("line_no"))
                .col(string("full_name"))
                .col(string_len("id_number", 32))
                .col(string_len("outcome", 16))
                .col(text("refusal_reason").default(""))
                .col(integer_null("resident_id"))
                .col(integer_null("admission_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from("handover_person", "handover_id")
                        .to("handover", "id"),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["handover_person", "handover"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
