//! The occupancy summary a centre sends to the department: version 2 (version 1 without
//! `areas` is still accepted).
//!
//! Aggregates only. No name, identity number, date of birth or resident code ever appears;
//! the type system makes that so (there is no field that could hold one), and a test
//! checks the serialised form. Small cells (1–4) are kept as counts: the department is
//! authorised to see them; its public exports suppress them.
//!
//! Fields for areas that do not exist yet (`methadone`, `vocational`, `labour`) are
//! `null` until those areas send them, and `working_beds` is `null` while a centre has no
//! bed structure; consumers must accept `null`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "rehabops.occupancy-summary/2";

/// Versions the department accepts: 2 adds `areas`.
pub const ACCEPTED: [&str; 2] = ["rehabops.occupancy-summary/1", SCHEMA];

/// Largest summary the department accepts, in bytes.
pub const MAX_BYTES: usize = 256 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccupancySummary {
    /// `rehabops.occupancy-summary/2` (or `/1` from a centre not yet upgraded).
    pub schema: String,
    /// Centre code, e.g. `CS01`.
    pub centre: String,
    /// Monotonic per centre, starting at 1.
    pub sequence: i64,
    /// When the figures were computed.
    pub as_of: DateTime<Utc>,
    pub period: Period,
    pub capacity: Capacity,
    /// Residents under management (active admissions), by admission type × sex × age band.
    pub residents: Vec<ResidentCell>,
    /// Where the residents under management are.
    pub presence: BTreeMap<String, i64>,
    /// Movements whose date falls in the period.
    pub movements: Movements,
    /// Methadone/buprenorphine patients and doses (null until the methadone area exists).
    pub methadone: Option<BTreeMap<String, i64>>,
    /// Vocational enrolment and completions (null until the vocational area exists).
    pub vocational: Option<BTreeMap<String, i64>>,
    /// Labour-therapy hours (null until the labour area exists).
    pub labour: Option<BTreeMap<String, i64>>,
    /// Each care area's aggregates (design.md §4), keyed by area: `treatment` has
    /// `stage_1`…`stage_5`, `in_detox` and `restricted` (residents under management). An
    /// area absent from the map has not reported (version 1, a reconstructed past day,
    /// or an area the centre does not use). Version 2.
    #[serde(default)]
    pub areas: BTreeMap<String, BTreeMap<String, i64>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// `hourly`, `daily` (the close of a Hanoi calendar day) or `on_demand`.
    pub kind: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Quy mô thiết kế.
    pub design_scale: i64,
    /// Khả năng tiếp nhận.
    pub receiving_capacity: i64,
    /// Beds in service (null while the centre has no bed structure).
    pub working_beds: Option<i64>,
    /// Residents under management.
    pub occupancy: i64,
}

#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ResidentCell {
    /// compulsory_adult, compulsory_minor, voluntary, temporary, determination.
    pub admission_type: String,
    /// male or female.
    pub sex: String,
    /// `minor` (under 18) or `adult`.
    pub age_band: String,
    pub count: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Movements {
    /// Admissions by type.
    pub intakes: BTreeMap<String, i64>,
    /// Releases by reason code.
    pub releases: BTreeMap<String, i64>,
    pub escapes: i64,
    pub escape_returns: i64,
}

impl OccupancySummary {
    pub fn residents_total(&self) -> i64 {
        self.residents.iter().map(|c| c.count).sum()
    }
    /// Residents of one admission type (all sexes and ages).
    pub fn residents_of_type(&self, t: &str) -> i64 {
        self.residents
            .iter()
            .filter(|c| c.admission_type == t)
            .map(|c| c.count)
            .sum()
    }
    pub fn residents_of_sex(&self, sex: &str) -> i64 {
        self.residents
            .iter()
            .filter(|c| c.sex == sex)
            .map(|c| c.count)
            .sum()
    }
    /// Compulsory residents, adults and minors.
    pub fn compulsory(&self) -> i64 {
        self.residents_of_type("compulsory_adult") + self.residents_of_type("compulsory_minor")
    }
    /// In the temporary-stay zone: file preparation and addiction-status determination.
    pub fn temporary(&self) -> i64 {
        self.residents_of_type("temporary") + self.residents_of_type("determination")
    }
    pub fn minors(&self) -> i64 {
        self.residents
            .iter()
            .filter(|c| c.age_band == "minor")
            .map(|c| c.count)
            .sum()
    }
}
