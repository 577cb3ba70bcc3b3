//! Treatment's part of fitness (design.md §1): a resident in an open detox episode is
//! unfit for labour, classes and sport; a doctor's restriction makes them unfit for one
//! activity over its dates. Read for a whole list in two queries.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::entities::{detox_episode, medical_restriction};
use crate::error::AppResult;

str_enum!(
    /// What a restriction keeps a resident from.
    Activity {
        /// Lao động trị liệu.
        Labour = "labour",
        /// Classes: education, vocational training.
        Classes = "classes",
        Sport = "sport",
    }
);

impl Activity {
    pub fn label_key(self) -> String {
        format!("restriction.activity_{}", self.as_str())
    }
}

/// Why a resident is unfit (never the diagnosis: other areas see only this).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unfit {
    /// In an open detox episode (cắt cơn).
    Detox,
    /// Under a doctor's restriction.
    Restricted,
}

/// For each admission, the activities it is unfit for on `day`, and why.
pub async fn unfit<C: ConnectionTrait>(
    conn: &C,
    admission_ids: &[i32],
    day: NaiveDate,
) -> AppResult<HashMap<i32, Vec<(Activity, Unfit)>>> {
    let mut out: HashMap<i32, Vec<(Activity, Unfit)>> = HashMap::new();
    if admission_ids.is_empty() {
        return Ok(out);
    }
    let detox = detox_episode::Entity::find()
        .filter(
            detox_episode::COLUMN
                .admission_id
                .is_in(admission_ids.iter().copied()),
        )
        .filter(detox_episode::COLUMN.started_on.lte(day))
        .filter(
            detox_episode::COLUMN
                .ended_on
                .is_null()
                .or(detox_episode::COLUMN.ended_on.gte(day)),
        )
        .all(conn)
        .await?;
    for ep in detox {
        let v = out.entry(ep.admission_id).or_default();
        v.extend(Activity::ALL.iter().map(|a| (*a, Unfit::Detox)));
    }
    let restrictions = medical_restriction::Entity::find()
        .filter(
            medical_restriction::COLUMN
                .admission_id
                .is_in(admission_ids.iter().copied()),
        )
        .filter(medical_restriction::COLUMN.starts_on.lte(day))
        .filter(
            medical_restriction::COLUMN
                .ends_on
                .is_null()
                .or(medical_restriction::COLUMN.ends_on.gte(day)),
        )
        .all(conn)
        .await?;
    for r in restrictions {
        if let Some(a) = Activity::parse(&r.activity) {
            out.entry(r.admission_id)
                .or_default()
                .push((a, Unfit::Restricted));
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|(a, u)| (a.as_str(), *u == Unfit::Restricted));
        v.dedup_by_key(|(a, _)| *a);
    }
    Ok(out)
}
