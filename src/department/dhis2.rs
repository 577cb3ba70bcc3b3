//! Export of a period's figures to a DHIS2 HMIS: a `dataValueSet` (JSON) and the same
//! values as ADX (XML, IHE QRPH ADX), through a configurable mapping of our indicators
//! to data element, category option combo and organisation unit codes.

use std::collections::BTreeMap;

use crate::web::Query;
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::report::{CentreReport, ReportPeriod};
use super::reports::{self, ReportQuery};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const SHIPPED: &str = include_str!("../../seed/dhis2_mapping.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub data_element: String,
    pub category_option_combo: String,
    /// ADX disaggregation: category code → option code.
    #[serde(default)]
    pub adx: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The monthly data set.
    pub data_set: String,
    /// Data sets of quarterly and yearly periods (DHIS2 ties a data set to one period
    /// type); a period whose data set is not configured is not exported.
    #[serde(default)]
    pub data_set_quarterly: Option<String>,
    #[serde(default)]
    pub data_set_yearly: Option<String>,
    /// Centre code → organisation unit code.
    pub org_units: BTreeMap<String, String>,
    /// Indicator → target.
    pub indicators: BTreeMap<String, Target>,
}

/// Every indicator a report can give, for one centre.
pub fn indicators(r: &CentreReport) -> BTreeMap<&'static str, i64> {
    let res = |t: &[&str], s: &str| r.residents_with(|tt, ss, _| t.contains(&tt) && ss == s);
    let comp = ["compulsory_adult", "compulsory_minor"];
    let tmp = ["temporary", "determination"];
    BTreeMap::from([
        ("design_scale", r.design_scale),
        ("receiving_capacity", r.receiving_capacity),
        ("occupancy", r.occupancy_end),
        ("residents.compulsory.male", res(&comp, "male")),
        ("residents.compulsory.female", res(&comp, "female")),
        ("residents.voluntary.male", res(&["voluntary"], "male")),
        ("residents.voluntary.female", res(&["voluntary"], "female")),
        ("residents.temporary.male", res(&tmp, "male")),
        ("residents.temporary.female", res(&tmp, "female")),
        ("residents.minors", r.residents_with(|_, _, a| a == "minor")),
        ("intakes.compulsory", r.intakes_of(&comp)),
        ("intakes.voluntary", r.intakes_of(&["voluntary"])),
        ("intakes.temporary", r.intakes_of(&tmp)),
        ("releases", r.releases_total()),
        (
            "releases.completion",
            r.releases.get("completion").copied().unwrap_or(0),
        ),
        ("escapes", r.escapes),
        ("escape_returns", r.escape_returns),
    ])
}

fn valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 50
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

impl Mapping {
    /// Parses and checks a mapping: every code well-formed, every indicator one we
    /// compute. Errors name the offending entry.
    pub fn parse(src: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(src).map_err(|e| e.to_string())?;
        let known = indicators(&CentreReport::default());
        for (key, code) in [
            ("data_set", Some(&m.data_set)),
            ("data_set_quarterly", m.data_set_quarterly.as_ref()),
            ("data_set_yearly", m.data_set_yearly.as_ref()),
        ] {
            if let Some(code) = code.filter(|c| !valid_code(c)) {
                return Err(format!("{key}: invalid code {code:?}"));
            }
        }
        for (centre, ou) in &m.org_units {
            if !valid_code(ou) {
                return Err(format!("org_units.{centre}: invalid code {ou:?}"));
            }
        }
        for (k, t) in &m.indicators {
            if !known.contains_key(k.as_str()) {
                return Err(format!(
                    "indicators.{k}: not an indicator rehabops computes"
                ));
            }
            for c in [&t.data_element, &t.category_option_combo]
                .into_iter()
                .chain(t.adx.keys())
                .chain(t.adx.values())
            {
                if !valid_code(c) {
                    return Err(format!("indicators.{k}: invalid code {c:?}"));
                }
            }
        }
        Ok(m)
    }

    /// The data set of a period's type, if one is configured.
    pub fn data_set_for(&self, p: &ReportPeriod) -> Option<&str> {
        use super::report::PeriodKind;
        match p.kind {
            PeriodKind::Month => Some(self.data_set.as_str()),
            PeriodKind::Quarter => self.data_set_quarterly.as_deref(),
            PeriodKind::Year => self.data_set_yearly.as_deref(),
        }
    }

    /// The configured mapping (file named in the configuration) or the shipped one.
    pub fn load(path: Option<&std::path::Path>) -> Result<Mapping, String> {
        match path {
            Some(p) => {
                let src =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Mapping::parse(&src).map_err(|e| format!("{}: {e}", p.display()))
            }
            None => Mapping::parse(SHIPPED),
        }
    }
}

/// One value of a DHIS2 `dataValueSet`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataValue {
    pub data_element: String,
    pub period: String,
    pub org_unit: String,
    pub category_option_combo: String,
    /// DHIS2 carries values as strings.
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataValueSet {
    /// `CODE`: the data set, elements, combos and organisation units are named by their
    /// codes, not by DHIS2's generated ids.
    pub id_scheme: String,
    pub data_set: String,
    pub period: String,
    /// Completeness is not sent: a set for seven centres has no one organisation unit to
    /// register it for (DHIS2 would register it for none).
    pub data_values: Vec<DataValue>,
}

/// The values of every centre that has an organisation unit, for mapped indicators.
fn values<'a>(m: &'a Mapping, centres: &'a [CentreReport]) -> Vec<(&'a str, &'a Target, i64)> {
    let mut out = Vec::new();
    for c in centres {
        // No figures for the period is not zero residents: send nothing for it.
        if c.days_covered == 0 {
            continue;
        }
        let Some(ou) = m.org_units.get(&c.code) else {
            continue;
        };
        for (k, v) in indicators(c) {
            if let Some(t) = m.indicators.get(k) {
                out.push((ou.as_str(), t, v));
            }
        }
    }
    out
}

/// The period's values as a `dataValueSet`, or None when no data set is configured for
/// the period's type.
pub fn data_value_set(
    m: &Mapping,
    p: &ReportPeriod,
    centres: &[CentreReport],
) -> Option<DataValueSet> {
    Some(DataValueSet {
        id_scheme: "CODE".into(),
        data_set: m.data_set_for(p)?.to_owned(),
        period: p.dhis2(),
        data_values: values(m, centres)
            .into_iter()
            .map(|(ou, t, v)| DataValue {
                data_element: t.data_element.clone(),
                period: p.dhis2(),
                org_unit: ou.to_owned(),
                category_option_combo: t.category_option_combo.clone(),
                value: v.to_string(),
            })
            .collect(),
    })
}

/// The same values as ADX: one `group` per organisation unit.
pub fn adx(
    m: &Mapping,
    p: &ReportPeriod,
    centres: &[CentreReport],
    exported: &str,
) -> Result<String, String> {
    use quick_xml::Writer;
    use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let err = |e: std::io::Error| e.to_string();
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(err)?;
    let mut root = BytesStart::new("adx");
    root.push_attribute(("xmlns", "urn:ihe:qrph:adx:2015"));
    root.push_attribute(("exported", exported));
    w.write_event(Event::Start(root)).map_err(err)?;
    let period = p.adx();
    let data_set = m
        .data_set_for(p)
        .ok_or_else(|| "no data set for this period type".to_owned())?;
    let all = values(m, centres);
    let mut units: Vec<&str> = all.iter().map(|v| v.0).collect();
    units.dedup();
    for ou in units {
        let mut g = BytesStart::new("group");
        g.push_attribute(("orgUnit", ou));
        g.push_attribute(("period", period.as_str()));
        g.push_attribute(("dataSet", data_set));
        w.write_event(Event::Start(g)).map_err(err)?;
        for (_, t, v) in all.iter().filter(|x| x.0 == ou) {
            let mut dv = BytesStart::new("dataValue");
            dv.push_attribute(("dataElement", t.data_element.as_str()));
            for (cat, opt) in &t.adx {
                dv.push_attribute((cat.as_str(), opt.as_str()));
            }
            let value = v.to_string();
            dv.push_attribute(("value", value.as_str()));
            w.write_event(Event::Empty(dv)).map_err(err)?;
        }
        w.write_event(Event::End(BytesEnd::new("group")))
            .map_err(err)?;
    }
    w.write_event(Event::End(BytesEnd::new("adx")))
        .map_err(err)?;
    String::from_utf8(w.into_inner()).map_err(|e| e.to_string())
}

fn mapping(st: &AppState) -> AppResult<Mapping> {
    Mapping::load(st.cfg.dhis2_mapping.as_deref())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("DHIS2 mapping: {e}")))
}

async fn period_and_report(
    st: &AppState,
    q: &ReportQuery,
) -> AppResult<(ReportPeriod, reports::Built)> {
    let p = ReportPeriod::parse(&q.p)
        .or_else(|| {
            q.p.trim()
                .is_empty()
                .then(|| ReportPeriod::previous_month(st.today()))
                .flatten()
        })
        .ok_or_else(|| AppError::invalid("p", "error.report_period"))?;
    Ok((p, reports::build(&st.db, p).await?))
}

pub async fn json(State(st): State<AppState>, Query(q): Query<ReportQuery>) -> AppResult<Response> {
    let m = mapping(&st)?;
    let (p, b) = period_and_report(&st, &q).await?;
    let set = data_value_set(&m, &p, &b.centres)
        .ok_or_else(|| AppError::invalid("p", "error.dhis2_period_type"))?;
    let body = serde_json::to_vec_pretty(&set).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::attachment(
        body,
        "application/json",
        &format!("dhis2-{}.json", p.code()),
    ))
}

pub async fn xml(State(st): State<AppState>, Query(q): Query<ReportQuery>) -> AppResult<Response> {
    let m = mapping(&st)?;
    let (p, b) = period_and_report(&st, &q).await?;
    if m.data_set_for(&p).is_none() {
        return Err(AppError::invalid("p", "error.dhis2_period_type"));
    }
    let exported = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let body =
        adx(&m, &p, &b.centres, &exported).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(crate::web::attachment(
        body.into_bytes(),
        "application/adx+xml",
        &format!("adx-{}.xml", p.code()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_mapping_is_valid_and_bad_ones_are_refused() {
        let m = Mapping::parse(SHIPPED).expect("shipped mapping");
        assert_eq!(m.org_units.len(), 7);
        assert!(Mapping::parse("data_set = \"X\"\n[org_units]\n[indicators]\nnope = { data_element = \"A\", category_option_combo = \"B\" }").unwrap_err().contains("nope"));
        assert!(Mapping::parse("data_set = \"bad code\"\n[org_units]\n[indicators]\n").is_err());
        assert!(
            Mapping::parse("data_set = \"X\"\n[org_units]\nCS01 = \"\"\n[indicators]\n").is_err()
        );
    }
}
