//! Treatment sessions of the weekly programme (counselling, education, life skills,
//! psychotherapy, health checks, sport): planned as slots of the centre's one timetable
//! (`crate::schedule`), which expands them and checks clashes with classes and shifts.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveTime, Timelike};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;

use crate::db;
use crate::entities::app_user;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;
use crate::schedule::recurrence::Rule;
use crate::schedule::store::{self, Audience, NewSlot, OnClash};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx};

/// The kinds of treatment session (Decree 116/2021 Art 27–30: counselling, education,
/// behaviour rehabilitation; health checks every 6 months, Art 65).
pub const KINDS: [&str; 8] = [
    "counselling_individual",
    "counselling_group",
    "education",
    "literacy",
    "life_skills",
    "psychotherapy",
    "health_check",
    "sport",
];

/// Monday … Sunday as the form names them.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub kind: String,
    pub title: String,
    /// `residents` or `zone`.
    pub audience: String,
    /// Resident codes, separated by commas or spaces.
    pub residents: String,
    pub zone: String,
    pub room: String,
    /// The leading staff member's account id.
    pub staff: String,
    pub first_day: String,
    pub last_day: String,
    pub mon: String,
    pub tue: String,
    pub wed: String,
    pub thu: String,
    pub fri: String,
    pub sat: String,
    pub sun: String,
    /// HH:MM, Hanoi time.
    pub start_time: String,
    pub duration: String,
    /// `exclude` or `refuse`.
    pub on_clash: String,
    /// Set when the planner goes ahead although the staff member is booked elsewhere.
    pub confirm_staff: String,
    pub note: String,
}

impl PlanForm {
    fn days(&self) -> [&String; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
    /// The weekday mask (Monday = 1 … Sunday = 64).
    pub fn weekdays(&self) -> u8 {
        self.days()
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .fold(0, |m, (i, _)| m | (1 << i))
    }
    pub fn day_checked(&self, i: &usize) -> bool {
        self.days().get(*i).is_some_and(|v| !v.is_empty())
    }
}

/// Staff who lead sessions: active accounts of the clinical and programme roles.
pub async fn staff_choices<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<(i32, String)>> {
    use crate::auth::{Permission, Role, role_has};
    let roles: Vec<&str> = Role::ALL
        .into_iter()
        .filter(|r| role_has(*r, Permission::RecordAttendance))
        .map(Role::as_str)
        .collect();
    Ok(app_user::Entity::find()
        .select_only()
        .columns([app_user::Column::Id, app_user::Column::FullName])
        .filter(app_user::Column::Active.eq(true))
        .filter(app_user::Column::Role.is_in(roles))
        .order_by_asc(app_user::Column::FullName)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The active admissions of the typed resident codes; unknown codes are an error that
/// names them.
async fn admissions_of<C: ConnectionTrait>(
    conn: &C,
    typed: &str,
    e: &mut FieldErrors,
) -> AppResult<Vec<i32>> {
    let codes: Vec<String> = typed
        .split([',', ';', ' ', '\n', '\t'])
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        e.add("residents", "error.required");
        return Ok(Vec::new());
    }
    if codes.len() > 500 {
        e.add("residents", "schedule.error.too_many");
        return Ok(Vec::new());
    }
    #[derive(sea_orm::FromQueryResult)]
    struct Found {
        id: i32,
        code: String,
    }
    let marks = vec!["?"; codes.len()].join(", ");
    let sql = format!(
        "SELECT a.id AS id, r.code AS code FROM admission a \
         JOIN resident r ON r.id = a.resident_id \
         WHERE a.status = ? AND r.code IN ({marks})"
    );
    let mut values: Vec<sea_orm::Value> = vec![crate::intake::store::ACTIVE.into()];
    values.extend(codes.iter().map(|c| c.clone().into()));
    let backend = conn.get_database_backend();
    let found = Found::find_by_statement(db::statement(backend, &sql, values))
        .all(conn)
        .await?;
    let found = found.into_iter().map(|f| (f.id, f.code));
    let by_code: HashMap<String, i32> = found.map(|(id, c)| (c, id)).collect();
    let unknown: Vec<&str> = codes
        .iter()
        .filter(|c| !by_code.contains_key(*c))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        e.add(
            "residents",
            crate::error::Msg::new("schedule.error.unknown_codes").arg("codes", unknown.join(", ")),
        );
    }
    let mut ids: Vec<i32> = codes
        .iter()
        .filter_map(|c| by_code.get(c).copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn parse_rule(f: &PlanForm, today: NaiveDate, e: &mut FieldErrors) -> Option<Rule> {
    let first = match f.first_day.trim() {
        "" => {
            e.add("first_day", "error.required");
            None
        }
        v => parse_date(v).or_else(|| {
            e.add("first_day", "error.date_format");
            None
        }),
    };
    if first.is_some_and(|d| d < today) {
        e.add("first_day", "schedule.error.past");
    }
    // Beyond the horizon a slot would not be expanded (nor checked) yet.
    let horizon = today + chrono::Duration::days(crate::schedule::recurrence::HORIZON_DAYS - 1);
    if first.is_some_and(|d| d > horizon) {
        e.add("first_day", "schedule.error.beyond_horizon");
    }
    let last = match f.last_day.trim() {
        "" => None,
        v => parse_date(v).or_else(|| {
            e.add("last_day", "error.date_format");
            None
        }),
    };
    if let (Some(a), Some(b)) = (first, last)
        && b < a
    {
        e.add("last_day", "schedule.error.last_before_first");
    }
    let start = NaiveTime::parse_from_str(f.start_time.trim(), "%H:%M").ok();
    if start.is_none() {
        e.add("start_time", "schedule.error.time_format");
    }
    let duration = f
        .duration
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (5..=720).contains(d));
    if duration.is_none() {
        e.add("duration", "schedule.error.duration");
    }
    Some(Rule {
        first_day: first?,
        last_day: last,
        weekdays: f.weekdays(),
        start_minute: start?.num_seconds_from_midnight() / 60,
        duration_minutes: duration?,
    })
}

/// The slot the form describes, or its field errors.
pub async fn parse<C: ConnectionTrait>(
    conn: &C,
    f: &PlanForm,
    today: NaiveDate,
) -> AppResult<NewSlot> {
    let mut e = FieldErrors::new();
    if !KINDS.contains(&f.kind.trim()) {
        e.add("kind", "error.required");
    }
    let title = f.title.trim();
    if title.is_empty() {
        e.add("title", "error.required");
    } else if title.chars().count() > 200 {
        e.add("title", "error.too_long");
    }
    let audience = match f.audience.trim() {
        "zone" => {
            let zones = crate::beds::store::zone_names(conn).await?;
            if !zones.iter().any(|z| z == f.zone.trim()) {
                e.add("zone", "error.required");
            }
            Audience::Zone(f.zone.trim().to_owned())
        }
        _ => Audience::Residents(admissions_of(conn, &f.residents, &mut e).await?),
    };
    let staff = match f.staff.trim() {
        "" => None,
        v => {
            let choices = staff_choices(conn).await?;
            let found = v
                .parse::<i32>()
                .ok()
                .and_then(|id| choices.into_iter().find(|(i, _)| *i == id));
            if found.is_none() {
                e.add("staff", "error.invalid");
            }
            found
        }
    };
    if f.room.trim().chars().count() > 100 {
        e.add("room", "error.too_long");
    }
    let rule = parse_rule(f, today, &mut e);
    let on_clash = match f.on_clash.trim() {
        "refuse" => OnClash::Refuse,
        _ => OnClash::Exclude,
    };
    e.into_result()?;
    Ok(NewSlot {
        area: "treatment",
        kind: f.kind.trim().to_owned(),
        title: title.to_owned(),
        audience,
        room: f.room.trim().to_owned(),
        staff,
        rule: rule.ok_or(AppError::BadRequest("error.invalid"))?,
        on_clash,
        note: f.note.trim().to_owned(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "treatment/session_new.html")]
pub struct NewSessionPage {
    pub ctx: PageCtx,
    pub form: PlanForm,
    pub errors: FieldErrors,
    pub kinds: Vec<Choice>,
    pub zones: Vec<String>,
    pub staff: Vec<(i32, String)>,
    pub weekdays: [&'static str; 7],
}

impl NewSessionPage {
    /// The staff member was found busy: the page asks to confirm.
    pub fn staff_busy(&self) -> bool {
        self.errors.key("staff") == Some("schedule.warn.staff_busy")
    }
    pub fn staff_chosen(&self, id: &i32) -> bool {
        self.form.staff.trim() == id.to_string()
    }
}

async fn render(
    st: &AppState,
    ctx: PageCtx,
    form: PlanForm,
    errors: FieldErrors,
) -> AppResult<NewSessionPage> {
    Ok(NewSessionPage {
        kinds: KINDS
            .iter()
            .map(|k| Choice {
                code: k,
                key: format!("slot_kind.{k}"),
            })
            .collect(),
        zones: crate::beds::store::zone_names(&st.db).await?,
        staff: staff_choices(&st.db).await?,
        weekdays: WEEKDAYS,
        ctx,
        form,
        errors,
    })
}

pub async fn new_session(State(st): State<AppState>, ctx: PageCtx) -> AppResult<NewSessionPage> {
    let mut form = PlanForm {
        first_day: ctx.cat.date(st.today()),
        duration: "60".into(),
        start_time: "08:00".into(),
        audience: "residents".into(),
        on_clash: "exclude".into(),
        ..PlanForm::default()
    };
    if let Some(u) = &ctx.user
        && crate::auth::role_has(u.role, crate::auth::Permission::RecordAttendance)
    {
        form.staff = u.id.to_string();
    }
    render(&st, ctx, form, FieldErrors::new()).await
}

pub async fn plan_session(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<PlanForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    let planned = match parse(&txn, &f, st.today()).await {
        Ok(slot) => {
            let confirmed = !f.confirm_staff.is_empty();
            store::plan(&txn, &ctx.actor(), &slot, st.today(), confirmed).await
        }
        Err(e) => Err(e),
    };
    match planned {
        Ok((id, _)) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/schedule/slots/{id}?ok=planned")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let page = render(&st, ctx, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
