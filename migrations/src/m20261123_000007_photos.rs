//! Residents' identity photos: kept in the database (so backups and access rules cover
//! them), newest first; an earlier photo is kept when a new one is uploaded.

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
                .table("resident_photo")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("resident_id"))
                .col(string_len("content_type", 32))
                .col(blob("data"))
                .col(integer("size"))
                .col(string_len("sha256", 64))
                .col(string("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("resident_photo", "resident_id")
                        .to("resident", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_resident_photo_resident")
                .table("resident_photo")
                .col("resident_id")
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("resident_photo").if_exists().to_owned())
            .await
    }
}
