//! Intake: dated legal rules, residents, admissions and their events.

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
        // The legal regime's figures (ages, terms) as dated data: Law 73/2021 for decisions
        // before 01/07/2026, Law 120/2025 from then on (domain.md §11).
        m.create_table(
            Table::create()
                .table("legal_rule")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len("regime_code", 32))
                .col(string("regime_name"))
                .col(date("effective_from"))
                .col(date_null("effective_to"))
                .col(string_len("admission_type", 32))
                .col(integer("min_age"))
                .col(integer_null("max_age"))
                .col(integer_null("first_term_min"))
                .col(integer_null("first_term_max"))
                .col(integer_null("repeat_term_min"))
                .col(integer_null("repeat_term_max"))
                .col(text("source"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(integer_null("updated_by"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("resident")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(string_len_uniq("code", 32))
                .col(string("full_name"))
                .col(string("name_search"))
                .col(date("date_of_birth"))
                .col(string_len("sex", 8))
                .col(string_len("id_kind", 24))
                .col(string_len("id_number", 32))
                .col(string("home_province"))
                .col(string("home_district"))
                .col(string("home_commune"))
                .col(string("home_address"))
                .col(string("current_address"))
                .col(string("family_contact"))
                .col(string("substances"))
                .col(string("education"))
                .col(string("occupation"))
                .col(timestamp_with_time_zone("created_at"))
                .col(integer_null("created_by"))
                .to_owned(),
        )
        .await?;
        // One person, one record: an identity document identifies one resident.
        m.create_index(
            Index::create()
                .name("ux_resident_identity")
                .table("resident")
                .col("id_kind")
                .col("id_number")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_resident_name_search")
                .table("resident")
                .col("name_search")
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("admission")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("resident_id"))
                .col(string_len("admission_type", 32))
                .col(string_len("status", 16))
                .col(string_len("presence", 32))
                .col(date("presence_since"))
                .col(date("admitted_on"))
                .col(string("document_number"))
                .col(date("document_date"))
                .col(string("issuing_body"))
                .col(string("guardian_name"))
                .col(integer_null("term_months"))
                .col(integer("prior_rehabilitations"))
                .col(integer_null("rule_id"))
                .col(string_len("regime_code", 32))
                .col(integer("temp_days"))
                .col(date_null("expected_end"))
                .col(string("zone"))
                .col(integer("stage"))
                .col(text("health_on_arrival"))
                .col(text("documents_received"))
                .col(text("belongings"))
                .col(date_null("released_on"))
                .col(string_len_null("release_reason", 40))
                .col(string("release_document"))
                .col(string_len_null("from_centre", 32))
                .col(string_len_null("to_centre", 32))
                .col(timestamp_with_time_zone("created_at"))
                .col(integer_null("created_by"))
                .foreign_key(
                    ForeignKey::create()
                        .from("admission", "resident_id")
                        .to("resident", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_admission_resident")
                .table("admission")
                .col("resident_id")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_admission_status_end")
                .table("admission")
                .col("status")
                .col("expected_end")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // One active admission per person, enforced by the database itself (a partial
        // unique index: same syntax on SQLite and PostgreSQL).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_admission_one_active \
                 ON admission (resident_id) WHERE status = 'active'",
            )
            .await?;

        // Movements and status changes. Corrections are new rows pointing at what they
        // correct (`corrects_id`); nothing is edited in place.
        m.create_table(
            Table::create()
                .table("admission_event")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(string_len("kind", 32))
                .col(date("occurred_on"))
                .col(string_len("occurred_time", 5))
                .col(string("document_ref"))
                .col(text("reason"))
                .col(integer("months"))
                .col(integer("travel_days"))
                .col(string("place"))
                .col(integer_null("corrects_id"))
                .col(integer_null("recorded_by"))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("admission_event", "admission_id")
                        .to("admission", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("admission_event", "corrects_id")
                        .to("admission_event", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_admission_event_admission")
                .table("admission_event")
                .col("admission_id")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["admission_event", "admission", "resident", "legal_rule"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
