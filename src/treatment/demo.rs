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

/// The demo's weekly programme: for each zone, morning exercise, a legal-education
/// class, group counselling and life skills, planned four weeks back through the one
/// timetable (so the clash check runs as for a user), with attendance taken for the
/// sessions already held. Only when no slot exists yet.
pub async fn seed_programme<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> AppResult<usize> {
    seed_programme_since(conn, today, today - Duration::days(28)).await
}

/// The same programme, held since `first_day` (the benchmark profile: five years),
/// each resident booked from their admission.
pub async fn seed_programme_since<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    first_day: NaiveDate,
) -> AppResult<usize> {
    use crate::schedule::recurrence::Rule;
    use crate::schedule::store::{self, Audience, NewSlot, OnClash};
    if crate::entities::schedule_slot::Entity::find()
        .count(conn)
        .await?
        > 0
    {
        return Ok(0);
    }
    let staff = demo_staff(conn).await?;
    let actor = crate::audit::Actor::system("demo");
    let mut n = 0;
    for (i, zone) in crate::beds::store::zone_names(conn)
        .await?
        .into_iter()
        .enumerate()
        .take(8)
    {
        let weekday = |k: usize| 1u8 << ((i + k) % 5);
        let plan: [(&str, &str, u8, u32, u32, &str); 4] = [
            ("sport", "Thể dục buổi sáng", 0b11_1111, 6 * 60, 45, ""),
            (
                "education",
                "Giáo dục pháp luật, phòng chống ma túy",
                weekday(0),
                8 * 60,
                90,
                "teacher",
            ),
            (
                "counselling_group",
                "Tư vấn nhóm phòng ngừa tái nghiện",
                weekday(2),
                14 * 60,
                90,
                "counsellor",
            ),
            (
                "life_skills",
                "Kỹ năng sống",
                weekday(4),
                9 * 60 + 30,
                90,
                "teacher",
            ),
        ];
        for (kind, title, weekdays, start, minutes, who) in plan {
            let slot = NewSlot {
                area: "treatment",
                kind: kind.into(),
                title: title.into(),
                audience: Audience::Zone(zone.clone()),
                room: if kind == "sport" {
                    format!("Sân {zone}")
                } else {
                    format!("Hội trường {zone}")
                },
                staff: staff.get(who).cloned(),
                rule: Rule {
                    first_day,
                    last_day: None,
                    weekdays,
                    start_minute: start,
                    duration_minutes: minutes,
                },
                on_clash: OnClash::Exclude,
                note: String::new(),
            };
            store::plan(conn, &actor, &slot, today, true).await?;
            n += 1;
        }
    }
    past_attendance(conn, today).await?;
    Ok(n)
}

/// The demo's session leaders by role, from the demo accounts.
async fn demo_staff<C: ConnectionTrait>(
    conn: &C,
) -> AppResult<std::collections::HashMap<&'static str, (i32, String)>> {
    use crate::entities::app_user;
    let mut out = std::collections::HashMap::new();
    for role in ["teacher", "counsellor"] {
        if let Some(u) = app_user::Entity::find()
            .filter(app_user::COLUMN.role.eq(role))
            .filter(app_user::COLUMN.active.eq(true))
            .one(conn)
            .await?
        {
            out.insert(role, (u.id, u.full_name));
        }
    }
    Ok(out)
}

/// Attendance of the sessions held before `today`: mostly present, some sick, a few
/// refusals with a note, and the clashes as such.
async fn past_attendance<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> AppResult<()> {
    let sql = "INSERT INTO attendance \
          (occurrence_id, admission_id, reason, note, replaces_id, recorded_by_name, recorded_at) \
        SELECT b.occurrence_id, b.admission_id, \
          CASE WHEN b.state = 'clash' THEN 'clash' \
               WHEN (b.admission_id + b.occurrence_id) % 29 = 0 THEN 'refused' \
               WHEN (b.admission_id + b.occurrence_id) % 13 = 0 THEN 'sick' \
               ELSE 'attended' END, \
          CASE WHEN b.state <> 'clash' AND (b.admission_id + b.occurrence_id) % 29 = 0 \
               THEN 'Không tham gia, đã nhắc nhở' ELSE '' END, \
          NULL, 'demo', ? \
        FROM slot_booking b JOIN slot_occurrence o ON o.id = b.occurrence_id \
        WHERE o.day < ? AND o.cancelled = '' AND b.state IN ('booked', 'clash')";
    let backend = conn.get_database_backend();
    conn.execute_raw(crate::db::statement(
        backend,
        sql,
        [Utc::now().into(), today.into()],
    ))
    .await?;
    crate::schedule::time_use::rebuild(conn).await
}
