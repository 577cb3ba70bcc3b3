//! Treatment's part of the release hook (`crate::care`): the stages still required, and
//! an open detox episode closed when the resident leaves.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::{detox::Outcome, stages, store};
use crate::audit::{self, Actor};
use crate::entities::{admission, detox_episode};
use crate::error::{AppResult, Msg};
use crate::intake::rules::AdmissionType;

/// "Stages not gone through: 4, 5" when the admission's type requires them.
pub async fn release_warnings<C: ConnectionTrait>(
    conn: &C,
    a: &admission::Model,
) -> AppResult<Vec<Msg>> {
    let Some(t) = AdmissionType::parse(&a.admission_type) else {
        return Ok(Vec::new());
    };
    let missing = stages::missing(t, &store::stages_reached(conn, a.id).await?);
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = missing.iter().map(i32::to_string).collect();
    Ok(vec![
        Msg::new("treatment.release_missing_stages").arg("stages", list.join(", ")),
    ])
}

/// An open detox episode ends on the day of release, its outcome "released".
pub async fn on_release<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    a: &admission::Model,
    on: NaiveDate,
) -> AppResult<()> {
    let open = detox_episode::Entity::find()
        .filter(detox_episode::COLUMN.admission_id.eq(a.id))
        .filter(detox_episode::COLUMN.ended_on.is_null())
        .all(conn)
        .await?;
    super::mar::store::on_release(conn, actor, a.id, on).await?;
    for ep in open {
        let mut am: detox_episode::ActiveModel = ep.clone().into();
        am.ended_on = Set(Some(on.max(ep.started_on)));
        am.outcome = Set(Outcome::Released.as_str().into());
        am.update(conn).await?;
        audit::record(
            conn,
            actor,
            "detox.end",
            "detox_episode",
            ep.id,
            json!({ "admission": a.id, "ended_on": on, "outcome": "released" }),
        )
        .await?;
    }
    Ok(())
}

/// Treatment's section of the occupancy summary: residents under management by stage,
/// in an open detox episode, under a medical restriction, and overdue for their
/// six-monthly health check on `on` (counts only).
pub async fn summary<C: ConnectionTrait>(
    conn: &C,
    on: NaiveDate,
) -> AppResult<std::collections::BTreeMap<String, i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Row {
        key: String,
        n: i64,
    }
    let active = crate::intake::store::ACTIVE;
    let day = on.format("%Y-%m-%d");
    let cutoff = super::stages::health_check_cutoff(on).format("%Y-%m-%d");
    // Literal values only (a status code and a date), so one statement serves both
    // back ends.
    let sql = format!(
        "SELECT 'stage_' || CAST(stage AS VARCHAR(2)) AS key, COUNT(*) AS n FROM admission \
           WHERE status = '{active}' GROUP BY stage \
         UNION ALL SELECT 'in_detox' AS key, COUNT(*) AS n FROM detox_episode d \
           JOIN admission a ON a.id = d.admission_id \
           WHERE a.status = '{active}' AND d.ended_on IS NULL \
         UNION ALL SELECT 'restricted' AS key, COUNT(DISTINCT r.admission_id) AS n \
           FROM medical_restriction r JOIN admission a ON a.id = r.admission_id \
           WHERE a.status = '{active}' AND r.starts_on <= '{day}' \
             AND (r.ends_on IS NULL OR r.ends_on >= '{day}') \
         UNION ALL SELECT 'health_check_overdue' AS key, COUNT(*) AS n FROM admission a \
           WHERE a.status = '{active}' AND a.admitted_on < '{cutoff}' AND NOT EXISTS ( \
             SELECT 1 FROM attendance t JOIN slot_occurrence o ON o.id = t.occurrence_id \
             JOIN schedule_slot s ON s.id = o.slot_id \
             JOIN attendance_reason ar ON ar.code = t.reason AND ar.counts_attended = TRUE \
             WHERE t.admission_id = a.id AND s.kind = 'health_check' AND o.day >= '{cutoff}' \
               AND NOT EXISTS (SELECT 1 FROM attendance x WHERE x.replaces_id = t.id))"
    );
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql);
    let mut out: std::collections::BTreeMap<String, i64> =
        (1..=5).map(|s| (format!("stage_{s}"), 0)).collect();
    for r in <Row as sea_orm::FromQueryResult>::find_by_statement(stmt)
        .all(conn)
        .await?
    {
        out.insert(r.key, r.n);
    }
    Ok(out)
}
