//! Computes a centre's occupancy summary from its own records (never typed in).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::schema::{Capacity, Movements, OccupancySummary, Period, ResidentCell, SCHEMA};
use crate::centres::capacity;
use crate::entities::{admission, admission_event, resident};
use crate::error::AppResult;
use crate::intake::rules::age_on;
use crate::intake::store::ACTIVE;

pub async fn compute<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    period: Period,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<OccupancySummary> {
    let figures = capacity::for_centre_on(conn, centre_code, today).await?;
    let (cells, presence, occupancy) = register_cells(conn, today).await?;
    let residents: Vec<ResidentCell> = cells
        .into_iter()
        .map(|((admission_type, sex, age_band), count)| ResidentCell {
            admission_type,
            sex,
            age_band,
            count,
        })
        .collect();

    let (movements, period) = compute_movements(conn, period).await?;

    Ok(OccupancySummary {
        schema: SCHEMA.to_owned(),
        centre: centre_code.to_owned(),
        sequence: 0,
        as_of: now,
        period,
        capacity: Capacity {
            design_scale: figures.as_ref().map_or(0, |f| i64::from(f.design_scale)),
            receiving_capacity: figures
                .as_ref()
                .map_or(0, |f| i64::from(f.receiving_capacity)),
            // Beds in service, once the beds area has a structure for this centre.
            working_beds: {
                let beds = crate::entities::bed::Entity::find()
                    .filter(
                        crate::entities::bed::COLUMN
                            .state
                            .eq(crate::beds::store::IN_SERVICE),
                    )
                    .count(conn)
                    .await? as i64;
                (beds > 0).then_some(beds)
            },
            occupancy,
        },
        residents,
        presence,
        movements,
        methadone: None,
        vocational: None,
        labour: None,
        // The care areas' sections, through the one interface (design.md §4).
        areas: crate::care::summary_sections(conn, today).await?,
    })
}

type Cells = BTreeMap<(String, String, String), i64>;

/// Residents on the register by type × sex × age band, by presence, and in all:
/// counted in SQL (one row per type × sex × band × presence), whatever the register's size.
async fn register_cells<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> AppResult<(Cells, BTreeMap<String, i64>, i64)> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
    #[derive(FromQueryResult)]
    struct Cell {
        admission_type: String,
        sex: String,
        minor: bool,
        presence: String,
        n: i64,
    }
    // Under 18 today (age_on < 18) is born after this day eighteen years ago.
    let cutoff = today
        .checked_sub_months(chrono::Months::new(18 * 12))
        .unwrap_or(today);
    let minor = Expr::col((resident::Entity, resident::Column::DateOfBirth)).gt(cutoff);
    let mut q = Query::select();
    q.from(admission::Entity)
        .inner_join(
            resident::Entity,
            Expr::col((resident::Entity, resident::Column::Id))
                .equals((admission::Entity, admission::Column::ResidentId)),
        )
        .column((admission::Entity, admission::Column::AdmissionType))
        .column((resident::Entity, resident::Column::Sex))
        .expr_as(minor, "minor")
        .column((admission::Entity, admission::Column::Presence))
        .expr_as(
            Func::count(Expr::col((admission::Entity, admission::Column::Id))),
            "n",
        )
        .and_where(Expr::col((admission::Entity, admission::Column::Status)).eq(ACTIVE))
        .group_by_col((admission::Entity, admission::Column::AdmissionType))
        .group_by_col((resident::Entity, resident::Column::Sex))
        // By the output column: PostgreSQL does not match the select's bound date
        // with the same date bound again in GROUP BY.
        .add_group_by([Expr::col("minor")])
        .group_by_col((admission::Entity, admission::Column::Presence));
    let stmt = sea_orm::StatementBuilder::build(&q, &conn.get_database_backend());
    let (mut cells, mut presence, mut total) = (Cells::new(), BTreeMap::new(), 0);
    for c in Cell::find_by_statement(stmt).all(conn).await? {
        let band = if c.minor { "minor" } else { "adult" };
        *cells
            .entry((c.admission_type, c.sex, band.to_owned()))
            .or_default() += c.n;
        *presence.entry(c.presence).or_default() += c.n;
        total += c.n;
    }
    Ok((cells, presence, total))
}

/// The summaries a centre would have sent at the close of each past day from `from` to
/// `to`, reconstructed from its records (read once): residents on the register that
/// day (admitted on or before it, not yet released) by type × sex × age band, the
/// capacity then in force, and the day's intakes, releases, escapes and returns.
/// Where residents were on a past day is not kept, so `presence` is empty;
/// `working_beds` is null. Period kind `reconstructed`; `as_of` is the end of the day
/// (Hanoi time).
pub async fn reconstruct_range<C: ConnectionTrait>(
    conn: &C,
    centre_code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<OccupancySummary>> {
    let admissions = admission::Entity::find()
        .filter(admission::COLUMN.admitted_on.lte(to))
        .filter(
            sea_orm::Condition::any()
                .add(admission::COLUMN.released_on.is_null())
                .add(admission::COLUMN.released_on.gte(from)),
        )
        .all(conn)
        .await?;
    let people: BTreeMap<i32, (NaiveDate, String)> = resident::Entity::find()
        .filter(
            resident::COLUMN
                .id
                .is_in(admissions.iter().map(|a| a.resident_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, (r.date_of_birth, r.sex)))
        .collect();
    let events = admission_event::Entity::find()
        .filter(admission_event::COLUMN.occurred_on.gte(from))
        .filter(admission_event::COLUMN.occurred_on.lte(to))
        .filter(
            admission_event::COLUMN
                .kind
                .is_in(["escape", "escape_return"]),
        )
        .all(conn)
        .await?;
    // A corrected event is replaced by its correction: count the replacement only.
    let corrected = corrected_ids(conn).await?;
    let events: Vec<_> = events
        .into_iter()
        .filter(|e| !corrected.contains(&e.id))
        .collect();
    let mut out = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        let figures = capacity::for_centre_on(conn, centre_code, day).await?;
        let mut cells: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        let mut occupancy = 0;
        let mut movements = Movements::default();
        for a in &admissions {
            if a.admitted_on == day {
                *movements
                    .intakes
                    .entry(a.admission_type.clone())
                    .or_default() += 1;
            }
            if a.released_on == Some(day) {
                *movements
                    .releases
                    .entry(a.release_reason.clone().unwrap_or_default())
                    .or_default() += 1;
            }
            let on_register = a.admitted_on <= day && a.released_on.is_none_or(|r| r > day);
            let Some((dob, sex)) = people.get(&a.resident_id).filter(|_| on_register) else {
                continue;
            };
            occupancy += 1;
            let band = if age_on(*dob, day) < 18 {
                "minor"
            } else {
                "adult"
            };
            *cells
                .entry((a.admission_type.clone(), sex.clone(), band.to_owned()))
                .or_default() += 1;
        }
        for e in events.iter().filter(|e| e.occurred_on == day) {
            match e.kind.as_str() {
                "escape" => movements.escapes += 1,
                _ => movements.escape_returns += 1,
            }
        }
        let end_of_day = day
            .and_hms_opt(23, 59, 59)
            .and_then(|t| t.and_local_timezone(crate::i18n::hanoi_offset()).single())
            .map(|t| t.to_utc())
            .unwrap_or_else(Utc::now);
        out.push(OccupancySummary {
            schema: SCHEMA.to_owned(),
            centre: centre_code.to_owned(),
            sequence: 0,
            as_of: end_of_day,
            period: Period::of("reconstructed", day),
            capacity: Capacity {
                design_scale: figures.as_ref().map_or(0, |f| i64::from(f.design_scale)),
                receiving_capacity: figures
                    .as_ref()
                    .map_or(0, |f| i64::from(f.receiving_capacity)),
                working_beds: None,
                occupancy,
            },
            residents: cells
                .into_iter()
                .map(|((admission_type, sex, age_band), count)| ResidentCell {
                    admission_type,
                    sex,
                    age_band,
                    count,
                })
                .collect(),
            presence: BTreeMap::new(),
            movements,
            methadone: None,
            vocational: None,
            labour: None,
            // Past days are rebuilt from the intake records only: the care areas'
            // figures of a past day are not reconstructed ("not reported").
            areas: BTreeMap::new(),
        });
    }
    Ok(out)
}

/// Intakes, releases, escapes and returns dated within the period.
async fn compute_movements<C: ConnectionTrait>(
    conn: &C,
    period: Period,
) -> AppResult<(Movements, Period)> {
    let mut movements = Movements::default();
    for a in admission::Entity::find()
        .filter(admission::COLUMN.admitted_on.gte(period.from))
        .filter(admission::COLUMN.admitted_on.lte(period.to))
        .all(conn)
        .await?
    {
        *movements.intakes.entry(a.admission_type).or_default() += 1;
    }
    for a in admission::Entity::find()
        .filter(admission::COLUMN.released_on.gte(period.from))
        .filter(admission::COLUMN.released_on.lte(period.to))
        .all(conn)
        .await?
    {
        *movements
            .releases
            .entry(a.release_reason.unwrap_or_default())
            .or_default() += 1;
    }
    let corrected = corrected_ids(conn).await?;
    for e in admission_event::Entity::find()
        .filter(admission_event::COLUMN.occurred_on.gte(period.from))
        .filter(admission_event::COLUMN.occurred_on.lte(period.to))
        .all(conn)
        .await?
        .into_iter()
        .filter(|e| !corrected.contains(&e.id))
    {
        match e.kind.as_str() {
            "escape" => movements.escapes += 1,
            "escape_return" => movements.escape_returns += 1,
            _ => {}
        }
    }
    Ok((movements, period))
}

/// Ids of events that a later correction replaces.
async fn corrected_ids<C: ConnectionTrait>(conn: &C) -> AppResult<std::collections::HashSet<i32>> {
    use sea_orm::QuerySelect;
    Ok(admission_event::Entity::find()
        .filter(admission_event::COLUMN.corrects_id.is_not_null())
        .select_only()
        .column(admission_event::Column::CorrectsId)
        .into_tuple::<Option<i32>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect())
}
