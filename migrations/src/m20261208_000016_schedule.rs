//! The centre's one timetable (design.md §2): treatment sessions, vocational classes and
//! labour shifts are slots of a resident's day. A slot is planned once (one-off or weekly)
//! and expanded over a bounded horizon into occurrences; each occurrence is booked for
//! each member, and the clash check is one indexed query over those bookings. Times are
//! minutes since the Unix epoch (UTC), computed from Hanoi local times, so the check is
//! plain integer arithmetic on both backends. Attendance is kept per occurrence and
//! member, every change a new row; its reasons are data shared by all areas. Holidays are
//! a dated calendar that cancels occurrences.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn slot() -> TableCreateStatement {
    Table::create()
        .table("schedule_slot")
        .if_not_exists()
        .col(pk_auto("id"))
        // The area that owns the slot (treatment, vocational, labour) and its kind.
        .col(string_len("area", 16))
        .col(string_len("kind", 32))
        .col(string_len("title", 200))
        // `residents` (named members) or `zone` (the zone's residents when planned).
        .col(string_len("audience", 16))
        .col(string_len("zone", 100).default(""))
        .col(string_len("room", 100).default(""))
        .col(integer_null("staff_id"))
        .col(string_len("staff_name", 200).default(""))
        .col(date("first_day"))
        .col(date_null("last_day"))
        // Monday = 1, Tuesday = 2, … Sunday = 64; 0 = one occurrence on first_day.
        .col(integer("weekdays"))
        // Local (Hanoi) start, minutes after midnight, and length.
        .col(integer("start_minute"))
        .col(integer("duration_minutes"))
        // On a member's clash: `exclude` the member from that occurrence, or `refuse`.
        .col(string_len("on_clash", 8))
        // Occurrences exist for days before this one.
        .col(date("expanded_until"))
        .col(date_null("cancelled_from"))
        .col(text("note").default(""))
        .col(string("created_by_name"))
        .col(timestamp_with_time_zone("created_at"))
        .to_owned()
}

fn member() -> TableCreateStatement {
    Table::create()
        .table("slot_member")
        .if_not_exists()
        .col(pk_auto("id"))
        .col(integer("slot_id"))
        .col(integer("admission_id"))
        // Excused from this recurring slot from a day on, without leaving the group.
        .col(date_null("excused_from"))
        .col(text("excuse_note").default(""))
        // Left the slot's audience (moved to another zone, released): kept for history.
        .col(date_null("left_on"))
        .foreign_key(
            ForeignKey::create()
                .from("slot_member", "slot_id")
                .to("schedule_slot", "id"),
        )
        .foreign_key(
            ForeignKey::create()
                .from("slot_member", "admission_id")
                .to("admission", "id"),
        )
        .to_owned()
}

fn occurrence() -> TableCreateStatement {
    Table::create()
        .table("slot_occurrence")
        .if_not_exists()
        .col(pk_auto("id"))
        .col(integer("slot_id"))
        .col(date("day"))
        .col(big_integer("start_at"))
        .col(big_integer("end_at"))
        // Copied from the slot so staff and room double-booking are indexed checks.
        .col(integer_null("staff_id"))
        .col(string_len("room", 100).default(""))
        // '' (held), `holiday` or `cancelled`.
        .col(string_len("cancelled", 16).default(""))
        .col(text("cancel_note").default(""))
        .foreign_key(
            ForeignKey::create()
                .from("slot_occurrence", "slot_id")
                .to("schedule_slot", "id"),
        )
        .to_owned()
}

fn booking() -> TableCreateStatement {
    Table::create()
        .table("slot_booking")
        .if_not_exists()
        .col(pk_auto("id"))
        .col(integer("occurrence_id"))
        .col(integer("slot_id"))
        .col(integer("admission_id"))
        .col(big_integer("start_at"))
        .col(big_integer("end_at"))
        // `booked`, `clash` (excluded: the resident is elsewhere), `excused` or
        // `cancelled`. Only `booked` rows take the resident's time.
        .col(string_len("state", 16))
        .foreign_key(
            ForeignKey::create()
                .from("slot_booking", "occurrence_id")
                .to("slot_occurrence", "id"),
        )
        .to_owned()
}

fn attendance() -> TableCreateStatement {
    Table::create()
        .table("attendance")
        .if_not_exists()
        .col(pk_auto("id"))
        .col(integer("occurrence_id"))
        .col(integer("admission_id"))
        .col(string_len("reason", 32))
        .col(text("note").default(""))
        // The record this one replaces (every change is kept).
        .col(integer_null("replaces_id"))
        .col(string("recorded_by_name"))
        .col(timestamp_with_time_zone("recorded_at"))
        .foreign_key(
            ForeignKey::create()
                .from("attendance", "occurrence_id")
                .to("slot_occurrence", "id"),
        )
        .to_owned()
}

fn reason() -> TableCreateStatement {
    Table::create()
        .table("attendance_reason")
        .if_not_exists()
        .col(string_len("code", 32).primary_key())
        .col(integer("position"))
        .col(boolean("counts_attended"))
        // Paid absence, for labour's earnings.
        .col(boolean("paid"))
        .col(boolean("needs_note"))
        .col(boolean("warns"))
        .to_owned()
}

/// Attended programme minutes per resident and month by category, kept as attendance
/// is recorded (the time-use report reads a month without scanning its attendance).
fn time_use() -> TableCreateStatement {
    Table::create()
        .table("time_use_month")
        .if_not_exists()
        .col(integer("admission_id"))
        // The first day of the month.
        .col(date("month"))
        .col(big_integer("counselling").default(0))
        .col(big_integer("education").default(0))
        .col(big_integer("vocational").default(0))
        .col(big_integer("total").default(0))
        .primary_key(Index::create().col("admission_id").col("month"))
        .to_owned()
}

/// The programme's settings the director keeps (e.g. the time-use target).
fn setting() -> TableCreateStatement {
    Table::create()
        .table("programme_setting")
        .if_not_exists()
        .col(string_len("name", 64).primary_key())
        .col(integer("value"))
        .to_owned()
}

fn holiday() -> TableCreateStatement {
    Table::create()
        .table("holiday")
        .if_not_exists()
        .col(date("day").primary_key())
        .col(string_len("name", 200))
        .to_owned()
}

const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "ux_slot_member_slot",
        "slot_member",
        &["slot_id", "admission_id"],
    ),
    ("ix_slot_member_admission", "slot_member", &["admission_id"]),
    (
        "ux_slot_occurrence_slot",
        "slot_occurrence",
        &["slot_id", "start_at"],
    ),
    ("ix_slot_occurrence_start", "slot_occurrence", &["start_at"]),
    (
        "ix_slot_occurrence_staff",
        "slot_occurrence",
        &["staff_id", "start_at"],
    ),
    (
        "ix_slot_occurrence_room",
        "slot_occurrence",
        &["room", "start_at"],
    ),
    (
        "ix_slot_booking_resident",
        "slot_booking",
        &["admission_id", "start_at"],
    ),
    (
        "ux_slot_booking_occurrence",
        "slot_booking",
        &["occurrence_id", "admission_id"],
    ),
    // Counts of one state (booked per occurrence, left out per slot) read the index only.
    (
        "ix_slot_booking_occurrence_state",
        "slot_booking",
        &["occurrence_id", "state"],
    ),
    (
        "ix_slot_booking_slot",
        "slot_booking",
        &["slot_id", "state", "start_at"],
    ),
    (
        "ix_attendance_occurrence",
        "attendance",
        &["occurrence_id", "admission_id"],
    ),
    ("ix_attendance_admission", "attendance", &["admission_id"]),
    (
        "ix_time_use_month",
        "time_use_month",
        &["month", "admission_id"],
    ),
    ("ux_attendance_replaces", "attendance", &["replaces_id"]),
];

/// The shared reasons (code, counts as attended, paid, needs a note, raises a warning).
const REASONS: &str = "INSERT INTO attendance_reason \
    (code, position, counts_attended, paid, needs_note, warns) VALUES \
    ('attended', 1, TRUE, TRUE, FALSE, FALSE), \
    ('late', 2, TRUE, TRUE, FALSE, FALSE), \
    ('sick', 3, FALSE, TRUE, FALSE, FALSE), \
    ('rest', 4, FALSE, TRUE, FALSE, FALSE), \
    ('refused', 5, FALSE, FALSE, TRUE, TRUE), \
    ('clash', 6, FALSE, FALSE, FALSE, FALSE), \
    ('in_hospital', 7, FALSE, TRUE, FALSE, FALSE), \
    ('court', 8, FALSE, TRUE, FALSE, FALSE), \
    ('on_leave', 9, FALSE, FALSE, FALSE, FALSE), \
    ('escaped', 10, FALSE, FALSE, FALSE, TRUE), \
    ('discipline', 11, FALSE, FALSE, TRUE, TRUE), \
    ('other', 12, FALSE, FALSE, TRUE, FALSE)";

/// Public holidays of the Labour Code (Art 112) for 2026–2027 as announced; the centre
/// keeps this calendar (Tết's days are decided each year).
const HOLIDAYS: &str = "INSERT INTO holiday (day, name) VALUES \
    ('2026-01-01', 'Tết Dương lịch'), \
    ('2026-02-16', 'Tết Nguyên đán'), ('2026-02-17', 'Tết Nguyên đán'), \
    ('2026-02-18', 'Tết Nguyên đán'), ('2026-02-19', 'Tết Nguyên đán'), \
    ('2026-02-20', 'Tết Nguyên đán'), \
    ('2026-04-27', 'Giỗ Tổ Hùng Vương (nghỉ bù)'), \
    ('2026-04-30', 'Ngày Giải phóng miền Nam'), ('2026-05-01', 'Ngày Quốc tế Lao động'), \
    ('2026-09-01', 'Quốc khánh'), ('2026-09-02', 'Quốc khánh'), \
    ('2027-01-01', 'Tết Dương lịch'), \
    ('2027-02-05', 'Tết Nguyên đán'), ('2027-02-08', 'Tết Nguyên đán'), \
    ('2027-02-09', 'Tết Nguyên đán'), ('2027-02-10', 'Tết Nguyên đán'), \
    ('2027-02-11', 'Tết Nguyên đán'), \
    ('2027-04-16', 'Giỗ Tổ Hùng Vương'), \
    ('2027-04-30', 'Ngày Giải phóng miền Nam'), ('2027-05-01', 'Ngày Quốc tế Lao động'), \
    ('2027-09-02', 'Quốc khánh'), ('2027-09-03', 'Quốc khánh')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            slot(),
            member(),
            occurrence(),
            booking(),
            attendance(),
            reason(),
            holiday(),
            setting(),
            time_use(),
        ] {
            m.create_table(t).await?;
        }
        for (name, table, cols) in INDEXES {
            let mut ix = Index::create();
            ix.name(*name).table(*table).if_not_exists();
            // One member per slot, one occurrence per start, one booking per member and
            // occurrence, one replacement per attendance record: two writers racing
            // (two upkeeps, two nurses saving one sheet) fail instead of forking.
            if name.starts_with("ux_") {
                ix.unique();
            }
            for c in *cols {
                ix.col(*c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(REASONS).await?;
        db.execute_unprepared(HOLIDAYS).await?;
        // The seeds' proposal: 70% of programme time in counselling, education and
        // vocational training (no legal source: local policy, domain.md §3).
        db.execute_unprepared(
            "INSERT INTO programme_setting (name, value) VALUES ('time_use_target_pct', 70)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "attendance",
            "slot_booking",
            "slot_occurrence",
            "slot_member",
            "schedule_slot",
            "attendance_reason",
            "holiday",
            "programme_setting",
            "time_use_month",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
