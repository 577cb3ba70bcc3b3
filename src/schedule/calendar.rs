//! The week's calendar read from the one timetable: per staff member, zone or resident,
//! or the whole centre, bounded to one week and one statement.

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use super::recurrence::epoch_minutes;
use super::store::BOOKED;
use crate::db::statement;
use crate::error::AppResult;

/// At most this many occurrences are listed for a week (a narrower view shows the rest).
pub const WEEK_LIMIT: u64 = 400;

/// One occurrence in the calendar.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Entry {
    pub occurrence_id: i32,
    pub slot_id: i32,
    pub day: NaiveDate,
    pub start_at: i64,
    pub end_at: i64,
    pub room: String,
    /// '' (held), `holiday` or `cancelled`.
    pub cancelled: String,
    pub title: String,
    pub kind: String,
    pub area: String,
    pub staff_name: String,
    /// Members booked (not left out, excused or gone).
    pub booked: i64,
}

/// Whose calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    Everyone,
    Staff(i32),
    Zone(String),
    /// An admission: only the occurrences that take the resident's time.
    Resident(i32),
}

/// The occurrences of the week starting `monday`, in time order.
pub async fn week<C: ConnectionTrait>(
    conn: &C,
    filter: &Filter,
    monday: NaiveDate,
) -> AppResult<Vec<Entry>> {
    between(conn, filter, monday, 7).await
}

/// The occurrences of one day, in time order.
pub async fn day<C: ConnectionTrait>(
    conn: &C,
    filter: &Filter,
    day: NaiveDate,
) -> AppResult<Vec<Entry>> {
    between(conn, filter, day, 1).await
}

async fn between<C: ConnectionTrait>(
    conn: &C,
    filter: &Filter,
    first: NaiveDate,
    days: i64,
) -> AppResult<Vec<Entry>> {
    let from = epoch_minutes(first, 0);
    let to = epoch_minutes(first + Duration::days(days), 0);
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let condition = match filter {
        Filter::Everyone => String::new(),
        Filter::Staff(id) => {
            values.push((*id).into());
            "AND o.staff_id = ?".to_owned()
        }
        Filter::Zone(zone) => {
            values.extend([zone.clone().into(), zone.clone().into()]);
            "AND (s.zone = ? OR EXISTS (SELECT 1 FROM slot_booking b \
               JOIN admission a ON a.id = b.admission_id \
               WHERE b.occurrence_id = o.id AND a.zone = ?))"
                .to_owned()
        }
        Filter::Resident(id) => {
            values.extend([(*id).into(), from.into(), to.into()]);
            format!(
                "AND o.id IN (SELECT b.occurrence_id FROM slot_booking b \
                 WHERE b.admission_id = ? AND b.start_at >= ? AND b.start_at < ? \
                 AND b.state = '{BOOKED}')"
            )
        }
    };
    let sql = format!(
        "SELECT o.id AS occurrence_id, s.id AS slot_id, o.day AS day, o.start_at AS start_at, \
           o.end_at AS end_at, o.room AS room, o.cancelled AS cancelled, s.title AS title, \
           s.kind AS kind, s.area AS area, s.staff_name AS staff_name, \
           (SELECT COUNT(*) FROM slot_booking c WHERE c.occurrence_id = o.id \
              AND c.state = '{BOOKED}') AS booked \
         FROM slot_occurrence o JOIN schedule_slot s ON s.id = o.slot_id \
         WHERE o.start_at >= ? AND o.start_at < ? {condition} \
         ORDER BY o.start_at, s.title, o.id LIMIT {WEEK_LIMIT}"
    );
    let backend = conn.get_database_backend();
    Ok(Entry::find_by_statement(statement(backend, &sql, values))
        .all(conn)
        .await?)
}
