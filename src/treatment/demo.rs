//! Demo treatment records: each demo admission past stage 1 gets the transitions that
//! brought it there (at the centre's planned stage lengths from its admission), so the
//! ward list shows realistic days in stage, and a few recent admissions an open detox
//! episode. Only when no transition exists yet.

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::entities::{admission, detox_episode, stage_transition};
use crate::error::AppResult;
use crate::intake::store::ACTIVE;

pub async fn seed<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> AppResult<usize> {
    if stage_transition::Entity::find().count(conn).await? > 0 {
        return Ok(0);
    }
    let plan = super::store::plan(conn).await?;
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?;
    let now = Utc::now();
    let mut n = 0;
    for a in active {
        let mut on = a.admitted_on;
        let length = |s: i32| i64::from(plan[usize::try_from(s).unwrap_or(0)].unwrap_or(30));
        // The planned lengths, shortened when the stay so far is shorter than they add up to.
        let planned: i64 = (1..a.stage).map(length).sum();
        let elapsed = (today - a.admitted_on).num_days();
        let scale = if planned > 0 {
            (elapsed as f64 * 0.9 / planned as f64).min(1.0)
        } else {
            1.0
        };
        let mut cumulative = 0;
        for stage in 2..=a.stage {
            cumulative += length(stage - 1);
            on = a.admitted_on + Duration::days((cumulative as f64 * scale) as i64);
            stage_transition::ActiveModel {
                admission_id: Set(a.id),
                stage: Set(stage),
                entered_on: Set(on),
                note: Set(String::new()),
                recorded_by: Set(None),
                recorded_by_name: Set("demo".into()),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            n += 1;
        }
        // Admitted in the last week and in stage 1 or 2: in detox.
        if a.stage <= 2 && (today - a.admitted_on).num_days() <= 7 && a.id % 2 == 0 {
            detox_episode::ActiveModel {
                admission_id: Set(a.id),
                substance_class: Set("opioid".into()),
                protocol: Set("TT 18/2021/TT-BYT, phụ lục 04".into()),
                started_on: Set(a.admitted_on),
                ended_on: Set(None),
                outcome: Set(String::new()),
                note: Set(String::new()),
                recorded_by_name: Set("demo".into()),
                recorded_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        let mut am: admission::ActiveModel = a.into();
        am.stage_since = Set(Some(on));
        am.update(conn).await?;
    }
    Ok(n)
}
