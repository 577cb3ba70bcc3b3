//! Consolidated reports from the centres' day figures, as plain functions: the report
//! period (month, quarter, year), per-centre and total figures, and small-cell
//! suppression for public exports.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::entities::centre_day;

/// A reporting period: a month (`2026-10`), a quarter (`2026-Q3`) or a year (`2026`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportPeriod {
    pub kind: PeriodKind,
    pub year: i32,
    /// Month 1–12, quarter 1–4, or 1 for a year.
    pub index: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

impl ReportPeriod {
    pub fn month(year: i32, month: u32) -> Option<ReportPeriod> {
        Some(ReportPeriod {
            kind: PeriodKind::Month,
            year,
            index: month,
            from: NaiveDate::from_ymd_opt(year, month, 1)?,
            to: last_day_of_month(year, month)?,
        })
    }

    pub fn quarter(year: i32, q: u32) -> Option<ReportPeriod> {
        if !(1..=4).contains(&q) {
            return None;
        }
        Some(ReportPeriod {
            kind: PeriodKind::Quarter,
            year,
            index: q,
            from: NaiveDate::from_ymd_opt(year, 3 * q - 2, 1)?,
            to: last_day_of_month(year, 3 * q)?,
        })
    }

    pub fn year(year: i32) -> Option<ReportPeriod> {
        Some(ReportPeriod {
            kind: PeriodKind::Year,
            year,
            index: 1,
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }

    /// `2026-10`, `2026-Q3` or `2026` (years 2000–2100).
    pub fn parse(s: &str) -> Option<ReportPeriod> {
        let s = s.trim();
        let (y, rest) = s.split_at_checked(4)?;
        let year: i32 = y.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        match rest {
            "" => ReportPeriod::year(year),
            r if r.starts_with("-Q") || r.starts_with("-q") => {
                ReportPeriod::quarter(year, r[2..].parse().ok()?)
            }
            r if r.starts_with('-') && r.len() == 3 => {
                ReportPeriod::month(year, r[1..].parse().ok().filter(|m| (1..=12).contains(m))?)
            }
            _ => None,
        }
    }

    /// The last complete month before `today`.
    pub fn previous_month(today: NaiveDate) -> Option<ReportPeriod> {
        let last = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?.pred_opt()?;
        ReportPeriod::month(last.year(), last.month())
    }

    pub fn code(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}-{:02}", self.year, self.index),
            PeriodKind::Quarter => format!("{}-Q{}", self.year, self.index),
            PeriodKind::Year => format!("{}", self.year),
        }
    }

    /// DHIS2 period: `202610`, `2026Q3`, `2026`.
    pub fn dhis2(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}{:02}", self.year, self.index),
            PeriodKind::Quarter => format!("{}Q{}", self.year, self.index),
            PeriodKind::Year => format!("{}", self.year),
        }
    }

    /// ADX (ISO 8601 start/duration): `2026-10-01/P1M`, `2026-07-01/P3M`, `2026-01-01/P1Y`.
    pub fn adx(&self) -> String {
        let dur = match self.kind {
            PeriodKind::Month => "P1M",
            PeriodKind::Quarter => "P3M",
            PeriodKind::Year => "P1Y",
        };
        format!("{}/{dur}", self.from.format("%Y-%m-%d"))
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// One centre's (or the total's) figures for a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CentreReport {
    pub code: String,
    pub name: String,
    pub design_scale: i64,
    pub receiving_capacity: i64,
    /// Residents on the register on the last day with figures.
    pub occupancy_end: i64,
    /// Mean of the daily figures received.
    pub occupancy_average: i64,
    pub occupancy_peak: i64,
    pub intakes: BTreeMap<String, i64>,
    pub releases: BTreeMap<String, i64>,
    pub escapes: i64,
    pub escape_returns: i64,
    /// Residents at the end of the period by `type.sex.age_band`.
    pub residents_end: BTreeMap<String, i64>,
    /// Days of the period with figures.
    pub days_covered: i64,
}

impl CentreReport {
    pub fn intakes_of(&self, types: &[&str]) -> i64 {
        types
            .iter()
            .map(|t| self.intakes.get(*t).copied().unwrap_or(0))
            .sum()
    }
    pub fn intakes_total(&self) -> i64 {
        self.intakes.values().sum()
    }
    pub fn releases_total(&self) -> i64 {
        self.releases.values().sum()
    }
    /// Residents at the end whose key starts with `prefix` (e.g. `compulsory_adult.male`).
    pub fn residents_with(&self, part: impl Fn(&str, &str, &str) -> bool) -> i64 {
        self.residents_end
            .iter()
            .filter(|(k, _)| {
                let mut it = k.split('.');
                let (t, s, a) = (
                    it.next().unwrap_or_default(),
                    it.next().unwrap_or_default(),
                    it.next().unwrap_or_default(),
                );
                part(t, s, a)
            })
            .map(|(_, v)| *v)
            .sum()
    }
}

fn add_all(into: &mut BTreeMap<String, i64>, from: &BTreeMap<String, i64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

/// Builds the report of each centre in `centres` (code, name) from its day rows within
/// the period, and the total. Stocks (capacity, end occupancy) come from each centre's
/// last day with figures; flows (intakes, releases, escapes) are summed over the days.
pub fn build(
    rows: &[centre_day::Model],
    centres: &[(String, String)],
    period: &ReportPeriod,
) -> (Vec<CentreReport>, CentreReport) {
    let mut out = Vec::new();
    let mut total = CentreReport {
        code: String::new(),
        name: String::new(),
        ..Default::default()
    };
    for (code, name) in centres {
        let days: Vec<&centre_day::Model> = rows
            .iter()
            .filter(|r| &r.centre_code == code && r.day >= period.from && r.day <= period.to)
            .collect();
        let mut r = CentreReport {
            code: code.clone(),
            name: name.clone(),
            days_covered: days.len() as i64,
            ..Default::default()
        };
        if let Some(last) = days.iter().max_by_key(|d| d.day) {
            r.design_scale = i64::from(last.design_scale);
            r.receiving_capacity = i64::from(last.receiving_capacity);
            r.occupancy_end = i64::from(last.occupancy);
            r.residents_end = super::days::counts(&last.residents);
        }
        if !days.is_empty() {
            let sum: i64 = days.iter().map(|d| i64::from(d.occupancy)).sum();
            r.occupancy_average = (sum as f64 / days.len() as f64).round() as i64;
            r.occupancy_peak = days
                .iter()
                .map(|d| i64::from(d.occupancy))
                .max()
                .unwrap_or(0);
        }
        for d in &days {
            add_all(&mut r.intakes, &super::days::counts(&d.intakes));
            add_all(&mut r.releases, &super::days::counts(&d.releases));
            r.escapes += i64::from(d.escapes);
            r.escape_returns += i64::from(d.escape_returns);
        }
        total.design_scale += r.design_scale;
        total.receiving_capacity += r.receiving_capacity;
        total.occupancy_end += r.occupancy_end;
        total.occupancy_average += r.occupancy_average;
        total.occupancy_peak += r.occupancy_peak;
        add_all(&mut total.intakes, &r.intakes);
        add_all(&mut total.releases, &r.releases);
        add_all(&mut total.residents_end, &r.residents_end);
        total.escapes += r.escapes;
        total.escape_returns += r.escape_returns;
        total.days_covered = total.days_covered.max(r.days_covered);
        out.push(r);
    }
    (out, total)
}

/// Cells of a table of person counts that a public export may not show: every count
/// from 1 to 4 (primary suppression), and, wherever a row or column total is published
/// and exactly one cell of that row or column is hidden, the next smallest non-zero
/// cell too, so the hidden one cannot be worked out by subtraction. Returns a mask of
/// the same shape (`true` = hide).
pub fn suppression_mask(table: &[Vec<i64>]) -> Vec<Vec<bool>> {
    let mut hide: Vec<Vec<bool>> = table
        .iter()
        .map(|row| row.iter().map(|v| (1..=4).contains(v)).collect())
        .collect();
    let cols = table.iter().map(Vec::len).max().unwrap_or(0);
    // Each pass can only hide more cells, so this ends.
    loop {
        let mut changed = false;
        for (r, row) in table.iter().enumerate() {
            let hidden = hide[r].iter().filter(|h| **h).count();
            if hidden == 1 {
                if let Some(c) = (0..row.len())
                    .filter(|c| !hide[r][*c] && row[*c] > 0)
                    .min_by_key(|c| row[*c])
                {
                    hide[r][c] = true;
                    changed = true;
                }
            }
        }
        for c in 0..cols {
            let cells: Vec<usize> = (0..table.len()).filter(|r| c < table[*r].len()).collect();
            let hidden = cells.iter().filter(|r| hide[**r][c]).count();
            if hidden == 1 {
                if let Some(r) = cells
                    .iter()
                    .copied()
                    .filter(|r| !hide[*r][c] && table[*r][c] > 0)
                    .min_by_key(|r| table[*r][c])
                {
                    hide[r][c] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return hide;
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
    fn periods_parse_and_format() {
        let m = ReportPeriod::parse("2026-02").unwrap();
        assert_eq!((m.from, m.to), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(
            (m.dhis2(), m.adx(), m.code()),
            ("202602".into(), "2026-02-01/P1M".into(), "2026-02".into())
        );
        let q = ReportPeriod::parse("2026-Q4").unwrap();
        assert_eq!((q.from, q.to), (d(2026, 10, 1), d(2026, 12, 31)));
        assert_eq!(
            (q.dhis2(), q.adx()),
            ("2026Q4".into(), "2026-10-01/P3M".into())
        );
        let y = ReportPeriod::parse("2024").unwrap();
        assert_eq!(
            (y.from, y.to, y.days()),
            (d(2024, 1, 1), d(2024, 12, 31), 366)
        );
        assert_eq!(
            (y.dhis2(), y.adx()),
            ("2024".into(), "2024-01-01/P1Y".into())
        );
        for bad in [
            "", "2026-13", "2026-Q5", "26-01", "2026-1", "abcd", "1999", "2026-Q",
        ] {
            assert_eq!(ReportPeriod::parse(bad), None, "{bad}");
        }
        assert_eq!(
            ReportPeriod::previous_month(d(2026, 1, 15)).unwrap().code(),
            "2025-12"
        );
    }

    fn day(code: &str, on: NaiveDate, occ: i32, intakes: &str) -> centre_day::Model {
        centre_day::Model {
            id: 0,
            centre_code: code.into(),
            day: on,
            sequence: 1,
            kind: "daily".into(),
            design_scale: 100,
            receiving_capacity: 50,
            working_beds: None,
            occupancy: occ,
            residents: r#"{"voluntary.male.adult": 3}"#.into(),
            intakes: intakes.into(),
            releases: r#"{"completion": 1}"#.into(),
            escapes: 0,
            escape_returns: 0,
            intakes_total: super::super::days::counts(intakes).values().sum(),
            releases_total: 1,
        }
    }

    #[test]
    fn stocks_from_the_last_day_flows_summed() {
        let p = ReportPeriod::parse("2026-10").unwrap();
        let rows = vec![
            day("CS01", d(2026, 9, 30), 99, r#"{"voluntary": 9}"#),
            day("CS01", d(2026, 10, 1), 40, r#"{"voluntary": 2}"#),
            day("CS01", d(2026, 10, 31), 44, r#"{"compulsory_adult": 1}"#),
            day("CS02", d(2026, 10, 15), 10, "{}"),
        ];
        let centres = vec![
            ("CS01".into(), "Một".into()),
            ("CS02".into(), "Hai".into()),
            ("CS03".into(), "Ba".into()),
        ];
        let (each, total) = build(&rows, &centres, &p);
        assert_eq!(each[0].occupancy_end, 44);
        assert_eq!(each[0].occupancy_average, 42);
        assert_eq!(each[0].occupancy_peak, 44);
        assert_eq!(each[0].intakes_total(), 3);
        assert_eq!(each[0].releases_total(), 2);
        assert_eq!(each[0].days_covered, 2);
        assert_eq!(each[2].days_covered, 0);
        assert_eq!(total.occupancy_end, 54);
        assert_eq!(total.intakes_of(&["voluntary"]), 2);
        assert_eq!(total.residents_with(|t, _, _| t == "voluntary"), 6);
    }

    #[test]
    fn small_cells_are_hidden_and_cannot_be_worked_out() {
        // Rows: centres; columns: intake groups. Row and column totals are published.
        let t = vec![vec![120, 3, 40], vec![80, 15, 0], vec![60, 22, 9]];
        let m = suppression_mask(&t);
        // The 3 is hidden; in its row the next smallest (40) too; in its column the
        // next smallest (15) too; then row 2 has one hidden (15): 80 is hidden; then
        // column 0 has one hidden (80): 60 is hidden…
        assert!(m[0][1]);
        for (r, row) in m.iter().enumerate() {
            let hidden = row.iter().filter(|h| **h).count();
            assert_ne!(hidden, 1, "row {r} has a single hidden cell: {m:?}");
        }
        for c in 0..3 {
            let hidden = (0..3).filter(|r| m[*r][c]).count();
            assert_ne!(hidden, 1, "column {c} has a single hidden cell: {m:?}");
        }
        // Zeros are shown, and a table without small cells hides nothing.
        assert!(!m[1][2]);
        assert!(
            suppression_mask(&[vec![10, 20], vec![30, 0]])
                .iter()
                .flatten()
                .all(|h| !h)
        );
    }
}
