//! The one hook through which intake's release reaches the care areas (design.md §5):
//! before a release each area says what is still missing (warnings, never a refusal),
//! and at release each closes what it has open. Intake does not know the areas'
//! tables; the areas do not reimplement release. A new area adds itself here.

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use crate::audit::Actor;
use crate::entities::admission;
use crate::error::{AppResult, Msg};

/// What the care areas say is still missing before `a` is released.
pub async fn release_warnings<C: ConnectionTrait>(
    conn: &C,
    a: &admission::Model,
) -> AppResult<Vec<Msg>> {
    let mut out = Vec::new();
    out.extend(crate::treatment::hooks::release_warnings(conn, a).await?);
    Ok(out)
}

/// Closes what the care areas have open for `a`, released on `on` (in the release's
/// transaction).
pub async fn on_release<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    a: &admission::Model,
    on: NaiveDate,
) -> AppResult<()> {
    crate::treatment::hooks::on_release(conn, actor, a, on).await?;
    crate::schedule::store::on_release(conn, a.id, on).await?;
    Ok(())
}

/// After an admission's zone is set or changed (admission, bed assignment, swap): the
/// timetable's zone-wide slots follow it. Returns how many of the new zone's sessions
/// the resident is left out of because they are booked elsewhere (a warning).
pub async fn on_zone_change<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    zone: &str,
    today: NaiveDate,
) -> AppResult<usize> {
    Ok(
        crate::schedule::store::follow_zone(conn, admission_id, zone, today)
            .await?
            .len(),
    )
}

/// Upcoming timetable occurrences (from `today`) the resident is left out of because
/// they are booked elsewhere at the time.
pub async fn sessions_left_out<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
    today: NaiveDate,
) -> AppResult<u64> {
    crate::schedule::store::left_out(conn, admission_id, today).await
}

/// Each care area's part of a transfer package for `a`, transferred on `on` (design.md
/// §5), keyed by area. A new area adds its line here.
pub async fn transfer_parts<C: ConnectionTrait>(
    conn: &C,
    a: &admission::Model,
    on: NaiveDate,
) -> AppResult<std::collections::BTreeMap<String, serde_json::Value>> {
    let mut out = std::collections::BTreeMap::new();
    out.insert(
        "treatment".to_owned(),
        crate::treatment::transfer::part(conn, a, on).await?,
    );
    Ok(out)
}

/// Writes the areas' parts of a received package into the new admission `a`; a part
/// of an area this centre does not run is kept only in the stored package.
pub async fn receive_parts<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    a: &admission::Model,
    from_centre: &str,
    parts: &std::collections::BTreeMap<String, serde_json::Value>,
) -> AppResult<()> {
    if let Some(v) = parts.get("treatment") {
        crate::treatment::transfer::receive(conn, actor, a, from_centre, v).await?;
    }
    Ok(())
}

pub use crate::treatment::fitness::{Activity, Unfit};

/// The care areas' sections of the occupancy summary (design.md §4): one entry per area
/// that reports, aggregates only. A new area adds its line here.
pub async fn summary_sections<C: ConnectionTrait>(
    conn: &C,
    on: NaiveDate,
) -> AppResult<std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>> {
    let mut out = std::collections::BTreeMap::new();
    out.insert(
        "treatment".to_owned(),
        crate::treatment::hooks::summary(conn, on).await?,
    );
    Ok(out)
}

/// Where a resident is and what they are fit for (design.md §1): the one answer the
/// labour, vocational and dosing areas read, for a whole list at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitness {
    /// The admission's presence now (`present`, `in_hospital`, `escaped`, …), from the
    /// movement record.
    pub presence: String,
    /// Activities the resident is unfit for on the day, and why (never the diagnosis).
    pub unfit: Vec<(Activity, Unfit)>,
}

impl Fitness {
    pub fn present(&self) -> bool {
        self.presence == crate::intake::rules::Presence::Present.as_str()
    }
    /// Present, and neither in detox nor restricted from `a`.
    pub fn fit_for(&self, a: Activity) -> bool {
        self.present() && !self.unfit.iter().any(|(x, _)| *x == a)
    }
}

/// Fitness of each admission on `day`, in three queries whatever the list's length.
pub async fn fitness<C: ConnectionTrait>(
    conn: &C,
    admission_ids: &[i32],
    day: NaiveDate,
) -> AppResult<std::collections::HashMap<i32, Fitness>> {
    use sea_orm::{EntityTrait, QueryFilter};
    let mut unfit = crate::treatment::fitness::unfit(conn, admission_ids, day).await?;
    let admissions = admission::Entity::find()
        .filter(admission::COLUMN.id.is_in(admission_ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(admissions
        .into_iter()
        .map(|a| {
            let f = Fitness {
                unfit: unfit.remove(&a.id).unwrap_or_default(),
                presence: a.presence,
            };
            (a.id, f)
        })
        .collect())
}
