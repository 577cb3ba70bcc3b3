//! A resident's home address names an administrative unit from the dated reference
//! data (`seed/divisions/`): the key of the commune (Hà Nội) or province it resolved
//! to, or nothing when the clerk recorded a name the data lacks, as written.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resident {
    Table,
    HomeUnit,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Resident::Table)
                .add_column(ColumnDef::new(Resident::HomeUnit).string_len(32).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_resident_home_unit")
                .table(Resident::Table)
                .col(Resident::HomeUnit)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_resident_home_unit").to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Resident::Table)
                .drop_column(Resident::HomeUnit)
                .to_owned(),
        )
        .await
    }
}
