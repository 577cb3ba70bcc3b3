//! Capacity as dated data: the figures in force on a day are those of the newest
//! capacity row that took effect on or before it.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::entities::{centre, centre_capacity};
use crate::error::AppResult;

#[derive(Clone, Debug)]
pub struct CentreFigures {
    pub centre: centre::Model,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    pub capacity_from: Option<NaiveDate>,
}

/// Whether a centre was open on `day` (opened, not yet closed or merged away).
pub fn open_on(c: &centre::Model, day: NaiveDate) -> bool {
    c.opened_on <= day && c.closed_on.is_none_or(|closed| day < closed)
}

/// The capacity row in force on `day` among one centre's rows.
pub fn in_force(
    rows: &[centre_capacity::Model],
    centre_id: i32,
    day: NaiveDate,
) -> Option<&centre_capacity::Model> {
    rows.iter()
        .filter(|r| r.centre_id == centre_id && r.effective_from <= day)
        .max_by_key(|r| (r.effective_from, r.id))
}

/// Every centre open on `day`, with the figures in force that day, by code.
pub async fn open_centres_on<C: ConnectionTrait>(
    conn: &C,
    day: NaiveDate,
) -> AppResult<Vec<CentreFigures>> {
    let centres = centre::Entity::find()
        .order_by_asc(centre::COLUMN.code)
        .all(conn)
        .await?;
    let caps = centre_capacity::Entity::find().all(conn).await?;
    Ok(centres
        .into_iter()
        .filter(|c| open_on(c, day))
        .map(|c| {
            let cap = in_force(&caps, c.id, day);
            CentreFigures {
                design_scale: cap.map_or(0, |r| r.design_scale),
                receiving_capacity: cap.map_or(0, |r| r.receiving_capacity),
                capacity_from: cap.map(|r| r.effective_from),
                centre: c,
            }
        })
        .collect())
}

/// The figures for one centre on `day`.
pub async fn for_centre_on<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    day: NaiveDate,
) -> AppResult<Option<CentreFigures>> {
    Ok(open_centres_on(conn, day)
        .await?
        .into_iter()
        .find(|f| f.centre.code == code))
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub centres: i64,
    pub design_scale: i64,
    pub receiving_capacity: i64,
}

impl Totals {
    pub fn of(rows: &[CentreFigures]) -> Totals {
        Totals {
            centres: rows.len() as i64,
            design_scale: rows.iter().map(|r| i64::from(r.design_scale)).sum(),
            receiving_capacity: rows.iter().map(|r| i64::from(r.receiving_capacity)).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cap(id: i32, from: NaiveDate, design: i32) -> centre_capacity::Model {
        centre_capacity::Model {
            id,
            centre_id: 1,
            effective_from: from,
            design_scale: design,
            receiving_capacity: design / 2,
            reason: String::new(),
            recorded_by: None,
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn newest_row_not_after_the_day_is_in_force() {
        let rows = vec![cap(1, d(2023, 1, 1), 1000), cap(2, d(2025, 3, 1), 1200)];
        assert_eq!(in_force(&rows, 1, d(2022, 12, 31)), None);
        assert_eq!(
            in_force(&rows, 1, d(2024, 6, 1)).map(|r| r.design_scale),
            Some(1000)
        );
        assert_eq!(
            in_force(&rows, 1, d(2025, 3, 1)).map(|r| r.design_scale),
            Some(1200)
        );
        assert_eq!(in_force(&rows, 2, d(2025, 3, 1)), None);
    }

    #[test]
    fn closed_centres_are_not_open_after_closing() {
        let c = centre::Model {
            id: 1,
            code: "CS05".into(),
            name: String::new(),
            short_name: String::new(),
            district: String::new(),
            address: String::new(),
            opened_on: d(2022, 1, 1),
            closed_on: Some(d(2025, 3, 1)),
            merged_into: Some("CS01".into()),
            note: String::new(),
        };
        assert!(open_on(&c, d(2023, 12, 14)));
        assert!(!open_on(&c, d(2025, 3, 1)));
        assert!(!open_on(&c, d(2021, 12, 31)));
    }

    #[test]
    fn seed_adds_up_to_the_published_totals() {
        // seed 000: 7 centres, design scale 7,650, receiving capacity 3,624.
        let seeds = crate::seed::centres().unwrap();
        assert_eq!(seeds.len(), 7);
        assert_eq!(seeds.iter().map(|c| c.design_scale).sum::<i32>(), 7650);
        assert_eq!(
            seeds.iter().map(|c| c.receiving_capacity).sum::<i32>(),
            3624
        );
    }
}
