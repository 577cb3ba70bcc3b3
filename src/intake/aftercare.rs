//! The after-care hand-off list (domain.md §9): residents released in a period after
//! completing their course, grouped by home commune, with the after-care duration, for
//! the commune police. Printable page and CSV.

use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use super::rules::{self, AdmissionType, ReleaseReason};
use super::store::RELEASED;
use crate::entities::{admission, resident};
use crate::error::AppResult;
use crate::i18n::{fold_for_search, format_date, parse_date};
use crate::state::AppState;
use crate::web::PageCtx;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Period {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug)]
pub struct HandOff {
    pub resident: resident::Model,
    /// The home address as recorded (street, commune, district).
    pub address: String,
    pub admission: admission::Model,
    pub released_on: NaiveDate,
    pub years: i32,
    pub aftercare_until: NaiveDate,
}

pub struct CommuneGroup {
    /// The commune whose police receive the hand-off today, or the name as recorded
    /// when that cannot be said.
    pub commune: String,
    /// Where a recorded name lies today when the group keeps it: several units for a
    /// commune split in 2025 (the street address decides), one for a merged province.
    pub now: Vec<String>,
    pub rows: Vec<HandOff>,
}

/// The group a resident's hand-off belongs to on `day`: a former Hà Nội commune goes
/// to the commune it became, so each commune police gets one list.
fn group_of(r: &resident::Model, day: NaiveDate) -> (String, Vec<String>) {
    use crate::divisions::{Divisions, Standing};
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let written = join(&[&r.home_commune, &r.home_district, &r.home_province]);
    let d = Divisions::shipped();
    let unit = r.home_unit.as_deref();
    match d.standing(unit, day) {
        // A former Hà Nội commune now wholly in one: that commune's police get the list.
        Standing::Became(now) if unit.is_some_and(|u| d.commune(u).is_some()) => {
            (join(&[&now, &r.home_province]), Vec::new())
        }
        // A merged province, or a split commune: the name as recorded, with today's.
        Standing::Became(now) => (written, vec![now]),
        Standing::Split(now) => (written, now),
        Standing::InForce | Standing::AsWritten => (written, Vec::new()),
    }
}

/// The period asked for, or the current month; and whether the dates were readable.
fn period(p: &Period, today: NaiveDate) -> (NaiveDate, NaiveDate, bool) {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let from = if p.from.trim().is_empty() {
        Some(first)
    } else {
        parse_date(&p.from)
    };
    let to = if p.to.trim().is_empty() {
        Some(today)
    } else {
        parse_date(&p.to)
    };
    match (from, to) {
        (Some(f), Some(t)) if f <= t => (f, t, true),
        _ => (first, today, false),
    }
}

pub async fn hand_offs(
    st: &AppState,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<CommuneGroup>> {
    let today = st.today();
    let released = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(RELEASED))
        .filter(admission::COLUMN.released_on.gte(from))
        .filter(admission::COLUMN.released_on.lte(to))
        .order_by_asc(admission::COLUMN.released_on)
        .all(&st.db)
        .await?;
    let people = resident::Entity::find()
        .filter(
            resident::COLUMN
                .id
                .is_in(released.iter().map(|a| a.resident_id).collect::<Vec<_>>()),
        )
        .all(&st.db)
        .await?;
    let mut rows: Vec<HandOff> = Vec::new();
    for a in released {
        let (Some(t), Some(reason), Some(on)) = (
            AdmissionType::parse(&a.admission_type),
            a.release_reason.as_deref().and_then(ReleaseReason::parse),
            a.released_on,
        ) else {
            continue;
        };
        let Some(r) = people.iter().find(|p| p.id == a.resident_id) else {
            continue;
        };
        let Some(years) = rules::aftercare_years(t, rules::age_on(r.date_of_birth, on), reason)
        else {
            continue;
        };
        let until = on
            .checked_add_months(chrono::Months::new(12 * years as u32))
            .unwrap_or(on);
        rows.push(HandOff {
            address: [
                r.home_address.as_str(),
                r.home_commune.as_str(),
                r.home_district.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
            resident: r.clone(),
            admission: a,
            released_on: on,
            years,
            aftercare_until: until,
        });
    }
    let mut keyed: Vec<((String, Vec<String>), HandOff)> = rows
        .into_iter()
        .map(|row| (group_of(&row.resident, today), row))
        .collect();
    keyed.sort_by(|(ga, a), (gb, b)| {
        (fold_for_search(&ga.0), a.released_on, &a.resident.code).cmp(&(
            fold_for_search(&gb.0),
            b.released_on,
            &b.resident.code,
        ))
    });
    // Grouped by the folded name, so "phường Láng Hạ" and "Phường Láng Hạ", or "Hoà"
    // and "Hòa", make one list; the first spelling met heads it.
    let mut groups: Vec<CommuneGroup> = Vec::new();
    for ((commune, now), row) in keyed {
        match groups.last_mut() {
            Some(g) if fold_for_search(&g.commune) == fold_for_search(&commune) => g.rows.push(row),
            _ => groups.push(CommuneGroup {
                commune,
                now,
                rows: vec![row],
            }),
        }
    }
    Ok(groups)
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/aftercare.html")]
pub struct AftercarePage {
    pub ctx: PageCtx,
    pub from: String,
    pub to: String,
    pub date_error: bool,
    pub groups: Vec<CommuneGroup>,
    pub total: usize,
    pub csv_query: String,
}

impl AftercarePage {
    pub fn date(&self, d: &NaiveDate) -> String {
        format_date(*d)
    }
}

pub async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(p): Query<Period>,
) -> AppResult<AftercarePage> {
    let (from, to, ok) = period(&p, st.today());
    let groups = hand_offs(&st, from, to).await?;
    let total = groups.iter().map(|g| g.rows.len()).sum();
    let csv_query =
        serde_urlencoded::to_string([("from", format_date(from)), ("to", format_date(to))])
            .unwrap_or_default();
    Ok(AftercarePage {
        ctx,
        from: format_date(from),
        to: format_date(to),
        date_error: !ok,
        groups,
        total,
        csv_query,
    })
}

/// The hand-off list as a table of text cells, header first.
fn table(ctx: &PageCtx, groups: &[CommuneGroup]) -> Vec<Vec<String>> {
    let t = |k: &str| ctx.t(k).to_owned();
    let mut records: Vec<Vec<String>> = vec![vec![
        t("aftercare.commune"),
        t("residents.code"),
        t("residents.full_name"),
        t("residents.date_of_birth"),
        t("residents.sex"),
        t("residents.home_address"),
        t("admission.type"),
        t("admission.released_on"),
        t("admission.release_reason"),
        t("aftercare.years"),
        t("aftercare.until"),
    ]];
    for g in groups {
        let commune = match g.now.as_slice() {
            [] => g.commune.clone(),
            [one] => format!(
                "{} ({})",
                g.commune,
                ctx.t1("residents.home_now", "name", one)
            ),
            many => format!(
                "{} ({})",
                g.commune,
                ctx.t1("residents.home_now_split", "names", &many.join("; "))
            ),
        };
        for r in &g.rows {
            records.push(vec![
                commune.clone(),
                r.resident.code.clone(),
                r.resident.full_name.clone(),
                format_date(r.resident.date_of_birth),
                t(&format!("sex.{}", r.resident.sex)),
                r.address.clone(),
                t(&format!("admission_type.{}", r.admission.admission_type)),
                format_date(r.released_on),
                t(&format!(
                    "release_reason.{}",
                    r.admission.release_reason.clone().unwrap_or_default()
                )),
                r.years.to_string(),
                format_date(r.aftercare_until),
            ]);
        }
    }
    records
}

/// CSV for the commune police (UTF-8 with BOM so spreadsheet programs read Vietnamese).
pub async fn csv(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(p): Query<Period>,
) -> AppResult<impl IntoResponse> {
    let (from, to, _) = period(&p, st.today());
    let groups = hand_offs(&st, from, to).await?;
    let body = crate::tabular::to_csv(&table(&ctx, &groups))
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let name = format!(
        "attachment; filename=\"aftercare-{}-{}.csv\"",
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}

/// The same list as an XLSX workbook (header bold, columns fitted).
pub async fn xlsx(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(p): Query<Period>,
) -> AppResult<impl IntoResponse> {
    let (from, to, _) = period(&p, st.today());
    let groups = hand_offs(&st, from, to).await?;
    let records = table(&ctx, &groups);
    let title = ctx.t("aftercare.title").to_owned();
    let body = tokio::task::spawn_blocking(move || crate::tabular::to_xlsx(&title, &records))
        .await
        .map_err(|e| crate::error::AppError::Internal(e.into()))?
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    let name = format!(
        "attachment; filename=\"aftercare-{}-{}.xlsx\"",
        from.format("%Y%m%d"),
        to.format("%Y%m%d")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    ))
}
