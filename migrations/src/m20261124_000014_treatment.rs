//! Treatment, first slice: the five stages as dated transitions (taking over intake's
//! "stage change" movement, whose records are copied here), the date the current stage
//! began stored on the admission (the ward list shows days in stage), the centre's plan
//! of stage lengths as data, and detox episodes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("stage_transition")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(integer("stage"))
                .col(date("entered_on"))
                .col(text("note").default(""))
                .col(integer_null("recorded_by"))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("stage_transition", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("detox_episode")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(string_len("substance_class", 16))
                .col(string_len("protocol", 200))
                .col(date("started_on"))
                .col(date_null("ended_on"))
                .col(string_len("outcome", 32).default(""))
                // Hours between withdrawal assessments (data: set per episode from the
                // class's default) and when the last one was recorded (the ward list
                // flags overdue ones without reading every assessment).
                .col(integer("assessment_hours").default(8))
                .col(timestamp_with_time_zone_null("last_assessed_at"))
                .col(text("note").default(""))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("detox_episode", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        // A doctor's restriction (unfit for labour, classes or sport, from a day, until a
        // day or further notice): the fitness other areas read, without the reason.
        m.create_table(
            Table::create()
                .table("medical_restriction")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(string_len("activity", 16))
                .col(date("starts_on"))
                .col(date_null("ends_on"))
                .col(text("reason"))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("medical_restriction", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        // Withdrawal assessments on a detox episode: the items as scored, the total and
        // its band computed (never typed), and vitals.
        m.create_table(
            Table::create()
                .table("withdrawal_assessment")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("episode_id"))
                .col(timestamp_with_time_zone("assessed_at"))
                .col(string_len("scale", 16))
                .col(text("items"))
                .col(integer("total"))
                .col(string_len("band", 24))
                .col(integer_null("pulse"))
                .col(integer_null("systolic"))
                .col(integer_null("diastolic"))
                .col(integer_null("temperature_tenths"))
                .col(text("note").default(""))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("withdrawal_assessment", "episode_id")
                        .to("detox_episode", "id"),
                )
                .to_owned(),
        )
        .await?;
        // Drug tests (xét nghiệm ma túy): read by the stages and, later, methadone's rules.
        m.create_table(
            Table::create()
                .table("drug_test")
                .if_not_exists()
                .col(pk_auto("id"))
                .col(integer("admission_id"))
                .col(date("tested_on"))
                .col(string_len("method", 16))
                .col(string_len("substances", 200))
                .col(boolean("positive"))
                .col(text("note").default(""))
                .col(string("recorded_by_name"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("drug_test", "admission_id")
                        .to("admission", "id"),
                )
                .to_owned(),
        )
        .await?;
        for (name, table, cols) in [
            (
                "ix_stage_transition_admission",
                "stage_transition",
                &["admission_id", "entered_on"][..],
            ),
            (
                "ix_detox_episode_admission",
                "detox_episode",
                &["admission_id", "ended_on"][..],
            ),
            (
                "ix_withdrawal_assessment_episode",
                "withdrawal_assessment",
                &["episode_id", "assessed_at"][..],
            ),
            (
                "ix_drug_test_admission",
                "drug_test",
                &["admission_id", "tested_on"][..],
            ),
            (
                "ix_medical_restriction_admission",
                "medical_restriction",
                &["admission_id", "starts_on"][..],
            ),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(table).if_not_exists();
            for c in cols {
                ix.col(*c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("stage_plan")
                .if_not_exists()
                .col(integer("stage").primary_key())
                .col(integer("planned_days"))
                .to_owned(),
        )
        .await?;
        // No stage has a statutory length (Decree 116/2021 Art 27: each centre issues its
        // own process). These fill a 12-month term; the director changes them.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO stage_plan (stage, planned_days) VALUES \
                 (1, 15), (2, 30), (3, 120), (4, 170), (5, 30)",
            )
            .await?;
        m.alter_table(
            Table::alter()
                .table("admission")
                .add_column(ColumnDef::new("stage_since").date().null())
                .to_owned(),
        )
        .await?;
        // Stage changes recorded as movements until now become transitions (the
        // movement kept its stage in `months`); the movements stay as they were.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO stage_transition \
                   (admission_id, stage, entered_on, note, recorded_by, recorded_by_name, recorded_at) \
                 SELECT admission_id, months, occurred_on, reason, recorded_by, recorded_by_name, recorded_at \
                 FROM admission_event \
                 WHERE kind = 'stage_change' AND months BETWEEN 1 AND 5 \
                   AND id NOT IN (SELECT corrects_id FROM admission_event WHERE corrects_id IS NOT NULL)",
            )
            .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE admission SET stage_since = COALESCE( \
                   (SELECT MAX(t.entered_on) FROM stage_transition t \
                    WHERE t.admission_id = admission.id AND t.stage = admission.stage), \
                   admitted_on)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("admission")
                .drop_column("stage_since")
                .to_owned(),
        )
        .await?;
        for t in [
            "withdrawal_assessment",
            "drug_test",
            "medical_restriction",
            "stage_plan",
            "detox_episode",
            "stage_transition",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
