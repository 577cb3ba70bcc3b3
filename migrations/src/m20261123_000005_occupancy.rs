//! Occupancy over time: bed state history, the daily occupancy record, the nightly roll
//! count (điểm danh) and planned intakes for the forecast.

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
        // Every change of a bed's state (out of service, back in service), kept so a
        // bed's history reads in full.
        m.create_table(
            Table::create()
                .table("bed_state_change")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("bed_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string_len("state", 24))
                .col(text("reason").default(""))
                .col(date_null("until"))
                .col(boolean("permanent").default(false))
                .col(string("changed_by"))
                .foreign_key(
                    ForeignKey::create()
                        .from("bed_state_change", "bed_id")
                        .to("bed", "id"),
                )
                .to_owned(),
        )
        .await?;
        // One row per calendar day: occupancy at the end of the day. `source` is `live`
        // (observed by the running centre) or `reconstructed` (from admission records,
        // for days the centre was not running).
        m.create_table(
            Table::create()
                .table("occupancy_day")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(date("day").unique_key())
                .col(integer("occupancy"))
                .col(integer("present"))
                .col(integer_null("working_beds"))
                .col(integer_null("beds_used"))
                .col(integer("design_scale"))
                .col(integer("receiving_capacity"))
                .col(string_len("source", 16))
                .col(timestamp_with_time_zone("recorded_at"))
                .to_owned(),
        )
        .await?;
        // The nightly roll count: a snapshot of who is where, confirmed by staff.
        m.create_table(
            Table::create()
                .table("roll_call")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(date("day").unique_key())
                .col(timestamp_with_time_zone("taken_at"))
                .col(string("taken_by"))
                .col(timestamp_with_time_zone_null("confirmed_at"))
                .col(string("confirmed_by").default(""))
                .col(text("note").default(""))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("roll_call_line")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("roll_call_id"))
                .col(integer("admission_id"))
                .col(string_len("status", 24))
                .col(string_len("presence", 32))
                .col(string("bed_code").default(""))
                .col(string("zone").default(""))
                .col(boolean("arrived").default(false))
                .col(boolean("missing").default(false))
                .col(text("remark").default(""))
                .foreign_key(
                    ForeignKey::create()
                        .from("roll_call_line", "roll_call_id")
                        .to("roll_call", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("roll_call_line", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_roll_call_line")
                .table("roll_call_line")
                .col("roll_call_id")
                .col("admission_id")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // Intakes announced ahead (a police handover, a court list): they feed the
        // 90-day forecast. Cancelled rows stay for the record.
        m.create_table(
            Table::create()
                .table("planned_intake")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(date("expected_on"))
                .col(integer("count"))
                .col(string_len("admission_type", 24))
                .col(text("note").default(""))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .col(string("cancelled_by").default(""))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "planned_intake",
            "roll_call_line",
            "roll_call",
            "occupancy_day",
            "bed_state_change",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
