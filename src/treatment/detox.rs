//! Detox episodes (đợt điều trị cắt cơn) as plain rules: the substance classes of the
//! withdrawal-monitoring sheets of TT 18/2021/TT-BYT (annex 04 opioids, 05 stimulants,
//! 06 cannabis) and how an episode ends. No database, no HTTP.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

str_enum!(
    /// The substance class an episode treats (TT 18/2021/TT-BYT Art 4).
    SubstanceClass {
        /// Opioids (annex 04).
        Opioid = "opioid",
        /// Amphetamine-type stimulants, cocaine (annex 05).
        Stimulant = "stimulant",
        /// Cannabis (annex 06).
        Cannabis = "cannabis",
        Other = "other",
    }
);

str_enum!(
    /// How an episode ended.
    Outcome {
        Completed = "completed",
        /// Sent to hospital (the movement is recorded as intake records it).
        TransferredHospital = "transferred_hospital",
        Interrupted = "interrupted",
        /// Closed by the release of the admission.
        Released = "released",
    }
);

str_enum!(
    /// How a drug test was done.
    TestMethod {
        /// Rapid urine test (test nhanh nước tiểu).
        UrineRapid = "urine_rapid",
        Laboratory = "laboratory",
        Saliva = "saliva",
        Other = "other",
    }
);

impl TestMethod {
    pub fn label_key(self) -> String {
        format!("drug_test.method_{}", self.as_str())
    }
}

impl SubstanceClass {
    pub fn label_key(self) -> String {
        format!("detox.class_{}", self.as_str())
    }
}

impl Outcome {
    pub fn label_key(self) -> String {
        format!("detox.outcome_{}", self.as_str())
    }
}

/// Why an episode may not start on `on` (catalogue key), if it may not: one open
/// episode at a time, not in the future, not before the admission.
pub fn check_start(
    on: NaiveDate,
    today: NaiveDate,
    admitted_on: NaiveDate,
    already_open: bool,
) -> Result<(), &'static str> {
    if already_open {
        return Err("error.detox_already_open");
    }
    if on > today {
        return Err("error.date_in_future");
    }
    if on < admitted_on {
        return Err("error.detox_before_admission");
    }
    Ok(())
}

/// Why an episode may not end on `on`, if it may not.
pub fn check_end(
    on: NaiveDate,
    today: NaiveDate,
    started_on: NaiveDate,
) -> Result<(), &'static str> {
    if on > today {
        return Err("error.date_in_future");
    }
    if on < started_on {
        return Err("error.detox_end_before_start");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_open_episode_dated_within_the_stay() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(check_start(d(10), d(20), d(5), false), Ok(()));
        assert_eq!(
            check_start(d(10), d(20), d(5), true),
            Err("error.detox_already_open")
        );
        assert_eq!(
            check_start(d(21), d(20), d(5), false),
            Err("error.date_in_future")
        );
        assert_eq!(
            check_start(d(4), d(20), d(5), false),
            Err("error.detox_before_admission")
        );
        assert_eq!(
            check_end(d(9), d(20), d(10)),
            Err("error.detox_end_before_start")
        );
        assert_eq!(check_end(d(10), d(20), d(10)), Ok(()));
        assert_eq!(
            SubstanceClass::parse("opioid"),
            Some(SubstanceClass::Opioid)
        );
        assert_eq!(Outcome::parse("x"), None);
    }
}
