//! The five stages (quy trình cai nghiện) as plain rules: L 73/2021 Art 29 (the stages,
//! and which admissions go through which), Decree 116/2021 Art 22–27 (their content; no
//! statutory lengths, each centre plans its own). No database, no HTTP.

use chrono::NaiveDate;

use crate::intake::rules::AdmissionType;

/// Stage 2: detox, toxin clearance, mental disorders (cắt cơn, giải độc).
pub const DETOX_STAGE: i32 = 2;

/// Catalogue key of a stage's name.
pub fn label_key(stage: i32) -> String {
    format!("stage.s{stage}")
}

/// The stages an admission goes through before release: compulsory all five; voluntary
/// at least 1–3 (L 73/2021 Art 29.2); temporary stays and determinations none.
pub fn required(t: AdmissionType) -> &'static [i32] {
    match t {
        AdmissionType::CompulsoryAdult | AdmissionType::CompulsoryMinor => &[1, 2, 3, 4, 5],
        AdmissionType::Voluntary => &[1, 2, 3],
        AdmissionType::Temporary | AdmissionType::Determination => &[],
    }
}

/// The required stages not reached (every admission starts in stage 1).
pub fn missing(t: AdmissionType, reached: &[i32]) -> Vec<i32> {
    required(t)
        .iter()
        .copied()
        .filter(|s| *s != 1 && !reached.contains(s))
        .collect()
}

/// A stage change asked for: the catalogue key of the reason it is refused, if it is.
/// Stages are taken in order, one at a time; going back (a relapse) needs a note; no
/// stage after detox while a detox episode is open (N116 Art 23: detox is stage 2).
pub fn check_move(current: i32, to: i32, detox_open: bool, note: &str) -> Result<(), &'static str> {
    if !(1..=5).contains(&to) {
        return Err("error.stage_unknown");
    }
    if to == current {
        return Err("error.stage_same");
    }
    if to > current + 1 {
        return Err("error.stage_skip");
    }
    if to > DETOX_STAGE && detox_open {
        return Err("error.stage_detox_open");
    }
    if to < current && note.trim().is_empty() {
        return Err("error.stage_back_note");
    }
    Ok(())
}

/// Days past the centre's plan for the stage (entered on `since`), when past it.
pub fn overrun(since: NaiveDate, today: NaiveDate, planned_days: Option<i32>) -> Option<i64> {
    let planned = i64::from(planned_days?);
    let spent = (today - since).num_days();
    (spent > planned).then_some(spent - planned)
}

/// Months between periodic health checks (Decree 116/2021 Art 65: every 6 months).
pub const HEALTH_CHECK_MONTHS: u32 = 6;

/// The day the next health check is due: six months after the last one, or after the
/// admission when there has been none (the reception examination counts as the first).
pub fn health_check_due(admitted_on: NaiveDate, last: Option<NaiveDate>) -> NaiveDate {
    let from = last.map_or(admitted_on, |l| l.max(admitted_on));
    from.checked_add_months(chrono::Months::new(HEALTH_CHECK_MONTHS))
        .unwrap_or(from)
}

/// The last day a check may have been held for the resident not to be overdue on `on`.
pub fn health_check_cutoff(on: NaiveDate) -> NaiveDate {
    on.checked_sub_months(chrono::Months::new(HEALTH_CHECK_MONTHS))
        .unwrap_or(on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_checks_fall_due_six_months_after_the_last_or_the_admission() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(health_check_due(d(2026, 1, 15), None), d(2026, 7, 15));
        assert_eq!(
            health_check_due(d(2026, 1, 15), Some(d(2026, 6, 30))),
            d(2026, 12, 30)
        );
        // Month ends: 31 August + 6 months is the last day of February.
        assert_eq!(health_check_due(d(2026, 8, 31), None), d(2027, 2, 28));
        let on = d(2026, 12, 8);
        let cutoff = health_check_cutoff(on);
        assert_eq!(cutoff, d(2026, 6, 8));
        // Due on the cutoff's own anniversary: not yet overdue.
        assert_eq!(health_check_due(cutoff, None), on);
    }

    #[test]
    fn compulsory_needs_all_five_voluntary_the_first_three() {
        use AdmissionType as T;
        assert_eq!(missing(T::CompulsoryAdult, &[2, 3]), vec![4, 5]);
        assert!(missing(T::CompulsoryAdult, &[2, 3, 4, 5]).is_empty());
        assert_eq!(missing(T::Voluntary, &[2]), vec![3]);
        assert!(missing(T::Voluntary, &[2, 3]).is_empty());
        assert!(missing(T::Temporary, &[]).is_empty());
    }

    #[test]
    fn stages_in_order_not_past_an_open_detox_back_with_a_note() {
        assert_eq!(check_move(1, 2, false, ""), Ok(()));
        assert_eq!(check_move(1, 3, false, ""), Err("error.stage_skip"));
        assert_eq!(check_move(2, 3, true, ""), Err("error.stage_detox_open"));
        assert_eq!(check_move(2, 3, false, ""), Ok(()));
        // An open episode does not keep a resident out of stage 2 (that is where detox is).
        assert_eq!(check_move(1, 2, true, ""), Ok(()));
        assert_eq!(check_move(4, 2, false, " "), Err("error.stage_back_note"));
        assert_eq!(check_move(4, 2, false, "Tái sử dụng"), Ok(()));
        assert_eq!(check_move(3, 3, false, "x"), Err("error.stage_same"));
        assert_eq!(check_move(5, 6, false, "x"), Err("error.stage_unknown"));
    }

    #[test]
    fn overrun_counts_days_past_the_plan() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(overrun(d(1), d(16), Some(15)), None);
        assert_eq!(overrun(d(1), d(17), Some(15)), Some(1));
        assert_eq!(overrun(d(1), d(30), None), None);
    }
}
