//! The Clinical Opiate Withdrawal Scale (COWS; Wesson & Ling 2003), which the older
//! Vietnamese methadone guideline uses and clinicians may use for opioid withdrawal
//! (domain.md §6.5, §12). Each item takes only its anchor scores; the total and the band
//! are computed, never typed. No database, no HTTP.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The eleven items: catalogue key suffix and the scores its anchors allow.
pub const ITEMS: [(&str, &[u8]); 11] = [
    ("pulse", &[0, 1, 2, 4]),
    ("sweating", &[0, 1, 2, 3, 4]),
    ("restlessness", &[0, 1, 3, 5]),
    ("pupils", &[0, 1, 2, 5]),
    ("aches", &[0, 1, 2, 4]),
    ("runny_nose", &[0, 1, 2, 4]),
    ("gi_upset", &[0, 1, 2, 3, 5]),
    ("tremor", &[0, 1, 2, 4]),
    ("yawning", &[0, 1, 2, 4]),
    ("anxiety", &[0, 1, 2, 4]),
    ("gooseflesh", &[0, 3, 5]),
];

/// Severity bands of the total: under 5 no active withdrawal, 5–12 mild, 13–24
/// moderate, 25–36 moderately severe, over 36 severe.
pub fn band(total: u32) -> &'static str {
    match total {
        0..=4 => "none",
        5..=12 => "mild",
        13..=24 => "moderate",
        25..=36 => "moderately_severe",
        _ => "severe",
    }
}

/// The total of the scores, or the index of the first item whose score is not one of
/// its anchors (or missing).
pub fn total(scores: &[Option<u8>]) -> Result<u32, usize> {
    if scores.len() != ITEMS.len() {
        return Err(scores.len().min(ITEMS.len()));
    }
    let mut sum = 0;
    for (i, (s, (_, allowed))) in scores.iter().zip(ITEMS).enumerate() {
        match s {
            Some(v) if allowed.contains(v) => sum += u32::from(*v),
            _ => return Err(i),
        }
    }
    Ok(sum)
}

/// An open episode is overdue for an assessment when `hours` have passed since the last
/// one (or since the start of its first day, Hanoi time, when there is none).
pub fn overdue(
    last: Option<DateTime<Utc>>,
    started_on: NaiveDate,
    hours: i32,
    now: DateTime<Utc>,
) -> bool {
    let since = last.unwrap_or_else(|| {
        started_on
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(crate::i18n::hanoi_offset()).single())
            .map_or_else(Utc::now, |t| t.to_utc())
    });
    now - since > Duration::hours(i64::from(hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_boundaries() {
        let cases = [
            (0, "none"),
            (4, "none"),
            (5, "mild"),
            (12, "mild"),
            (13, "moderate"),
            (24, "moderate"),
            (25, "moderately_severe"),
            (36, "moderately_severe"),
            (37, "severe"),
            (48, "severe"),
        ];
        for (t, b) in cases {
            assert_eq!(band(t), b, "{t}");
        }
    }

    #[test]
    fn only_anchor_scores_count_and_the_maximum_is_48() {
        let max: Vec<Option<u8>> = ITEMS.iter().map(|(_, a)| a.last().copied()).collect();
        assert_eq!(total(&max), Ok(48));
        let mut bad = max.clone();
        bad[10] = Some(4); // gooseflesh is 0, 3 or 5
        assert_eq!(total(&bad), Err(10));
        bad[10] = None;
        assert_eq!(total(&bad), Err(10));
        assert_eq!(total(&max[..3]), Err(3));
    }

    #[test]
    fn overdue_after_the_interval_from_the_last_or_from_the_first_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        // Midnight 24/11 in Hanoi is 17:00 UTC on 23/11.
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 11, 23)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
                .and_utc()
        };
        assert!(!overdue(None, d, 8, at(23, 59)));
        assert!(overdue(None, d, 8, at(23, 59) + Duration::hours(2)));
        let last = Some(at(20, 0));
        assert!(!overdue(last, d, 8, at(20, 0) + Duration::hours(8)));
        assert!(overdue(last, d, 8, at(20, 1) + Duration::hours(8)));
    }
}
