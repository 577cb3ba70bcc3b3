//! Beds pages: the board, assignment from the resident's page, and the structure setup.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use serde_json::json;

use super::rules::ZoneKind;
use super::store::{self, AssignForm, IN_SERVICE, ZoneBoard};
use crate::audit;
use crate::auth::Role;
use crate::db;
use crate::entities::{bed, room, zone};
use crate::error::{AppError, AppResult, FieldErrors, is_unique_violation};
use crate::intake::rules::Sex;
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "beds/board.html")]
pub struct BoardPage {
    pub ctx: PageCtx,
    pub zones: Vec<ZoneBoard>,
    /// The zone whose rooms are drawn, when the plan is too long to draw whole.
    pub shown: Option<String>,
    pub used: usize,
    pub free: usize,
    pub out: usize,
    /// Everyone on the register by type and sex (in a bed or not).
    pub breakdown: store::Breakdown,
    /// Page of the shown zone's rooms, from 1, and how many pages it has.
    pub page: u64,
    pub pages: u64,
}

impl BoardPage {
    pub fn page_link(&self, page: u64) -> String {
        let zone = self.shown.clone().unwrap_or_default();
        let q = crate::web::query_string(&[("zone", &zone), ("page", &page.to_string())]);
        format!("/beds?{q}")
    }
}

/// Beds up to which the whole plan is drawn on one page; past it, one zone at a time.
const WHOLE_PLAN_BEDS: usize = 400;
/// Rooms of one zone drawn per page (about 150 beds), so a zone of a thousand beds is
/// not one page of a thousand cells.
pub const ROOMS_PER_PAGE: u64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    pub zone: String,
    /// Page of the zone's rooms (the plan's pager); past the last shows the last.
    pub page: Option<u64>,
}

pub async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    crate::web::Query(q): crate::web::Query<BoardQuery>,
) -> AppResult<BoardPage> {
    let (mut zones, breakdown) = store::zone_figures(&st.db).await?;
    let beds: usize = zones.iter().map(|z| z.used + z.free + z.out).sum();
    let asked = zones
        .iter()
        .find(|z| !q.zone.is_empty() && z.zone.code == q.zone)
        .map(|z| z.zone.code.clone());
    // An unknown zone in the address shows the first one, not the whole long plan.
    let shown = if asked.is_some() {
        asked
    } else if beds > WHOLE_PLAN_BEDS {
        zones
            .iter()
            .find(|z| z.used + z.free + z.out > 0)
            .map(|z| z.zone.code.clone())
    } else {
        None
    };
    // Only the zone shown is read bed by bed, a page of rooms at a time; the others
    // show their figures.
    let rooms = zones
        .iter()
        .find(|z| shown.as_deref() == Some(z.zone.code.as_str()))
        .map_or(0, |z| z.room_count);
    let pages = rooms.div_ceil(ROOMS_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let window = shown
        .as_ref()
        .map(|_| ((page - 1) * ROOMS_PER_PAGE, ROOMS_PER_PAGE));
    store::fill_rooms(
        &st.db,
        &mut zones,
        |z| shown.as_deref().is_none_or(|s| s == z.code),
        window,
    )
    .await?;
    let (used, free, out) = zones.iter().fold((0, 0, 0), |acc, z| {
        (acc.0 + z.used, acc.1 + z.free, acc.2 + z.out)
    });
    Ok(BoardPage {
        ctx,
        zones,
        shown,
        used,
        free,
        out,
        breakdown,
        page,
        pages,
    })
}

fn is_director(ctx: &PageCtx) -> bool {
    ctx.role() == Some(Role::Director)
}

pub async fn assign(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<AssignForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match store::assign(&txn, &ctx.actor(), is_director(&ctx), id, &f, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            let a = crate::intake::store::get_admission(&st.db, id).await?;
            // A move into a zone whose sessions clash with the resident's own is warned.
            let flash = if crate::care::sessions_left_out(&st.db, id, st.today()).await? > 0 {
                "bed_assigned_clash"
            } else {
                "bed_assigned"
            };
            Ok(Redirect::to(&format!("/residents/{}?ok={flash}", a.resident_id)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let a = crate::intake::store::get_admission(&st.db, id).await?;
            let page =
                crate::intake::pages::show_with_bed_errors(&st, ctx, a.resident_id, f, errors)
                    .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn vacate(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Redirect> {
    let txn = db::begin_write(&st.db).await?;
    store::vacate(&txn, &ctx.actor(), id, "vacated").await?;
    txn.commit().await?;
    let a = crate::intake::store::get_admission(&st.db, id).await?;
    Ok(Redirect::to(&format!(
        "/residents/{}?ok=bed_vacated",
        a.resident_id
    )))
}

// ---------- structure ----------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ZoneForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub sex: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RoomForm {
    pub zone_id: String,
    pub code: String,
    pub floor_area_m2: String,
    pub care_24h: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BedsForm {
    pub room_id: String,
    pub count: String,
    pub tags: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "beds/setup.html")]
pub struct SetupPage {
    pub ctx: PageCtx,
    pub zones: Vec<zone::Model>,
    pub rooms: Vec<(room::Model, String, usize)>,
    pub kinds: Vec<Choice>,
    pub sexes: Vec<Choice>,
    pub zone_form: ZoneForm,
    pub room_form: RoomForm,
    pub beds_form: BedsForm,
    pub errors: FieldErrors,
}

async fn setup_page(
    st: &AppState,
    ctx: PageCtx,
    zone_form: ZoneForm,
    room_form: RoomForm,
    beds_form: BedsForm,
    errors: FieldErrors,
) -> AppResult<SetupPage> {
    let s = store::structure(&st.db).await?;
    let rooms = s
        .rooms
        .iter()
        .map(|r| {
            let zone_name = s
                .zones
                .iter()
                .find(|z| z.id == r.zone_id)
                .map(|z| z.name.clone())
                .unwrap_or_default();
            (
                r.clone(),
                zone_name,
                s.beds.iter().filter(|b| b.room_id == r.id).count(),
            )
        })
        .collect();
    Ok(SetupPage {
        ctx,
        zones: s.zones,
        rooms,
        kinds: ZoneKind::ALL
            .iter()
            .map(|k| Choice {
                code: k.as_str(),
                key: k.label_key(),
            })
            .collect(),
        sexes: Sex::ALL
            .iter()
            .map(|s| Choice {
                code: s.as_str(),
                key: s.label_key(),
            })
            .collect(),
        zone_form,
        room_form,
        beds_form,
        errors,
    })
}

pub async fn setup(State(st): State<AppState>, ctx: PageCtx) -> AppResult<SetupPage> {
    setup_page(
        &st,
        ctx,
        ZoneForm::default(),
        RoomForm::default(),
        BedsForm {
            count: "6".into(),
            ..Default::default()
        },
        FieldErrors::new(),
    )
    .await
}

async fn invalid(
    st: &AppState,
    ctx: PageCtx,
    z: ZoneForm,
    r: RoomForm,
    b: BedsForm,
    e: FieldErrors,
) -> AppResult<Response> {
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        setup_page(st, ctx, z, r, b, e).await?,
    )
        .into_response())
}

pub async fn add_zone(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<ZoneForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let code = f.code.trim().to_uppercase();
    if code.is_empty() || code.chars().count() > 32 {
        e.add("zone_code", "error.required");
    }
    if f.name.trim().is_empty() {
        e.add("zone_name", "error.required");
    }
    let kind = ZoneKind::parse(&f.kind);
    if kind.is_none() {
        e.add("zone_kind", "error.required");
    }
    let sex = Sex::parse(&f.sex);
    if sex.is_none() {
        e.add("zone_sex", "error.required");
    }
    let (Some(kind), Some(sex), true) = (kind, sex, e.is_empty()) else {
        return invalid(&st, ctx, f, RoomForm::default(), BedsForm::default(), e).await;
    };
    let txn = db::begin_write(&st.db).await?;
    let row = zone::ActiveModel {
        code: Set(code),
        name: Set(f.name.trim().to_owned()),
        kind: Set(kind.as_str().into()),
        sex: Set(sex.as_str().into()),
        active: Set(true),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match row {
        Ok(r) => r,
        Err(err) if is_unique_violation(&err) => {
            drop(txn);
            let mut e = FieldErrors::new();
            e.add("zone_code", "error.duplicate");
            return invalid(&st, ctx, f, RoomForm::default(), BedsForm::default(), e).await;
        }
        Err(err) => return Err(err.into()),
    };
    audit::record(
        &txn,
        &ctx.actor(),
        "zone.create",
        "zone",
        row.id,
        json!({ "after": { "code": row.code, "kind": row.kind, "sex": row.sex } }),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/beds/setup?ok=zone_created").into_response())
}

pub async fn add_room(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<RoomForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let zone_id = f.zone_id.trim().parse::<i32>().ok();
    if zone_id.is_none() {
        e.add("room_zone", "error.required");
    }
    let code = f.code.trim().to_uppercase();
    if code.is_empty() || code.chars().count() > 32 {
        e.add("room_code", "error.required");
    }
    let area = f
        .floor_area_m2
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|a| *a > 0.0 && *a < 10_000.0);
    if area.is_none() {
        e.add("room_area", "error.area");
    }
    let (Some(zone_id), Some(area), true) = (zone_id, area, e.is_empty()) else {
        return invalid(&st, ctx, ZoneForm::default(), f, BedsForm::default(), e).await;
    };
    let txn = db::begin_write(&st.db).await?;
    let row = room::ActiveModel {
        zone_id: Set(zone_id),
        code: Set(code),
        floor_area_m2: Set(area),
        care_24h: Set(f.care_24h == "true"),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match row {
        Ok(r) => r,
        Err(err) => {
            drop(txn);
            let mut e = FieldErrors::new();
            e.add(
                "room_code",
                if is_unique_violation(&err) {
                    "error.duplicate"
                } else {
                    "error.room_zone"
                },
            );
            return invalid(&st, ctx, ZoneForm::default(), f, BedsForm::default(), e).await;
        }
    };
    audit::record(
        &txn,
        &ctx.actor(),
        "room.create",
        "room",
        row.id,
        json!({ "after": { "code": row.code, "zone": zone_id, "area": area } }),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/beds/setup?ok=room_created").into_response())
}

pub async fn add_beds(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<BedsForm>,
) -> AppResult<Response> {
    let mut e = FieldErrors::new();
    let room_id = f.room_id.trim().parse::<i32>().ok();
    let count = f
        .count
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    if room_id.is_none() {
        e.add("beds_room", "error.required");
    }
    if count.is_none() {
        e.add("beds_count", "error.bed_count");
    }
    let (Some(room_id), Some(count), true) = (room_id, count, e.is_empty()) else {
        return invalid(&st, ctx, ZoneForm::default(), RoomForm::default(), f, e).await;
    };
    let s = store::structure(&st.db).await?;
    let Some(r) = s.rooms.iter().find(|r| r.id == room_id) else {
        let mut e = FieldErrors::new();
        e.add("beds_room", "error.required");
        return invalid(&st, ctx, ZoneForm::default(), RoomForm::default(), f, e).await;
    };
    let z = s
        .zones
        .iter()
        .find(|z| z.id == r.zone_id)
        .map(|z| z.code.clone())
        .unwrap_or_default();
    let existing = s.beds.iter().filter(|b| b.room_id == r.id).count();
    let txn = db::begin_write(&st.db).await?;
    for i in 0..count as usize {
        // Codes read zone–room–number, e.g. B1-P03-05.
        let code = format!("{z}-{}-{:02}", r.code, existing + i + 1);
        bed::ActiveModel {
            room_id: Set(r.id),
            code: Set(code),
            tags: Set(f.tags.trim().to_owned()),
            state: Set(IN_SERVICE.into()),
            out_reason: Set(String::new()),
            out_until: Set(None),
            out_permanent: Set(false),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        &ctx.actor(),
        "bed.create",
        "room",
        r.id,
        json!({ "count": count }),
    )
    .await?;
    txn.commit().await?;
    Ok(Redirect::to("/beds/setup?ok=beds_created").into_response())
}
