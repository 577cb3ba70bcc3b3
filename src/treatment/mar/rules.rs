//! Medication administration rules as plain functions: an order's due times on a day
//! (Hanoi local time), lateness against the centre's window, and which scheduled doses
//! went unrecorded. Sources: TT 23/2011/TT-BYT (use of medicines in health facilities:
//! orders, giving and recording each dose); the late window is local policy.

use chrono::NaiveDate;

use crate::schedule::recurrence::epoch_minutes;

/// How an order is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// At set times each day.
    Regular,
    /// As needed (PRN), with an indication.
    AsNeeded,
    /// Once, now (STAT).
    Once,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Regular, Kind::AsNeeded, Kind::Once];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::AsNeeded => "prn",
            Kind::Once => "stat",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

pub const ROUTES: [&str; 6] = ["oral", "sublingual", "im", "iv", "sc", "other"];

/// At most this many times a day for a regular order.
pub const MAX_TIMES: usize = 12;

/// Times typed as `08:00, 20:00` (or `8h, 20h30`) in minutes after midnight, sorted,
/// without repeats; none when any does not read as a time.
pub fn parse_times(typed: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in typed
        .split([',', ';', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        let p = part.trim().to_lowercase().replace('h', ":");
        let (h, m) = p.split_once(':').unwrap_or((p.as_str(), ""));
        let h: u32 = h.parse().ok()?;
        let m: u32 = if m.is_empty() { 0 } else { m.parse().ok()? };
        if h > 23 || m > 59 {
            return None;
        }
        out.push(h * 60 + m);
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty() && out.len() <= MAX_TIMES).then_some(out)
}

/// The stored form of times: minutes, comma-separated.
pub fn store_times(times: &[u32]) -> String {
    times
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn stored_times(s: &str) -> Vec<u32> {
    s.split(',').filter_map(|t| t.trim().parse().ok()).collect()
}

/// `HH:MM` of minutes after midnight.
pub fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The due instants (minutes since the epoch) of a regular order on `day`, when the
/// order is in force that day.
pub fn due_on(
    times: &[u32],
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    day: NaiveDate,
) -> Vec<i64> {
    if day < starts_on || ends_on.is_some_and(|e| day > e) {
        return Vec::new();
    }
    times.iter().map(|t| epoch_minutes(day, *t)).collect()
}

/// Given later than the window after it was due.
pub fn is_late(due_at: i64, given_at: i64, window_minutes: i64) -> bool {
    given_at > due_at + window_minutes
}

/// The due instants with no record: to be marked missed once the day is over.
pub fn unrecorded(due: &[i64], recorded: &[i64]) -> Vec<i64> {
    due.iter()
        .copied()
        .filter(|d| !recorded.contains(d))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_typed_and_refuse_nonsense() {
        assert_eq!(parse_times("20:00, 08:00"), Some(vec![480, 1200]));
        assert_eq!(parse_times("8h, 20h30"), Some(vec![480, 1230]));
        assert_eq!(parse_times("08:00,08:00"), Some(vec![480]));
        assert_eq!(parse_times("25:00"), None);
        assert_eq!(parse_times("sáng"), None);
        assert_eq!(parse_times(""), None);
        assert_eq!(store_times(&[480, 1200]), "480,1200");
        assert_eq!(stored_times("480,1200"), vec![480, 1200]);
        assert_eq!(clock(1230), "20:30");
    }

    #[test]
    fn due_times_follow_the_orders_days_in_hanoi_time() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let due = due_on(
            &[6 * 60],
            d(2026, 12, 1),
            Some(d(2026, 12, 31)),
            d(2027, 1, 1),
        );
        assert!(due.is_empty(), "after the order ends");
        let due = due_on(&[6 * 60], d(2026, 12, 1), None, d(2027, 1, 1));
        // 06:00 on 1 January in Hanoi is 23:00 on 31 December UTC.
        let utc = chrono::DateTime::from_timestamp(due[0] * 60, 0).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-12-31T23:00:00+00:00");
    }

    #[test]
    fn lateness_and_unrecorded_doses() {
        assert!(!is_late(1000, 1060, 60));
        assert!(is_late(1000, 1061, 60));
        assert_eq!(unrecorded(&[1, 2, 3], &[2]), vec![1, 3]);
        assert_eq!(Kind::parse("prn"), Some(Kind::AsNeeded));
    }
}
