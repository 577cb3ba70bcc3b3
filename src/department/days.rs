//! A centre's figures per day, kept from the summaries received: the newest summary for
//! a day (by sequence) stands for that day. Trends and reports read these rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entities::centre_day;
use crate::error::AppResult;
use crate::summary::schema::OccupancySummary;

fn to_json(m: &BTreeMap<String, i64>) -> String {
    serde_json::to_string(m).unwrap_or_else(|_| "{}".into())
}

/// Parses one of the JSON count maps of a row (an unreadable one counts as empty).
pub fn counts(s: &str) -> BTreeMap<String, i64> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Residents by `type.sex.age_band` from a summary.
pub fn resident_cells(s: &OccupancySummary) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for c in &s.residents {
        *m.entry(format!("{}.{}.{}", c.admission_type, c.sex, c.age_band))
            .or_default() += c.count;
    }
    m
}

fn clamp(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Records the summary as its day's figures unless a newer summary for that day is
/// already kept.
pub async fn record<C: ConnectionTrait>(conn: &C, s: &OccupancySummary) -> AppResult<()> {
    let day = s.period.to;
    let existing = centre_day::Entity::find()
        .filter(centre_day::COLUMN.centre_code.eq(s.centre.as_str()))
        .filter(centre_day::COLUMN.day.eq(day))
        .one(conn)
        .await?;
    if existing.as_ref().is_some_and(|e| e.sequence >= s.sequence) {
        return Ok(());
    }
    let row = centre_day::ActiveModel {
        centre_code: Set(s.centre.clone()),
        day: Set(day),
        sequence: Set(s.sequence),
        kind: Set(s.period.kind.chars().take(16).collect()),
        design_scale: Set(clamp(s.capacity.design_scale)),
        receiving_capacity: Set(clamp(s.capacity.receiving_capacity)),
        working_beds: Set(s.capacity.working_beds.map(clamp)),
        occupancy: Set(clamp(s.capacity.occupancy)),
        residents: Set(to_json(&resident_cells(s))),
        intakes: Set(to_json(&s.movements.intakes)),
        releases: Set(to_json(&s.movements.releases)),
        escapes: Set(clamp(s.movements.escapes)),
        escape_returns: Set(clamp(s.movements.escape_returns)),
        intakes_total: Set(s.movements.intakes.values().sum()),
        releases_total: Set(s.movements.releases.values().sum()),
        ..Default::default()
    };
    match existing {
        Some(e) => {
            let mut am = row;
            am.id = Set(e.id);
            am.reset_all().update(conn).await?;
        }
        None => {
            row.insert(conn).await?;
        }
    }
    Ok(())
}

/// Every kept day from `from` to `to` (all centres), by day then centre.
/// A point of the trends: the figures a chart and the month table use, nothing else.
#[derive(Clone, Debug, sea_orm::FromQueryResult)]
pub struct DayPoint {
    pub centre_code: String,
    pub day: NaiveDate,
    pub occupancy: i32,
    pub intakes_total: i64,
    pub releases_total: i64,
    pub escapes: i32,
}

/// The trends' points from `from` to `to` (all centres), by day then centre.
pub async fn points_between<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<DayPoint>> {
    use sea_orm::QuerySelect;
    Ok(centre_day::Entity::find()
        .select_only()
        .column(centre_day::Column::CentreCode)
        .column(centre_day::Column::Day)
        .column(centre_day::Column::Occupancy)
        .column(centre_day::Column::IntakesTotal)
        .column(centre_day::Column::ReleasesTotal)
        .column(centre_day::Column::Escapes)
        .filter(centre_day::COLUMN.day.gte(from))
        .filter(centre_day::COLUMN.day.lte(to))
        .order_by_asc(centre_day::COLUMN.day)
        .order_by_asc(centre_day::COLUMN.centre_code)
        .into_model::<DayPoint>()
        .all(conn)
        .await?)
}

/// Stores the intake and release totals of days recorded before they were kept.
pub async fn fill_totals<C: ConnectionTrait>(conn: &C) -> AppResult<usize> {
    // Only days with movements recorded: a quiet day (`{}` both) stays at zero and is not
    // read again at every start.
    let rows = centre_day::Entity::find()
        .filter(centre_day::COLUMN.intakes_total.eq(0))
        .filter(centre_day::COLUMN.releases_total.eq(0))
        .filter(
            sea_orm::Condition::any()
                .add(centre_day::COLUMN.intakes.ne("{}"))
                .add(centre_day::COLUMN.releases.ne("{}")),
        )
        .all(conn)
        .await?;
    let mut n = 0;
    for r in rows {
        let (i, o): (i64, i64) = (
            counts(&r.intakes).values().sum(),
            counts(&r.releases).values().sum(),
        );
        if i == 0 && o == 0 {
            continue;
        }
        let mut am = sea_orm::IntoActiveModel::into_active_model(r);
        am.intakes_total = Set(i);
        am.releases_total = Set(o);
        am.update(conn).await?;
        n += 1;
    }
    Ok(n)
}

pub async fn between<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<centre_day::Model>> {
    Ok(centre_day::Entity::find()
        .filter(centre_day::COLUMN.day.gte(from))
        .filter(centre_day::COLUMN.day.lte(to))
        .order_by_asc(centre_day::COLUMN.day)
        .order_by_asc(centre_day::COLUMN.centre_code)
        .all(conn)
        .await?)
}
