//! The medical chart: progress notes (a correction is a new note naming the one it
//! corrects) and medical flags (infectious disease, psychiatric, other) with whether the
//! resident needs isolation, the only part bed placement reads.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("progress_note")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(text("body"))
                .col(integer_null("corrects_id"))
                .col(string("written_by_name"))
                .col(string_len("written_by_role", 32))
                .col(timestamp_with_time_zone("written_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("progress_note", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("medical_flag")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                // `infectious`, `psychiatric` or `other`.
                .col(string_len("kind", 16))
                .col(text("detail"))
                .col(boolean("isolation"))
                .col(date("starts_on"))
                .col(date_null("ended_on"))
                .col(text("end_note").default(""))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("medical_flag", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        for (name, table, cols) in [
            (
                "ix_progress_note_admission",
                "progress_note",
                ["admission_id", "written_at"],
            ),
            (
                "ix_medical_flag_admission",
                "medical_flag",
                ["admission_id", "ended_on"],
            ),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(table).if_not_exists();
            for c in cols {
                ix.col(c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        // A note is corrected once (NULLs are distinct on both back ends).
        m.create_index(
            Index::create()
                .name("ux_progress_note_corrects")
                .table("progress_note")
                .col("corrects_id")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["medical_flag", "progress_note"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
