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
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?;
    let ids: Vec<i32> = active.iter().map(|a| a.resident_id).collect();
    let people: BTreeMap<i32, resident::Model> = resident::Entity::find()
        .filter(resident::COLUMN.id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut cells: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    let mut presence: BTreeMap<String, i64> = BTreeMap::new();
    for a in &active {
        let Some(p) = people.get(&a.resident_id) else {
            continue;
        };
        let band = if age_on(p.date_of_birth, today) < 18 {
            "minor"
        } else {
            "adult"
        };
        *cells
            .entry((a.admission_type.clone(), p.sex.clone(), band.to_owned()))
            .or_default() += 1;
        *presence.entry(a.presence.clone()).or_default() += 1;
    }
    let residents: Vec<ResidentCell> = cells
        .into_iter()
        .map(|((admission_type, sex, age_band), count)| ResidentCell {
            admission_type,
            sex,
            age_band,
            count,
        })
        .collect();

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
    for e in admission_event::Entity::find()
        .filter(admission_event::COLUMN.occurred_on.gte(period.from))
        .filter(admission_event::COLUMN.occurred_on.lte(period.to))
        .all(conn)
        .await?
    {
        match e.kind.as_str() {
            "escape" => movements.escapes += 1,
            "escape_return" => movements.escape_returns += 1,
            _ => {}
        }
    }

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
            occupancy: active.len() as i64,
        },
        residents,
        presence,
        movements,
        methadone: None,
        vocational: None,
        labour: None,
    })
}
