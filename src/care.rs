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
    Ok(())
}
