//! Beds: zones (khu), rooms, beds, and the assignments of admissions to beds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

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
                .table("zone")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len_uniq("code", 32))
                .col(string("name"))
                .col(string_len("kind", 24))
                .col(string_len("sex", 8))
                .col(boolean("active").default(true))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("room")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("zone_id"))
                .col(string_len("code", 32))
                .col(double("floor_area_m2"))
                .col(boolean("care_24h").default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from("room", "zone_id")
                        .to("zone", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_room_zone_code")
                .table("room")
                .col("zone_id")
                .col("code")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bed")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("room_id"))
                .col(string_len_uniq("code", 32))
                .col(string("tags"))
                .col(string_len("state", 24))
                .col(text("out_reason").default(""))
                .col(date_null("out_until"))
                .col(boolean("out_permanent").default(false))
                .foreign_key(ForeignKey::create().from("bed", "room_id").to("room", "id"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("bed_assignment")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("bed_id"))
                .col(integer("admission_id"))
                .col(timestamp_with_time_zone("from_at"))
                .col(timestamp_with_time_zone_null("to_at"))
                .col(text("reason").default(""))
                .col(text("override_reason").default(""))
                .col(string("assigned_by"))
                .col(string("ended_by").default(""))
                .foreign_key(
                    ForeignKey::create()
                        .from("bed_assignment", "bed_id")
                        .to("bed", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("bed_assignment", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        // A bed never holds two residents, and a resident never holds two beds: enforced
        // by the database, whatever the code does.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_bed_assignment_bed_open ON bed_assignment (bed_id) WHERE to_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_bed_assignment_admission_open ON bed_assignment (admission_id) WHERE to_at IS NULL",
        )
        .await?;
        // Infectious-disease flag of an admission: routes the resident to that zone.
        m.alter_table(
            Table::alter()
                .table("admission")
                .add_column(boolean("infectious").default(false))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["bed_assignment", "bed", "room", "zone"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table("admission")
                .drop_column("infectious")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
