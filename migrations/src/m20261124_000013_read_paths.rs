//! Read paths for pages that list records (performance issue): the date from which a
//! compulsory admission has served half its term is stored when its dates change (the
//! home page's warnings count reduction candidates in SQL instead of recomputing every
//! admission per view), a day's intake and release totals are stored with the day (the
//! department's trends), and the indexes the rewritten list queries use.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Admission {
    Table,
    HalfTermOn,
}

#[derive(DeriveIden)]
enum CentreDay {
    Table,
    IntakesTotal,
    ReleasesTotal,
}

/// (name, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "ix_admission_status_presence",
        "admission",
        &["status", "presence"],
    ),
    (
        "ix_admission_status_half_term",
        "admission",
        &["status", "half_term_on"],
    ),
    ("ix_bed_room", "bed", &["room_id"]),
    (
        "ix_bed_assignment_admission",
        "bed_assignment",
        &["admission_id", "from_at"],
    ),
    (
        "ix_received_summary_kind_period",
        "received_summary",
        &["kind", "period_to", "centre_code"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Admission::Table)
                .add_column(ColumnDef::new(Admission::HalfTermOn).date().null())
                .to_owned(),
        )
        .await?;
        // A day's intakes and releases summed when the day is recorded (trends read
        // numbers, not JSON, per point).
        for col in [CentreDay::IntakesTotal, CentreDay::ReleasesTotal] {
            m.alter_table(
                Table::alter()
                    .table(CentreDay::Table)
                    .add_column(ColumnDef::new(col).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        }
        for (name, table, cols) in INDEXES {
            let mut idx = Index::create();
            idx.name(*name).table(Alias::new(*table)).if_not_exists();
            for c in *cols {
                idx.col(Alias::new(*c));
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
        }
        for col in [CentreDay::IntakesTotal, CentreDay::ReleasesTotal] {
            m.alter_table(
                Table::alter()
                    .table(CentreDay::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Admission::Table)
                .drop_column(Admission::HalfTermOn)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
