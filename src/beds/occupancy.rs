//! Occupancy rules over time, as plain functions: occupancy on a past day from the
//! admission records, the 90-day forecast, capacity changes, and how a resident is
//! classed in the nightly roll count.

use chrono::{Days, NaiveDate};

use crate::error::{FieldErrors, Msg};

/// One stay as history needs it: on the register from `admitted_on` until the day
/// before `released_on` (a resident released on a day is not counted at its end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stay {
    pub admitted_on: NaiveDate,
    pub released_on: Option<NaiveDate>,
}

impl Stay {
    pub fn on_register(&self, day: NaiveDate) -> bool {
        self.admitted_on <= day && self.released_on.is_none_or(|r| r > day)
    }
}

/// Residents on the register at the end of `day`.
pub fn occupancy_on(stays: &[Stay], day: NaiveDate) -> i64 {
    stays.iter().filter(|s| s.on_register(day)).count() as i64
}

/// The value in force on `day` among dated values `(effective_from, value)`.
pub fn in_force_on(dated: &[(NaiveDate, i64)], day: NaiveDate) -> Option<i64> {
    dated
        .iter()
        .filter(|(from, _)| *from <= day)
        .max_by_key(|(from, _)| *from)
        .map(|(_, v)| *v)
}

/// Intakes announced for a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub on: NaiveDate,
    pub count: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForecastDay {
    pub day: NaiveDate,
    pub occupancy: i64,
    pub receiving_capacity: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    pub days: Vec<ForecastDay>,
    /// The first day occupancy would exceed the receiving capacity in force that day.
    pub first_over: Option<ForecastDay>,
    pub peak: Option<ForecastDay>,
}

/// Occupancy for each of the `horizon` days after `today`.
///
/// - A current resident leaves on their expected release date (`ends`); one with no
///   date (temporary placement, a term not yet set) stays; one already past the date
///   leaves on the first forecast day, since the release is due.
/// - Planned intakes arrive on their date and stay for the horizon (terms are 6 months
///   or more); planned intakes dated before the first forecast day are ignored.
/// - Receiving capacity follows the dated values, so a change already decided is used.
pub fn forecast(
    today: NaiveDate,
    horizon: u32,
    ends: &[Option<NaiveDate>],
    planned: &[Planned],
    receiving_capacity: &[(NaiveDate, i64)],
) -> Forecast {
    let mut days = Vec::with_capacity(horizon as usize);
    for i in 1..=u64::from(horizon) {
        let Some(day) = today.checked_add_days(Days::new(i)) else {
            break;
        };
        let staying = ends.iter().filter(|e| e.is_none_or(|e| e > day)).count() as i64;
        let arriving: i64 = planned
            .iter()
            .filter(|p| p.on > today && p.on <= day)
            .map(|p| p.count)
            .sum();
        days.push(ForecastDay {
            day,
            occupancy: staying + arriving,
            receiving_capacity: in_force_on(receiving_capacity, day).unwrap_or(0),
        });
    }
    let first_over = days
        .iter()
        .find(|d| d.receiving_capacity > 0 && d.occupancy > d.receiving_capacity)
        .copied();
    // The earliest day of the highest value.
    let peak = days
        .iter()
        .max_by(|a, b| a.occupancy.cmp(&b.occupancy).then(b.day.cmp(&a.day)))
        .copied();
    Forecast {
        days,
        first_over,
        peak,
    }
}

/// A proposed capacity change (quy mô thiết kế, khả năng tiếp nhận) from a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityChange {
    pub effective_from: NaiveDate,
    pub design_scale: i64,
    pub receiving_capacity: i64,
}

/// Checks a capacity change: positive figures, receiving capacity within the design
/// scale and never below the residents on the register, no rewriting of the past (the
/// date is not before the newest change already recorded), at most a year ahead, and a
/// written reason.
pub fn check_capacity_change(
    c: &CapacityChange,
    reason: &str,
    occupancy: i64,
    latest_from: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), FieldErrors> {
    let mut e = FieldErrors::new();
    if c.design_scale <= 0 || c.design_scale > 100_000 {
        e.add("design_scale", "error.positive_number");
    }
    if c.receiving_capacity <= 0 || c.receiving_capacity > 100_000 {
        e.add("receiving_capacity", "error.positive_number");
    } else if c.receiving_capacity > c.design_scale && c.design_scale > 0 {
        e.add("receiving_capacity", "error.capacity_above_design");
    } else if c.receiving_capacity < occupancy {
        e.add(
            "receiving_capacity",
            Msg::new("error.capacity_below_occupancy").arg("n", occupancy.to_string()),
        );
    }
    if latest_from.is_some_and(|l| c.effective_from < l) {
        e.add("effective_from", "error.capacity_backdated");
    }
    if today
        .checked_add_days(Days::new(366))
        .is_some_and(|limit| c.effective_from > limit)
    {
        e.add("effective_from", "error.date_too_far");
    }
    let reason = reason.trim();
    if reason.is_empty() {
        e.add("reason", "error.reason_required");
    } else if reason.chars().count() > 1000 {
        e.add("reason", "error.too_long");
    }
    if e.is_empty() { Ok(()) } else { Err(e) }
}

/// How a resident appears in a roll count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RollStatus {
    /// Present and in a bed.
    InBed,
    /// Present but without a bed: to be placed.
    NoBed,
    /// On the register but away (hospital, court, escaped, funeral leave).
    Out,
    /// Counted at the previous roll count, no longer on the register.
    Departed,
}

impl RollStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RollStatus::InBed => "in_bed",
            RollStatus::NoBed => "no_bed",
            RollStatus::Out => "out",
            RollStatus::Departed => "departed",
        }
    }

    pub fn classify(present: bool, has_bed: bool) -> RollStatus {
        match (present, has_bed) {
            (false, _) => RollStatus::Out,
            (true, true) => RollStatus::InBed,
            (true, false) => RollStatus::NoBed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_release_day_is_not_counted_an_admission_day_is() {
        let stays = [
            Stay {
                admitted_on: d(2026, 1, 10),
                released_on: Some(d(2026, 1, 20)),
            },
            Stay {
                admitted_on: d(2026, 1, 15),
                released_on: None,
            },
        ];
        assert_eq!(occupancy_on(&stays, d(2026, 1, 9)), 0);
        assert_eq!(occupancy_on(&stays, d(2026, 1, 10)), 1);
        assert_eq!(occupancy_on(&stays, d(2026, 1, 15)), 2);
        assert_eq!(occupancy_on(&stays, d(2026, 1, 19)), 2);
        assert_eq!(occupancy_on(&stays, d(2026, 1, 20)), 1);
    }

    /// A fixed data set with a known answer: 95 residents, capacity 100 (cut to 98 from
    /// 1 March), 10 releases on 15 February, 2 overdue, 20 arriving on 10 February and
    /// 10 on 20 February.
    #[test]
    fn forecast_finds_the_first_day_over_capacity() {
        let today = d(2026, 2, 1);
        let mut ends: Vec<Option<NaiveDate>> = Vec::new();
        ends.extend(std::iter::repeat_n(None, 43));
        ends.extend(std::iter::repeat_n(Some(d(2026, 12, 31)), 40));
        ends.extend(std::iter::repeat_n(Some(d(2026, 2, 15)), 10));
        ends.extend(std::iter::repeat_n(Some(d(2026, 1, 20)), 2));
        assert_eq!(ends.len(), 95);
        let planned = [
            Planned {
                on: d(2026, 2, 10),
                count: 20,
            },
            Planned {
                on: d(2026, 2, 20),
                count: 10,
            },
            // Dated today or earlier: not in the forecast.
            Planned {
                on: d(2026, 2, 1),
                count: 50,
            },
        ];
        let cap = [(d(2025, 1, 1), 100), (d(2026, 3, 1), 98)];
        let f = forecast(today, 90, &ends, &planned, &cap);
        assert_eq!(f.days.len(), 90);
        assert_eq!(f.days[0].day, d(2026, 2, 2));
        // 2 Feb: the 2 overdue have left: 93.
        assert_eq!(f.days[0].occupancy, 93);
        // 10 Feb: +20 = 113 > 100: the first day over capacity.
        let first = f.first_over.expect("over capacity");
        assert_eq!(first.day, d(2026, 2, 10));
        assert_eq!(first.occupancy, 113);
        assert_eq!(first.receiving_capacity, 100);
        // 15 Feb: 10 released: 103; 20 Feb: +10 = 113 again; from 1 March capacity 98.
        let on = |day| f.days.iter().find(|x| x.day == day).copied().unwrap();
        assert_eq!(on(d(2026, 2, 15)).occupancy, 103);
        assert_eq!(on(d(2026, 2, 20)).occupancy, 113);
        assert_eq!(on(d(2026, 3, 1)).receiving_capacity, 98);
        assert_eq!(f.days.last().unwrap().day, d(2026, 5, 2));
        // The peak is the earliest day of the highest value.
        assert_eq!(f.peak.unwrap().day, d(2026, 2, 10));
    }

    #[test]
    fn no_over_capacity_day_when_releases_keep_pace() {
        let today = d(2026, 2, 1);
        let ends = vec![Some(d(2026, 2, 5)); 10];
        let f = forecast(
            today,
            90,
            &ends,
            &[Planned {
                on: d(2026, 2, 5),
                count: 10,
            }],
            &[(d(2020, 1, 1), 10)],
        );
        assert_eq!(f.first_over, None);
        assert!(f.days.iter().all(|x| x.occupancy == 10));
    }

    #[test]
    fn capacity_cannot_go_below_occupancy_or_back_in_time() {
        let today = d(2026, 11, 23);
        let ok = CapacityChange {
            effective_from: today,
            design_scale: 1000,
            receiving_capacity: 500,
        };
        assert!(
            check_capacity_change(&ok, "Sửa chữa khu B", 480, Some(d(2023, 1, 1)), today).is_ok()
        );
        let below = CapacityChange {
            receiving_capacity: 400,
            ..ok
        };
        let e = check_capacity_change(&below, "x", 480, None, today).unwrap_err();
        assert_eq!(
            e.get("receiving_capacity").map(|m| m.key.as_str()),
            Some("error.capacity_below_occupancy")
        );
        let above = CapacityChange {
            receiving_capacity: 1200,
            ..ok
        };
        assert!(check_capacity_change(&above, "x", 0, None, today).is_err());
        let back = CapacityChange {
            effective_from: d(2022, 12, 31),
            ..ok
        };
        let e = check_capacity_change(&back, "x", 0, Some(d(2023, 1, 1)), today).unwrap_err();
        assert!(e.has("effective_from"));
        let e = check_capacity_change(&ok, "  ", 0, None, today).unwrap_err();
        assert!(e.has("reason"));
    }

    #[test]
    fn roll_count_classes() {
        assert_eq!(RollStatus::classify(true, true), RollStatus::InBed);
        assert_eq!(RollStatus::classify(true, false), RollStatus::NoBed);
        assert_eq!(RollStatus::classify(false, true), RollStatus::Out);
    }
}
