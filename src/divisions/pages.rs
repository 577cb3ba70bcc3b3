//! The reference page (`/divisions`) and its JSON twin: which names were in force when,
//! and what a former unit belongs to today. Reference data, no personal data.

use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AddressProblem, Commune, Divisions, Standing};
use crate::auth::{Access, Routes};
use crate::error::{AppError, AppResult, FieldErrors, Msg};
use crate::i18n::{fold_for_search, format_date};
use crate::state::AppState;
use crate::web::PageCtx;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/divisions", Access::Authenticated, page)
        .get("/api/v1/divisions", Access::Authenticated, api_search)
        .get(
            "/api/v1/divisions/resolve",
            Access::Authenticated,
            api_resolve,
        )
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct SearchQuery {
    /// Part of a name, diacritics and case ignored.
    pub q: String,
}

/// One unit and how it relates to the other side of the 2025 arrangement.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub key: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// For a former unit: the units it went into (`part` when split). For a current one:
    /// the units it was formed from.
    pub related: Vec<Related>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Related {
    pub key: String,
    pub name: String,
    /// The resolution's wording.
    pub share: super::Share,
    /// How many of the former unit's people went this way.
    pub people: super::People,
    /// Clause of NQ 1656/NQ-UBTVQH15 Art. 1.
    pub clause: u16,
}

fn row(d: &Divisions, c: &Commune) -> UnitRow {
    let related = if c.valid_to.is_some() {
        d.successions()
            .iter()
            .filter(|s| s.from == c.key)
            .filter_map(|s| {
                d.commune(&s.to).map(|u| Related {
                    key: u.key.clone(),
                    name: u.full_name(),
                    share: s.share,
                    people: d.people_in(s),
                    clause: s.clause,
                })
            })
            .collect()
    } else {
        d.formed_from(&c.key)
            .into_iter()
            .map(|(u, s)| Related {
                key: u.key.clone(),
                name: u.label(),
                share: s.share,
                people: d.people_in(s),
                clause: s.clause,
            })
            .collect()
    };
    UnitRow {
        key: c.key.clone(),
        name: c.label(),
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        related,
    }
}

/// Communes of Hà Nội whose name contains the query (all of today's when it is empty),
/// today's first.
pub fn search(d: &Divisions, q: &str, today: NaiveDate) -> Vec<UnitRow> {
    let q = super::fold_name(q).1;
    let mut hits: Vec<&Commune> = d
        .communes()
        .iter()
        .filter(|c| {
            if q.is_empty() {
                c.in_force_on(today)
            } else {
                c.folded.contains(&q)
                    || c.district
                        .as_ref()
                        .is_some_and(|x| fold_for_search(&x.name).contains(&q))
            }
        })
        .collect();
    hits.sort_by_cached_key(|c| (!c.in_force_on(today), fold_for_search(&c.label())));
    hits.into_iter().map(|c| row(d, c)).collect()
}

pub struct ProvinceRow {
    pub name: String,
    pub merged_from: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "divisions/index.html")]
pub struct DivisionsPage {
    pub ctx: PageCtx,
    pub q: String,
    pub rows: Vec<UnitRow>,
    pub provinces: Vec<ProvinceRow>,
    pub today: NaiveDate,
}

impl DivisionsPage {
    fn day(&self, d: &NaiveDate) -> String {
        format_date(*d)
    }
    /// What to say of one succession: nothing when all of it went, else how many of
    /// its people did.
    fn share_key(&self, x: &Related) -> Option<&'static str> {
        use super::{People, Share};
        match (x.people, x.share) {
            (People::All, Share::Whole) => None,
            (People::All, _) => Some("divisions.share_population"),
            (People::Some, _) => Some("divisions.part"),
            (People::None, _) => Some("divisions.share_area"),
        }
    }
    fn in_force(&self, r: &UnitRow) -> bool {
        r.valid_to.is_none_or(|t| self.today <= t)
    }
}

pub async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<SearchQuery>,
) -> AppResult<DivisionsPage> {
    let d = Divisions::shipped();
    let today = st.today();
    let rows = search(d, &q.q, today);
    let provinces = if q.q.trim().is_empty() {
        province_rows(d, today)
    } else {
        Vec::new()
    };
    Ok(DivisionsPage {
        ctx,
        q: q.q,
        rows,
        provinces,
        today,
    })
}

fn province_rows(d: &Divisions, today: NaiveDate) -> Vec<ProvinceRow> {
    let mut rows: Vec<ProvinceRow> = d
        .provinces()
        .iter()
        .filter(|p| p.in_force_on(today))
        .map(|p| ProvinceRow {
            name: p.full_name(),
            merged_from: d
                .provinces()
                .iter()
                .filter(|o| o.successor.as_deref() == Some(p.key.as_str()))
                .map(|o| o.full_name())
                .collect(),
        })
        .collect();
    rows.sort_by_key(|r| fold_for_search(&r.name));
    rows
}

#[utoipa::path(get, path = "/api/v1/divisions", tag = "divisions", params(SearchQuery),
    responses((status = 200, body = [UnitRow])), security(("bearer" = []), ("session" = [])))]
pub async fn api_search(
    State(st): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> axum::Json<Vec<UnitRow>> {
    axum::Json(search(Divisions::shipped(), &q.q, st.today()))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct ResolveQuery {
    pub province: String,
    /// Only for an address written with the names in force before 01/07/2025.
    pub district: String,
    pub commune: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Resolved {
    /// `01.002.00067` (a former commune), `01.00097` (a current one), or a province key
    /// outside Hà Nội.
    pub unit: String,
    pub province: String,
    pub district: String,
    pub commune: String,
    /// The units the address belongs to today (several when the commune was split).
    pub today: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/divisions/resolve", tag = "divisions", params(ResolveQuery),
    responses((status = 200, body = Resolved), (status = 422, description = "Unknown or ambiguous name, with suggestions")),
    security(("bearer" = []), ("session" = [])))]
pub async fn api_resolve(
    State(st): State<AppState>,
    Query(q): Query<ResolveQuery>,
) -> AppResult<axum::Json<Resolved>> {
    let d = Divisions::shipped();
    let today = st.today();
    let place = d
        .resolve(&q.province, &q.district, &q.commune, today)
        .map_err(|p| {
            let mut e = FieldErrors::new();
            let (field, msg) = problem_message(&p);
            e.add(field, msg);
            AppError::Invalid(e)
        })?;
    let now = match d.standing(Some(&place.unit), today) {
        Standing::Became(n) => vec![n],
        Standing::Split(names) => names,
        // In force: the commune itself in Hà Nội, the province elsewhere.
        Standing::InForce | Standing::AsWritten if d.commune(&place.unit).is_some() => {
            vec![place.commune.clone()]
        }
        Standing::InForce | Standing::AsWritten => vec![place.province.clone()],
    };
    Ok(axum::Json(Resolved {
        unit: place.unit,
        province: place.province,
        district: place.district,
        commune: place.commune,
        today: now,
    }))
}

/// The field an address problem belongs to, and its message.
pub fn problem_message(p: &AddressProblem) -> (&'static str, Msg) {
    let list = |v: &[String]| v.join("; ");
    match p {
        AddressProblem::UnknownProvince { suggestions } if suggestions.is_empty() => {
            ("province", Msg::new("divisions.error.unknown_province"))
        }
        AddressProblem::UnknownProvince { suggestions } => (
            "province",
            Msg::new("divisions.error.unknown_province_suggest").arg("names", list(suggestions)),
        ),
        AddressProblem::UnknownCommune { suggestions } if suggestions.is_empty() => {
            ("commune", Msg::new("divisions.error.unknown_commune"))
        }
        AddressProblem::UnknownCommune { suggestions } => (
            "commune",
            Msg::new("divisions.error.unknown_commune_suggest").arg("names", list(suggestions)),
        ),
        AddressProblem::Ambiguous { candidates } => (
            "commune",
            Msg::new("divisions.error.ambiguous").arg("names", list(candidates)),
        ),
        AddressProblem::TooLong { commune } => (
            if *commune { "commune" } else { "province" },
            Msg::new("error.too_long"),
        ),
    }
}
