//! The medication administration record: a doctor's orders (regular at set times,
//! as-needed, or once now) and each dose as given, not given (with a reason), or missed
//! (written by the nightly check when nothing was recorded); a dose given without an
//! order waits for a doctor's acknowledgement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("medication_order")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(string_len("drug", 200))
                .col(string_len("dose", 100))
                .col(string_len("route", 16))
                // `regular`, `prn` or `stat`.
                .col(string_len("kind", 8))
                // Regular orders: local times, minutes after midnight, comma-separated.
                .col(string_len("times", 100).default(""))
                .col(text("indication").default(""))
                .col(date("starts_on"))
                .col(date_null("ends_on"))
                // Stopped by a doctor: doses due from this instant on are no longer due.
                .col(big_integer_null("stopped_at"))
                .col(text("stop_reason").default(""))
                .col(string("ordered_by_name"))
                .col(timestamp_with_time_zone("ordered_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("medication_order", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("medication_dose")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(integer_null("order_id"))
                // The scheduled time (minutes since the epoch), for regular and STAT doses.
                .col(big_integer_null("due_at"))
                // `given`, `not_given` or `missed`.
                .col(string_len("status", 16))
                .col(text("reason").default(""))
                .col(big_integer_null("given_at"))
                .col(boolean("late").default(false))
                // Given without an order: drug, dose and route as given.
                .col(string_len("drug", 200).default(""))
                .col(string_len("dose", 100).default(""))
                .col(string_len("route", 16).default(""))
                .col(boolean("needs_ack").default(false))
                .col(string_len("acked_by_name", 100).default(""))
                .col(timestamp_with_time_zone_null("acked_at"))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("medication_dose", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        for (name, table, cols, unique) in [
            (
                "ix_medication_order_admission",
                "medication_order",
                &["admission_id", "starts_on"][..],
                false,
            ),
            (
                "ix_medication_order_active",
                "medication_order",
                &["ends_on", "kind"][..],
                false,
            ),
            (
                "ix_medication_dose_admission",
                "medication_dose",
                &["admission_id", "due_at"][..],
                false,
            ),
            // One record per scheduled dose.
            (
                "ux_medication_dose_due",
                "medication_dose",
                &["order_id", "due_at"][..],
                true,
            ),
            (
                "ix_medication_dose_ack",
                "medication_dose",
                &["needs_ack", "acked_at"][..],
                false,
            ),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(table).if_not_exists();
            if unique {
                ix.unique();
            }
            for c in cols {
                ix.col(*c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        // Minutes after the due time before a dose given counts as late (local policy).
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO programme_setting (name, value) VALUES ('mar_late_minutes', 60)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM programme_setting WHERE name = 'mar_late_minutes'")
            .await?;
        for t in ["medication_dose", "medication_order"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
