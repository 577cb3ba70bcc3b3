//! Treatment storage: stage transitions, detox episodes, the stage plan and the ward
//! list (filtered, counted and paged in SQL). Every write is audited.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use serde_json::json;

use super::detox::{self, Outcome, SubstanceClass};
use super::stages;
use crate::audit::{self, Actor};
use crate::entities::{
    admission, detox_episode, drug_test, medical_restriction, resident, stage_transition,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::intake::store::{ACTIVE, get_admission};

/// Rows on a page of the ward list.
pub const PAGE_SIZE: u64 = 50;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StageForm {
    pub stage: String,
    pub entered_on: String,
    pub note: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetoxForm {
    pub substance_class: String,
    pub protocol: String,
    pub started_on: String,
    /// Hours between withdrawal assessments.
    pub assessment_hours: String,
    pub note: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetoxEndForm {
    pub ended_on: String,
    pub outcome: String,
    pub note: String,
}

fn active(a: &admission::Model, field: &'static str) -> AppResult<()> {
    if a.status == ACTIVE {
        return Ok(());
    }
    let mut e = FieldErrors::new();
    e.add(field, "error.admission_not_active");
    Err(AppError::Invalid(e))
}

/// A required dd/mm/yyyy field, its error added to `e`.
pub(crate) fn date(e: &mut FieldErrors, field: &'static str, value: &str) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        e.add(field, "error.required");
        return None;
    }
    let d = parse_date(value);
    if d.is_none() {
        e.add(field, "error.date_format");
    }
    d
}

async fn open_episode<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<Option<detox_episode::Model>> {
    Ok(detox_episode::Entity::find()
        .filter(detox_episode::COLUMN.admission_id.eq(admission_id))
        .filter(detox_episode::COLUMN.ended_on.is_null())
        .one(conn)
        .await?)
}

/// Moves an admission to a stage on a date (stored on the admission as well: many
/// pages show the current stage and since when).
pub async fn record_stage<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &StageForm,
    today: NaiveDate,
) -> AppResult<stage_transition::Model> {
    let a = get_admission(conn, admission_id).await?;
    active(&a, "stage")?;
    let mut e = FieldErrors::new();
    let to = f.stage.trim().parse::<i32>().unwrap_or(0);
    let detox_open = open_episode(conn, a.id).await?.is_some();
    if let Err(k) = stages::check_move(a.stage, to, detox_open, &f.note) {
        e.add(
            if k == "error.stage_back_note" {
                "note"
            } else {
                "stage"
            },
            k,
        );
    }
    let on = date(&mut e, "entered_on", &f.entered_on);
    let since = a.stage_since.unwrap_or(a.admitted_on);
    if let Some(on) = on {
        if on > today {
            e.add("entered_on", "error.date_in_future");
        } else if on < since {
            e.add(
                "entered_on",
                crate::error::Msg::new("error.stage_before_current")
                    .arg("date", crate::i18n::format_date(since)),
            );
        }
    }
    if f.note.chars().count() > 2000 {
        e.add("note", "error.too_long");
    }
    let (Some(on), true) = (on, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let t = stage_transition::ActiveModel {
        admission_id: Set(a.id),
        stage: Set(to),
        entered_on: Set(on),
        note: Set(f.note.trim().to_owned()),
        recorded_by: Set(actor.user_id),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let before = json!({ "stage": a.stage, "since": a.stage_since });
    let mut am: admission::ActiveModel = a.into();
    am.stage = Set(to);
    am.stage_since = Set(Some(on));
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "treatment.stage",
        "admission",
        admission_id,
        json!({ "before": before, "after": { "stage": to, "since": on }, "note": t.note }),
    )
    .await?;
    Ok(t)
}

/// Opens a detox episode.
pub async fn open_detox<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &DetoxForm,
    today: NaiveDate,
) -> AppResult<detox_episode::Model> {
    let a = get_admission(conn, admission_id).await?;
    active(&a, "substance_class")?;
    let mut e = FieldErrors::new();
    let class = SubstanceClass::parse(&f.substance_class);
    if class.is_none() {
        e.add("substance_class", "error.required");
    }
    if f.protocol.trim().is_empty() {
        e.add("protocol", "error.required");
    } else if f.protocol.chars().count() > 200 {
        e.add("protocol", "error.too_long");
    }
    let on = date(&mut e, "started_on", &f.started_on);
    let hours = match f.assessment_hours.trim().parse::<i32>() {
        Ok(h) if (1..=72).contains(&h) => h,
        _ => {
            e.add("assessment_hours", "error.assessment_hours_range");
            0
        }
    };
    let already = open_episode(conn, a.id).await?.is_some();
    if let Some(on) = on {
        if let Err(k) = detox::check_start(on, today, a.admitted_on, already) {
            e.add("started_on", k);
        }
    }
    let (Some(class), Some(on), true) = (class, on, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let ep = detox_episode::ActiveModel {
        admission_id: Set(a.id),
        substance_class: Set(class.as_str().into()),
        protocol: Set(f.protocol.trim().to_owned()),
        started_on: Set(on),
        ended_on: Set(None),
        outcome: Set(String::new()),
        assessment_hours: Set(hours),
        last_assessed_at: Set(None),
        note: Set(f.note.trim().to_owned()),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "detox.open",
        "detox_episode",
        ep.id,
        json!({ "admission": a.id, "class": ep.substance_class, "started_on": on }),
    )
    .await?;
    Ok(ep)
}

/// Ends the open episode `episode_id`.
pub async fn end_detox<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    episode_id: i32,
    f: &DetoxEndForm,
    today: NaiveDate,
) -> AppResult<detox_episode::Model> {
    let ep = detox_episode::Entity::find_by_id(episode_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    if ep.ended_on.is_some() {
        e.add("ended_on", "error.detox_already_ended");
        return Err(AppError::Invalid(e));
    }
    let outcome = Outcome::parse(&f.outcome).filter(|o| *o != Outcome::Released);
    if outcome.is_none() {
        e.add("outcome", "error.required");
    }
    let on = date(&mut e, "ended_on", &f.ended_on);
    if let Some(on) = on {
        if let Err(k) = detox::check_end(on, today, ep.started_on) {
            e.add("ended_on", k);
        }
    }
    let (Some(outcome), Some(on), true) = (outcome, on, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let mut am: detox_episode::ActiveModel = ep.clone().into();
    am.ended_on = Set(Some(on));
    am.outcome = Set(outcome.as_str().into());
    if !f.note.trim().is_empty() {
        am.note = Set(format!("{}\n{}", ep.note, f.note.trim()).trim().to_owned());
    }
    let ep = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "detox.end",
        "detox_episode",
        ep.id,
        json!({ "admission": ep.admission_id, "ended_on": on, "outcome": ep.outcome }),
    )
    .await?;
    Ok(ep)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RestrictionForm {
    pub activity: String,
    pub starts_on: String,
    pub ends_on: String,
    pub reason: String,
}

/// A doctor restricts an admission from an activity (unfit for labour, classes or
/// sport) from a day, until a day or further notice, with a reason.
pub async fn add_restriction<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &RestrictionForm,
    today: NaiveDate,
) -> AppResult<medical_restriction::Model> {
    let a = get_admission(conn, admission_id).await?;
    active(&a, "activity")?;
    let mut e = FieldErrors::new();
    let activity = super::fitness::Activity::parse(&f.activity);
    if activity.is_none() {
        e.add("activity", "error.required");
    }
    let starts = date(&mut e, "starts_on", &f.starts_on);
    let ends = if f.ends_on.trim().is_empty() {
        None
    } else {
        let d = parse_date(&f.ends_on);
        if d.is_none() {
            e.add("ends_on", "error.date_format");
        }
        d
    };
    if let Some(s) = starts {
        if s < a.admitted_on {
            e.add("starts_on", "error.detox_before_admission");
        } else if s > today + chrono::Days::new(366) {
            e.add("starts_on", "error.restriction_too_far");
        }
        if ends.is_some_and(|x| x < s) {
            e.add("ends_on", "error.detox_end_before_start");
        }
    }
    if f.reason.trim().is_empty() {
        e.add("reason", "error.required");
    } else if f.reason.chars().count() > 2000 {
        e.add("reason", "error.too_long");
    }
    let (Some(activity), Some(starts), true) = (activity, starts, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let m = medical_restriction::ActiveModel {
        admission_id: Set(a.id),
        activity: Set(activity.as_str().into()),
        starts_on: Set(starts),
        ends_on: Set(ends),
        reason: Set(f.reason.trim().to_owned()),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "treatment.restriction",
        "medical_restriction",
        m.id,
        json!({ "admission": a.id, "activity": m.activity, "from": starts, "until": ends }),
    )
    .await?;
    Ok(m)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DrugTestForm {
    pub tested_on: String,
    pub method: String,
    pub substances: String,
    /// `positive` or `negative`.
    pub result: String,
    pub note: String,
}

/// Records a drug test result.
pub async fn add_drug_test<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &DrugTestForm,
    today: NaiveDate,
) -> AppResult<drug_test::Model> {
    let a = get_admission(conn, admission_id).await?;
    active(&a, "tested_on")?;
    let mut e = FieldErrors::new();
    let on = date(&mut e, "tested_on", &f.tested_on);
    if let Some(on) = on {
        if on > today {
            e.add("tested_on", "error.date_in_future");
        } else if on < a.admitted_on {
            e.add("tested_on", "error.detox_before_admission");
        }
    }
    let method = detox::TestMethod::parse(&f.method);
    if method.is_none() {
        e.add("method", "error.required");
    }
    if f.substances.trim().is_empty() {
        e.add("substances", "error.required");
    } else if f.substances.chars().count() > 200 {
        e.add("substances", "error.too_long");
    }
    let positive = match f.result.trim() {
        "positive" => Some(true),
        "negative" => Some(false),
        _ => {
            e.add("result", "error.required");
            None
        }
    };
    let (Some(on), Some(method), Some(positive), true) = (on, method, positive, e.is_empty())
    else {
        return Err(AppError::Invalid(e));
    };
    let t = drug_test::ActiveModel {
        admission_id: Set(a.id),
        tested_on: Set(on),
        method: Set(method.as_str().into()),
        substances: Set(f.substances.trim().to_owned()),
        positive: Set(positive),
        note: Set(f.note.trim().to_owned()),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        "treatment.drug_test",
        "drug_test",
        t.id,
        json!({ "admission": a.id, "tested_on": on, "method": t.method, "positive": positive }),
    )
    .await?;
    Ok(t)
}

/// The record of one admission: its stage transitions, detox episodes, restrictions
/// and drug tests, latest first.
pub struct Record {
    pub transitions: Vec<stage_transition::Model>,
    pub episodes: Vec<detox_episode::Model>,
    pub restrictions: Vec<medical_restriction::Model>,
    pub tests: Vec<drug_test::Model>,
}

pub async fn record_of<C: ConnectionTrait>(conn: &C, admission_id: i32) -> AppResult<Record> {
    let transitions = stage_transition::Entity::find()
        .filter(stage_transition::COLUMN.admission_id.eq(admission_id))
        .order_by_desc(stage_transition::COLUMN.entered_on)
        .order_by_desc(stage_transition::COLUMN.id)
        .all(conn)
        .await?;
    let episodes = detox_episode::Entity::find()
        .filter(detox_episode::COLUMN.admission_id.eq(admission_id))
        .order_by_desc(detox_episode::COLUMN.started_on)
        .all(conn)
        .await?;
    let restrictions = medical_restriction::Entity::find()
        .filter(medical_restriction::COLUMN.admission_id.eq(admission_id))
        .order_by_desc(medical_restriction::COLUMN.starts_on)
        .all(conn)
        .await?;
    let tests = drug_test::Entity::find()
        .filter(drug_test::COLUMN.admission_id.eq(admission_id))
        .order_by_desc(drug_test::COLUMN.tested_on)
        .all(conn)
        .await?;
    Ok(Record {
        transitions,
        episodes,
        restrictions,
        tests,
    })
}

/// Stages an admission has entered (for the release check).
pub async fn stages_reached<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<Vec<i32>> {
    let mut reached: Vec<i32> = stage_transition::Entity::find()
        .filter(stage_transition::COLUMN.admission_id.eq(admission_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.stage)
        .collect();
    reached.sort_unstable();
    reached.dedup();
    Ok(reached)
}

/// The centre's plan of stage lengths, in days, indexed by stage (1–5).
pub async fn plan<C: ConnectionTrait>(conn: &C) -> AppResult<[Option<i32>; 6]> {
    #[derive(FromQueryResult)]
    struct Row {
        stage: i32,
        planned_days: i32,
    }
    let mut q = Query::select();
    q.from(Alias::new("stage_plan"))
        .columns([Alias::new("stage"), Alias::new("planned_days")]);
    let rows = Row::find_by_statement(conn.get_database_backend().build(&q))
        .all(conn)
        .await?;
    let mut out = [None; 6];
    for r in rows {
        if let Some(slot) = usize::try_from(r.stage).ok().and_then(|i| out.get_mut(i)) {
            *slot = Some(r.planned_days);
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WardQuery {
    pub zone: String,
    pub stage: Option<i32>,
    pub page: Option<u64>,
}

/// One line of the ward list.
#[derive(Clone, Debug, FromQueryResult)]
pub struct WardRow {
    pub admission_id: i32,
    pub resident_id: i32,
    pub code: String,
    pub full_name: String,
    pub zone: String,
    pub presence: String,
    pub stage: i32,
    pub stage_since: Option<NaiveDate>,
    pub admitted_on: NaiveDate,
    pub detox_class: Option<String>,
    pub detox_since: Option<NaiveDate>,
    pub detox_hours: Option<i32>,
    pub detox_last: Option<chrono::DateTime<Utc>>,
    /// The last periodic health check attended (from the timetable).
    pub last_health_check: Option<NaiveDate>,
}

/// The day of the last attended health check of `admission.id` (a correlated subquery
/// over one resident's attendance, by index).
const LAST_HEALTH_CHECK: &str = "(SELECT MAX(o.day) FROM attendance t \
    JOIN slot_occurrence o ON o.id = t.occurrence_id \
    JOIN schedule_slot s ON s.id = o.slot_id \
    JOIN attendance_reason ar ON ar.code = t.reason AND ar.counts_attended = TRUE \
    WHERE t.admission_id = admission.id AND s.kind = 'health_check' \
      AND NOT EXISTS (SELECT 1 FROM attendance x WHERE x.replaces_id = t.id))";

fn ward_base(q: &WardQuery) -> SelectStatement {
    let mut s = Query::select();
    s.from(admission::Entity)
        .inner_join(
            resident::Entity,
            Expr::col((resident::Entity, resident::Column::Id))
                .equals((admission::Entity, admission::Column::ResidentId)),
        )
        .join(
            JoinType::LeftJoin,
            detox_episode::Entity,
            Expr::col((detox_episode::Entity, detox_episode::Column::AdmissionId))
                .equals((admission::Entity, admission::Column::Id))
                .and(Expr::col((detox_episode::Entity, detox_episode::Column::EndedOn)).is_null()),
        )
        .and_where(Expr::col((admission::Entity, admission::Column::Status)).eq(ACTIVE));
    if !q.zone.trim().is_empty() {
        s.and_where(Expr::col((admission::Entity, admission::Column::Zone)).eq(q.zone.trim()));
    }
    if let Some(stage) = q.stage {
        s.and_where(Expr::col((admission::Entity, admission::Column::Stage)).eq(stage));
    }
    s
}

/// A page of the ward list and how many lines there are in all.
pub async fn ward<C: ConnectionTrait>(conn: &C, q: &WardQuery) -> AppResult<(Vec<WardRow>, u64)> {
    #[derive(FromQueryResult)]
    struct Counted {
        n: i64,
    }
    let base = ward_base(q);
    let backend = conn.get_database_backend();
    let mut c = base.clone();
    c.expr_as(
        Func::count(Expr::col((admission::Entity, admission::Column::Id))),
        "n",
    );
    let total = Counted::find_by_statement(backend.build(&c))
        .one(conn)
        .await?
        .map_or(0, |c| u64::try_from(c.n).unwrap_or(0));
    let page = std::cmp::max(q.page.unwrap_or(1), 1);
    let mut s = base;
    s.expr_as(
        Expr::col((admission::Entity, admission::Column::Id)),
        "admission_id",
    )
    .expr_as(
        Expr::col((resident::Entity, resident::Column::Id)),
        "resident_id",
    )
    .columns([
        (resident::Entity, resident::Column::Code),
        (resident::Entity, resident::Column::FullName),
    ])
    .columns([
        (admission::Entity, admission::Column::Zone),
        (admission::Entity, admission::Column::Presence),
        (admission::Entity, admission::Column::Stage),
        (admission::Entity, admission::Column::StageSince),
        (admission::Entity, admission::Column::AdmittedOn),
    ])
    .expr_as(
        Expr::col((detox_episode::Entity, detox_episode::Column::SubstanceClass)),
        "detox_class",
    )
    .expr_as(
        Expr::col((detox_episode::Entity, detox_episode::Column::StartedOn)),
        "detox_since",
    )
    .expr_as(
        Expr::col((
            detox_episode::Entity,
            detox_episode::Column::AssessmentHours,
        )),
        "detox_hours",
    )
    .expr_as(
        Expr::col((detox_episode::Entity, detox_episode::Column::LastAssessedAt)),
        "detox_last",
    )
    .expr_as(Expr::cust(LAST_HEALTH_CHECK), "last_health_check")
    .order_by((resident::Entity, resident::Column::NameSearch), Order::Asc)
    .order_by((admission::Entity, admission::Column::Id), Order::Asc)
    .limit(PAGE_SIZE)
    .offset((page - 1).saturating_mul(PAGE_SIZE));
    let rows = WardRow::find_by_statement(backend.build(&s))
        .all(conn)
        .await?;
    Ok((rows, total))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub stage_1: String,
    pub stage_2: String,
    pub stage_3: String,
    pub stage_4: String,
    pub stage_5: String,
}

impl PlanForm {
    pub fn of(plan: &[Option<i32>; 6]) -> PlanForm {
        let v = |s: usize| plan[s].map(|d| d.to_string()).unwrap_or_default();
        PlanForm {
            stage_1: v(1),
            stage_2: v(2),
            stage_3: v(3),
            stage_4: v(4),
            stage_5: v(5),
        }
    }
    fn fields(&self) -> [(&'static str, i32, &str); 5] {
        [
            ("stage_1", 1, &self.stage_1),
            ("stage_2", 2, &self.stage_2),
            ("stage_3", 3, &self.stage_3),
            ("stage_4", 4, &self.stage_4),
            ("stage_5", 5, &self.stage_5),
        ]
    }
}

/// The director sets the centre's planned length of each stage, in days (Decree
/// 116/2021 Art 27: each centre plans its own process).
pub async fn set_plan<C: ConnectionTrait>(conn: &C, actor: &Actor, f: &PlanForm) -> AppResult<()> {
    let mut e = FieldErrors::new();
    let mut days = Vec::new();
    for (field, stage, value) in f.fields() {
        match value.trim().parse::<i32>() {
            Ok(d) if (1..=730).contains(&d) => days.push((stage, d)),
            _ => e.add(field, "error.stage_days_range"),
        }
    }
    e.into_result()?;
    let before = plan(conn).await?;
    for (stage, d) in &days {
        let mut q = Query::update();
        q.table(Alias::new("stage_plan"))
            .value(Alias::new("planned_days"), *d)
            .and_where(Expr::col(Alias::new("stage")).eq(*stage));
        conn.execute(&q).await?;
    }
    audit::record(
        conn,
        actor,
        "treatment.plan",
        "stage_plan",
        "",
        json!({ "before": &before[1..], "after": days.iter().map(|(_, d)| d).collect::<Vec<_>>() }),
    )
    .await?;
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AssessmentForm {
    pub assessed_on: String,
    pub assessed_time: String,
    pub item_1: String,
    pub item_2: String,
    pub item_3: String,
    pub item_4: String,
    pub item_5: String,
    pub item_6: String,
    pub item_7: String,
    pub item_8: String,
    pub item_9: String,
    pub item_10: String,
    pub item_11: String,
    pub pulse: String,
    pub systolic: String,
    pub diastolic: String,
    /// °C, e.g. 37.2 (or 37,2).
    pub temperature: String,
    pub note: String,
}

/// The form fields of the COWS items, in the scale's order.
pub const ITEM_FIELDS: [&str; 11] = [
    "item_1", "item_2", "item_3", "item_4", "item_5", "item_6", "item_7", "item_8", "item_9",
    "item_10", "item_11",
];

impl AssessmentForm {
    pub fn items(&self) -> [&str; 11] {
        [
            &self.item_1,
            &self.item_2,
            &self.item_3,
            &self.item_4,
            &self.item_5,
            &self.item_6,
            &self.item_7,
            &self.item_8,
            &self.item_9,
            &self.item_10,
            &self.item_11,
        ]
    }
}

fn vital(
    e: &mut FieldErrors,
    field: &'static str,
    v: &str,
    range: std::ops::RangeInclusive<i32>,
) -> Option<i32> {
    if v.trim().is_empty() {
        return None;
    }
    match v.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            e.add(field, "error.vital_range");
            None
        }
    }
}

/// Records a COWS assessment of an open opioid detox episode: the total and the band
/// are computed from the items' anchor scores.
pub async fn record_assessment<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    episode_id: i32,
    f: &AssessmentForm,
    now: chrono::DateTime<Utc>,
) -> AppResult<crate::entities::withdrawal_assessment::Model> {
    use crate::entities::withdrawal_assessment;
    let ep = detox_episode::Entity::find_by_id(episode_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    if ep.ended_on.is_some() || ep.substance_class != SubstanceClass::Opioid.as_str() {
        e.add("item_1", "error.cows_opioid_open");
        return Err(AppError::Invalid(e));
    }
    let scores: Vec<Option<u8>> = f.items().iter().map(|v| v.trim().parse().ok()).collect();
    let total = super::cows::total(&scores).map_err(|i| {
        let mut e = FieldErrors::new();
        e.add(ITEM_FIELDS[i], "error.cows_item");
        AppError::Invalid(e)
    });
    if let Err(AppError::Invalid(errs)) = &total {
        for (k, v) in &errs.0 {
            e.add(k, v.clone());
        }
    }
    let day = date(&mut e, "assessed_on", &f.assessed_on);
    let time = chrono::NaiveTime::parse_from_str(f.assessed_time.trim(), "%H:%M").ok();
    if time.is_none() {
        e.add("assessed_time", "error.time_format");
    }
    let at = day
        .zip(time)
        .and_then(|(d, t)| {
            d.and_time(t)
                .and_local_timezone(crate::i18n::hanoi_offset())
                .single()
        })
        .map(|t| t.to_utc());
    if let Some(at) = at {
        if at > now + chrono::Duration::minutes(5) {
            e.add("assessed_on", "error.date_in_future");
        } else if at.date_naive() < ep.started_on - chrono::Days::new(1) {
            e.add("assessed_on", "error.detox_end_before_start");
        }
    }
    let pulse = vital(&mut e, "pulse", &f.pulse, 20..=250);
    let systolic = vital(&mut e, "systolic", &f.systolic, 50..=260);
    let diastolic = vital(&mut e, "diastolic", &f.diastolic, 20..=180);
    let temperature = if f.temperature.trim().is_empty() {
        None
    } else {
        match f.temperature.trim().replace(',', ".").parse::<f64>() {
            Ok(t) if (30.0..=45.0).contains(&t) => Some((t * 10.0).round() as i32),
            _ => {
                e.add("temperature", "error.vital_range");
                None
            }
        }
    };
    let (Ok(total), Some(at), true) = (total, at, e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let band = super::cows::band(total);
    let items = serde_json::to_string(&scores.iter().flatten().collect::<Vec<_>>())
        .map_err(|err| AppError::Internal(err.into()))?;
    let m = withdrawal_assessment::ActiveModel {
        episode_id: Set(ep.id),
        assessed_at: Set(at),
        scale: Set("cows".into()),
        items: Set(items),
        total: Set(i32::try_from(total).unwrap_or(0)),
        band: Set(band.into()),
        pulse: Set(pulse),
        systolic: Set(systolic),
        diastolic: Set(diastolic),
        temperature_tenths: Set(temperature),
        note: Set(f.note.trim().to_owned()),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if ep.last_assessed_at.is_none_or(|l| l < at) {
        let mut am: detox_episode::ActiveModel = ep.clone().into();
        am.last_assessed_at = Set(Some(at));
        am.update(conn).await?;
    }
    audit::record(
        conn,
        actor,
        "detox.assessment",
        "withdrawal_assessment",
        m.id,
        json!({ "episode": ep.id, "at": at, "total": total, "band": band }),
    )
    .await?;
    Ok(m)
}

/// The assessments of an episode, latest first.
pub async fn assessments<C: ConnectionTrait>(
    conn: &C,
    episode_id: i32,
) -> AppResult<Vec<crate::entities::withdrawal_assessment::Model>> {
    use crate::entities::withdrawal_assessment as wa;
    Ok(wa::Entity::find()
        .filter(wa::COLUMN.episode_id.eq(episode_id))
        .order_by_desc(wa::COLUMN.assessed_at)
        .all(conn)
        .await?)
}
