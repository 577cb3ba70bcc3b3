//! A resident's permanent (thường trú) and current (nơi ở hiện tại) addresses name
//! administrative units from the dated reference data (`seed/divisions/`): the key of
//! the commune (Hà Nội) or province each resolved to, or nothing when the clerk
//! recorded a name the data lacks, as written. The current address gains the same
//! province/district/commune fields the permanent one has.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resident {
    Table,
    HomeUnit,
    CurrentProvince,
    CurrentDistrict,
    CurrentCommune,
    CurrentUnit,
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
        // One column per statement: SQLite alters a table one column at a time.
        for col in [
            Resident::CurrentProvince,
            Resident::CurrentDistrict,
            Resident::CurrentCommune,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Resident::Table)
                    .add_column(ColumnDef::new(col).string().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Resident::Table)
                .add_column(ColumnDef::new(Resident::CurrentUnit).string_len(32).null())
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
        for col in [
            Resident::HomeUnit,
            Resident::CurrentProvince,
            Resident::CurrentDistrict,
            Resident::CurrentCommune,
            Resident::CurrentUnit,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Resident::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
