//! Server-rendered SVG line charts over calendar days: no JavaScript, prints as it
//! shows, readable without colour (each series has its own dash pattern and a legend).

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use crate::i18n::Catalog;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    /// CSS modifier: the line is drawn with class `chart__line--{style}`.
    pub style: &'static str,
    /// Points sorted by day; a gap in days is drawn as a gap in the line unless
    /// `continuous` (monthly points, for instance).
    pub points: Vec<(NaiveDate, i64)>,
    pub continuous: bool,
}

#[derive(Clone, Debug)]
pub struct LineChart {
    pub title: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub series: Vec<Series>,
    /// A vertical marker (e.g. "today" or the first day over capacity).
    pub marker: Option<(NaiveDate, String)>,
}

const W: f64 = 900.0;
const H: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" upper bound for the y axis and its tick step.
fn y_scale(max: i64) -> (i64, i64) {
    let max = max.max(1) as f64 * 1.05;
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let step = step.max(1.0).round() as i64;
    let top = ((max / step as f64).ceil() as i64).max(1) * step;
    (top, step)
}

impl LineChart {
    fn x(&self, d: NaiveDate) -> f64 {
        let span = (self.to - self.from).num_days().max(1) as f64;
        LEFT + (W - LEFT - RIGHT) * ((d - self.from).num_days() as f64 / span)
    }

    /// The chart as an inline `<svg>` element (with a `<title>` for screen readers).
    pub fn to_svg(&self, cat: &Catalog) -> String {
        let max = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .max()
            .unwrap_or(0);
        let (top, step) = y_scale(max);
        let y = |v: i64| TOP + (H - TOP - BOTTOM) * (1.0 - v as f64 / top as f64);
        let mut out = String::new();
        let _ = write!(
            out,
            // Named by its own title, without an id: a page with two charts must not
            // announce the second with the first one's name.
            r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
            t = esc(&self.title)
        );
        // Horizontal grid and y labels.
        let mut v = 0;
        while v <= top {
            let yy = y(v);
            let _ = write!(
                out,
                r#"<line class="chart__grid" x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text class="chart__label" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                W - RIGHT,
                LEFT - 6.0,
                yy + 4.0,
                cat.number(v)
            );
            v += step;
        }
        // Month ticks on the x axis (every month, labelled mm/yyyy; thinned when long).
        let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32
            - self.from.month() as i32;
        let every = (months / 12 + 1).max(1) as u32;
        let mut m = NaiveDate::from_ymd_opt(self.from.year(), self.from.month(), 1);
        let mut i = 0u32;
        while let Some(d) = m {
            if d > self.to {
                break;
            }
            if d >= self.from && i % every == 0 {
                let xx = self.x(d);
                let _ = write!(
                    out,
                    r#"<line class="chart__tick" x1="{xx:.1}" x2="{xx:.1}" y1="{}" y2="{}"/><text class="chart__label" x="{xx:.1}" y="{}" text-anchor="middle">{:02}/{}</text>"#,
                    H - BOTTOM,
                    H - BOTTOM + 5.0,
                    H - BOTTOM + 18.0,
                    d.month(),
                    d.year()
                );
            }
            if d >= self.from {
                i += 1;
            }
            m = d.checked_add_months(chrono::Months::new(1));
        }
        let _ = write!(
            out,
            r#"<line class="chart__axis" x1="{LEFT}" x2="{}" y1="{}" y2="{}"/>"#,
            W - RIGHT,
            H - BOTTOM,
            H - BOTTOM
        );
        if let Some((d, label)) = &self.marker {
            if *d >= self.from && *d <= self.to {
                let xx = self.x(*d);
                let _ = write!(
                    out,
                    r#"<line class="chart__marker" x1="{xx:.1}" x2="{xx:.1}" y1="{TOP}" y2="{}"/><text class="chart__label chart__label--marker" x="{:.1}" y="{}">{}</text>"#,
                    H - BOTTOM,
                    xx + 4.0,
                    TOP + 10.0,
                    esc(label)
                );
            }
        }
        for s in &self.series {
            // Consecutive days form one path; a missing day starts a new one.
            let mut d = String::new();
            let mut prev: Option<NaiveDate> = None;
            for (day, v) in &s.points {
                let cmd = if prev.is_some_and(|p| s.continuous || (*day - p).num_days() == 1) {
                    'L'
                } else {
                    'M'
                };
                let _ = write!(d, "{cmd}{:.1} {:.1} ", self.x(*day), y(*v));
                prev = Some(*day);
            }
            let _ = write!(
                out,
                r#"<path class="chart__line chart__line--{}" d="{}"><title>{}</title></path>"#,
                s.style,
                d.trim_end(),
                esc(&s.label)
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn nice_scale_covers_the_maximum() {
        assert_eq!(y_scale(0), (2, 1));
        let (top, step) = y_scale(463);
        assert!(top >= 463 && top % step == 0, "{top} {step}");
        let (top, step) = y_scale(1000);
        assert!(
            (1050..=1500).contains(&top) && top % step == 0,
            "{top} {step}"
        );
    }

    #[test]
    fn draws_every_series_with_gaps_and_escapes_labels() {
        let chart = LineChart {
            title: "Occupancy <CS01>".into(),
            from: d(2026, 1, 1),
            to: d(2026, 3, 31),
            series: vec![Series {
                label: "a & b".into(),
                style: "occupancy",
                points: vec![(d(2026, 1, 1), 10), (d(2026, 1, 2), 12), (d(2026, 1, 5), 9)],
                continuous: false,
            }],
            marker: Some((d(2026, 2, 1), "today".into())),
        };
        let svg = chart.to_svg(Lang::Vi.catalog());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Occupancy &lt;CS01&gt;"));
        assert!(svg.contains("a &amp; b"));
        // Two sub-paths: the gap between 2 and 5 January is not bridged.
        let path = svg.split("chart__line--occupancy\" d=\"").nth(1).unwrap();
        let path = path.split('"').next().unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(path.matches('L').count(), 1, "{path}");
        for label in ["01/2026", "02/2026", "03/2026"] {
            assert!(svg.contains(label), "{label}");
        }
    }
}
