//! Recurrence and overlap (design.md §2): a slot's rule expanded into dated occurrences
//! over a bounded horizon, in Hanoi local time. Hanoi keeps UTC+7 all year (no daylight
//! saving since 1975), so a local time maps to one instant; occurrences are stored as
//! minutes since the Unix epoch so the clash check is integer comparison in SQL.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// How far ahead occurrences are expanded (13 weeks); the hourly upkeep extends it.
pub const HORIZON_DAYS: i64 = 91;
/// The longest slot (12 hours): the clash check looks back this far from a start.
pub const MAX_MINUTES: i64 = 12 * 60;

/// A slot's timing: one-off (`weekdays == 0`) on `first_day`, or weekly on the given days
/// from `first_day` to `last_day` (inclusive; open-ended when `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub first_day: NaiveDate,
    pub last_day: Option<NaiveDate>,
    /// Monday = 1, Tuesday = 2, … Sunday = 64.
    pub weekdays: u8,
    /// Local start, minutes after midnight.
    pub start_minute: u32,
    pub duration_minutes: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub day: NaiveDate,
    /// Minutes since the Unix epoch, UTC.
    pub start_at: i64,
    pub end_at: i64,
}

/// The bit of `day`'s weekday in a rule's mask.
pub fn weekday_bit(day: NaiveDate) -> u8 {
    1 << day.weekday().num_days_from_monday()
}

/// Minutes since the Unix epoch of a Hanoi local time.
pub fn epoch_minutes(day: NaiveDate, minute_of_day: u32) -> i64 {
    let local = day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute_of_day));
    let offset = i64::from(crate::i18n::hanoi_offset().local_minus_utc()) / 60;
    local.and_utc().timestamp() / 60 - offset
}

/// The Hanoi local time of minutes since the epoch.
pub fn local_time(epoch_minutes: i64) -> NaiveDateTime {
    let offset = i64::from(crate::i18n::hanoi_offset().local_minus_utc()) / 60;
    chrono::DateTime::from_timestamp((epoch_minutes + offset) * 60, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// The occurrences of `rule` on days in `[from, until)`.
pub fn expand(rule: &Rule, from: NaiveDate, until: NaiveDate) -> Vec<Occurrence> {
    let start = from.max(rule.first_day);
    let end = match rule.last_day {
        Some(last) => until.min(last + Duration::days(1)),
        None => until,
    };
    let occurs = |d: NaiveDate| {
        if rule.weekdays == 0 {
            d == rule.first_day
        } else {
            rule.weekdays & weekday_bit(d) != 0
        }
    };
    start
        .iter_days()
        .take_while(|d| *d < end)
        .filter(|d| occurs(*d))
        .map(|day| {
            let start_at = epoch_minutes(day, rule.start_minute);
            Occurrence {
                day,
                start_at,
                end_at: start_at + i64::from(rule.duration_minutes),
            }
        })
        .collect()
}

/// Two half-open intervals share time (one ending as the other starts does not clash).
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The Monday of `day`'s week (weeks run Monday to Sunday).
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    const MON: u8 = 1;
    const WED: u8 = 4;
    const FRI: u8 = 16;

    #[test]
    fn an_early_morning_session_is_the_previous_day_in_utc() {
        // 06:30 on 1 January in Hanoi is 23:30 on 31 December UTC.
        let at = epoch_minutes(d(2027, 1, 1), 6 * 60 + 30);
        let utc = chrono::DateTime::from_timestamp(at * 60, 0).expect("instant");
        assert_eq!(utc.to_rfc3339(), "2026-12-31T23:30:00+00:00");
        assert_eq!(
            local_time(at),
            d(2027, 1, 1).and_hms_opt(6, 30, 0).expect("t")
        );
    }

    #[test]
    fn weekly_sessions_cross_month_and_year_ends_on_their_local_days() {
        let rule = Rule {
            first_day: d(2026, 12, 28),
            last_day: Some(d(2027, 1, 8)),
            weekdays: MON | WED | FRI,
            start_minute: 7 * 60,
            duration_minutes: 90,
        };
        let days: Vec<_> = expand(&rule, d(2026, 12, 1), d(2027, 3, 1))
            .iter()
            .map(|o| o.day)
            .collect();
        assert_eq!(
            days,
            vec![
                d(2026, 12, 28),
                d(2026, 12, 30),
                d(2027, 1, 1),
                d(2027, 1, 4),
                d(2027, 1, 6),
                d(2027, 1, 8)
            ]
        );
        let first = expand(&rule, d(2026, 12, 1), d(2027, 3, 1))[0];
        assert_eq!(first.end_at - first.start_at, 90);
        assert_eq!(
            local_time(first.start_at).format("%d/%m %H:%M").to_string(),
            "28/12 07:00"
        );
    }

    #[test]
    fn a_window_takes_only_its_days_and_a_one_off_occurs_once() {
        let rule = Rule {
            first_day: d(2026, 1, 30),
            last_day: None,
            weekdays: FRI,
            start_minute: 14 * 60,
            duration_minutes: 60,
        };
        // From Saturday 31 January to Saturday 14 February: two Fridays.
        let days: Vec<_> = expand(&rule, d(2026, 1, 31), d(2026, 2, 14))
            .iter()
            .map(|o| o.day)
            .collect();
        assert_eq!(days, vec![d(2026, 2, 6), d(2026, 2, 13)]);
        let once = Rule {
            weekdays: 0,
            ..rule
        };
        assert_eq!(expand(&once, d(2026, 1, 1), d(2026, 12, 31)).len(), 1);
        assert!(expand(&once, d(2026, 2, 1), d(2026, 12, 31)).is_empty());
    }

    #[test]
    fn touching_slots_do_not_clash_and_overlapping_ones_do() {
        assert!(!overlaps((0, 60), (60, 120)));
        assert!(overlaps((0, 61), (60, 120)));
        assert!(overlaps((10, 20), (0, 120)));
        assert_eq!(week_start(d(2027, 1, 3)), d(2026, 12, 28));
        assert_eq!(weekday_bit(d(2026, 12, 7)), MON);
    }
}
