//! Handover slip pages: the list, the entry form (several people on one slip, without
//! JavaScript: the form has as many lines as asked for), the slip and its PDF.

use crate::web::Path;
use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::handover::{self, HandoverErrors, HandoverForm, HandoverPersonForm};
use crate::db;
use crate::entities::{handover as slip_row, handover_person};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Choice, Form, PageCtx};

#[derive(Template, WebTemplate)]
#[template(path = "intake/handovers.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub rows: Vec<(slip_row::Model, usize, usize)>,
}

impl ListPage {
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<ListPage> {
    Ok(ListPage {
        rows: handover::list(&st.db).await?,
        ctx,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/handover_new.html")]
pub struct NewPage {
    pub ctx: PageCtx,
    pub form: HandoverForm,
    pub errors: HandoverErrors,
    pub types: Vec<Choice>,
    /// Names offered in the province and commune inputs (datalists).
    pub names: Names,
}

pub struct Names {
    pub provinces: Vec<String>,
    pub communes: Vec<String>,
}

impl Names {
    pub fn on(today: chrono::NaiveDate) -> Names {
        let d = crate::divisions::Divisions::shipped();
        Names {
            provinces: d.province_choices(today),
            communes: d.commune_choices(today),
        }
    }
}

/// Fields shown on each person line (others' errors are listed under the line).
const LINE_FIELDS: &[&str] = &[
    "outcome",
    "full_name",
    "date_of_birth",
    "id_number",
    "home_province",
    "home_commune",
    "document_number",
    "document_date",
    "issuing_body",
    "term_months",
    "guardian_name",
    "refusal_reason",
    "sex",
    "admission_type",
];

impl NewPage {
    /// The datalist an input of a person line offers, if any.
    pub fn list_for(&self, name: &str) -> &'static str {
        match name {
            "home_province" => "province-names",
            "home_commune" => "commune-names",
            _ => "",
        }
    }
    pub fn slip_value(&self, name: &str) -> &str {
        match name {
            "slip_number" => &self.form.slip_number,
            "slip_date" => &self.form.slip_date,
            "handing_unit" => &self.form.handing_unit,
            "officer" => &self.form.officer,
            _ => "",
        }
    }
    pub fn person_value(&self, i: &usize, name: &str) -> &str {
        let Some(p) = self.form.people.get(*i) else {
            return "";
        };
        match name {
            "full_name" => &p.full_name,
            "date_of_birth" => &p.date_of_birth,
            "id_number" => &p.id_number,
            "home_province" => &p.home_province,
            "home_commune" => &p.home_commune,
            "document_number" => &p.document_number,
            "document_date" => &p.document_date,
            "issuing_body" => &p.issuing_body,
            "term_months" => &p.term_months,
            "guardian_name" => &p.guardian_name,
            "refusal_reason" => &p.refusal_reason,
            _ => "",
        }
    }
    pub fn has(&self, i: &usize, name: &str) -> bool {
        self.errors.people.get(*i).is_some_and(|e| e.has(name))
    }
    pub fn err(&self, i: &usize, name: &str) -> Option<String> {
        self.errors
            .people
            .get(*i)?
            .get(name)
            .map(|m| self.ctx.msg(m))
    }
    pub fn line_ok(&self, i: &usize) -> bool {
        self.errors.people.get(*i).is_none_or(|e| e.is_empty())
    }
    /// Errors on fields the line does not show (e.g. the capacity gate).
    pub fn other_errors(&self, i: &usize) -> Vec<String> {
        self.errors
            .people
            .get(*i)
            .map(|e| {
                e.0.iter()
                    .filter(|(k, _)| !LINE_FIELDS.contains(k))
                    .map(|(_, m)| self.ctx.msg(m))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Rows {
    pub rows: String,
}

fn blank(n: usize) -> Vec<HandoverPersonForm> {
    (0..n)
        .map(|_| HandoverPersonForm {
            outcome: handover::RECEIVED.into(),
            id_kind: "cccd".into(),
            home_province: "Hà Nội".into(),
            ..Default::default()
        })
        .collect()
}

pub async fn form(State(st): State<AppState>, ctx: PageCtx, Query(q): Query<Rows>) -> NewPage {
    let n = q
        .rows
        .parse::<usize>()
        .unwrap_or(5)
        .clamp(1, handover::MAX_PEOPLE);
    NewPage {
        form: HandoverForm {
            slip_date: ctx.cat.date(st.today()),
            people: blank(n),
            ..Default::default()
        },
        errors: HandoverErrors {
            people: vec![Default::default(); n],
            ..Default::default()
        },
        types: super::pages::type_choices(),
        names: Names::on(st.today()),
        ctx,
    }
}

/// Reads `slip_*` fields and `p{i}_{field}` person lines from the posted pairs.
fn parse(pairs: &[(String, String)]) -> HandoverForm {
    let mut f = HandoverForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "slip_number" => f.slip_number = v.clone(),
            "slip_date" => f.slip_date = v.clone(),
            "handing_unit" => f.handing_unit = v.clone(),
            "officer" => f.officer = v.clone(),
            "note" => f.note = v.clone(),
            _ => {
                let Some((idx, field)) = k
                    .strip_prefix('p')
                    .and_then(|rest| rest.split_once('_'))
                    .and_then(|(i, field)| Some((i.parse::<usize>().ok()?, field)))
                else {
                    continue;
                };
                if idx >= handover::MAX_PEOPLE {
                    continue;
                }
                if f.people.len() <= idx {
                    f.people.resize(idx + 1, HandoverPersonForm::default());
                }
                let p = &mut f.people[idx];
                let slot = match field {
                    "outcome" => &mut p.outcome,
                    "refusal_reason" => &mut p.refusal_reason,
                    "full_name" => &mut p.full_name,
                    "date_of_birth" => &mut p.date_of_birth,
                    "sex" => &mut p.sex,
                    "id_kind" => &mut p.id_kind,
                    "id_number" => &mut p.id_number,
                    "home_province" => &mut p.home_province,
                    "home_commune" => &mut p.home_commune,
                    "admission_type" => &mut p.admission_type,
                    "document_number" => &mut p.document_number,
                    "document_date" => &mut p.document_date,
                    "issuing_body" => &mut p.issuing_body,
                    "term_months" => &mut p.term_months,
                    "guardian_name" => &mut p.guardian_name,
                    _ => continue,
                };
                *slot = v.clone();
            }
        }
    }
    f
}

pub async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let code = st.centre_code()?;
    let mut f = parse(&pairs);
    // "More lines": the same form back with five more blank lines, nothing saved (a
    // POST, so what was typed never lands in a URL).
    if pairs.iter().any(|(k, _)| k == "more") {
        let n = (f.people.len() + 5).min(handover::MAX_PEOPLE);
        f.people.extend(blank(n.saturating_sub(f.people.len())));
        return Ok(NewPage {
            errors: HandoverErrors {
                people: vec![Default::default(); f.people.len()],
                ..Default::default()
            },
            form: f,
            types: super::pages::type_choices(),
            names: Names::on(st.today()),
            ctx,
        }
        .into_response());
    }
    let limit = super::pages::capacity_limit(&st, ctx.role()).await?;
    let txn = db::begin_write(&st.db).await?;
    match handover::record(&txn, &ctx.actor(), &code, &f, st.today(), limit).await {
        Ok(slip) => {
            txn.commit().await?;
            Ok(
                Redirect::to(&format!("/handovers/{}?ok=handover_recorded", slip.id))
                    .into_response(),
            )
        }
        Err(handover::HandoverError::Invalid(mut errors)) => {
            drop(txn);
            errors.people.resize(f.people.len(), Default::default());
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                NewPage {
                    form: f,
                    errors,
                    types: super::pages::type_choices(),
                    names: Names::on(st.today()),
                    ctx,
                },
            )
                .into_response())
        }
        Err(handover::HandoverError::App(e)) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/handover.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub slip: slip_row::Model,
    pub people: Vec<handover_person::Model>,
}

impl ShowPage {
    pub fn day(&self, d: &chrono::NaiveDate) -> String {
        self.ctx.cat.date(*d)
    }
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<ShowPage> {
    let (slip, people) = handover::get(&st.db, id).await?;
    Ok(ShowPage { ctx, slip, people })
}

/// The slip as received, printable (biên bản bàn giao, the centre's copy).
pub async fn pdf(
    State(st): State<AppState>,
    _ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let (slip, people) = handover::get(&st.db, id).await?;
    let centre = st
        .instance
        .centre
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    // The officer who received the slip signs it, whoever prints it.
    let clerk = {
        use sea_orm::{EntityTrait, QueryFilter};
        crate::entities::app_user::Entity::find()
            .filter(
                crate::entities::app_user::COLUMN
                    .username
                    .eq(slip.received_by.as_str()),
            )
            .one(&st.db)
            .await?
            .map_or_else(|| slip.received_by.clone(), |u| u.full_name)
    };
    let cat = crate::i18n::Lang::Vi.catalog();
    let bytes = tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
        let mut doc = crate::pdf::Doc::new(cat.t("handover.pdf_title"))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?;
        super::documents::header(&mut doc, cat, &centre);
        doc.title(&cat.t("handover.pdf_title").to_uppercase());
        doc.subtitle(&cat.t1("handover.slip_line", "number", &slip.slip_number));
        doc.para(
            &cat.t("handover.pdf_opening")
                .replace("{date}", &super::documents::long_date(cat, slip.slip_date))
                .replace("{unit}", &slip.handing_unit)
                .replace("{officer}", &slip.officer)
                .replace("{centre}", &centre),
        );
        let header = vec![
            cat.t("handover.no").to_owned(),
            cat.t("residents.full_name").to_owned(),
            cat.t("handover.id_number").to_owned(),
            cat.t("handover.outcome").to_owned(),
        ];
        let rows: Vec<Vec<String>> = people
            .iter()
            .map(|p| {
                vec![
                    p.line_no.to_string(),
                    p.full_name.clone(),
                    p.id_number.clone(),
                    if p.outcome == handover::RECEIVED {
                        cat.t("handover.received").to_owned()
                    } else {
                        format!("{}: {}", cat.t("handover.refused"), p.refusal_reason)
                    },
                ]
            })
            .collect();
        doc.table(&header, &rows, &[0.6, 3.0, 2.0, 3.4], 4, false);
        if !slip.note.is_empty() {
            doc.para(&slip.note);
        }
        doc.signatures(
            &[
                (cat.t("handover.sign_handing"), slip.officer.as_str()),
                (cat.t("handover.sign_receiving"), clerk.as_str()),
            ],
            cat.t("pdf.sign_hint"),
        );
        Ok(doc.finish())
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    Ok(
        super::documents::pdf_response(bytes, format!("bien-ban-ban-giao-{}.pdf", slip.id))
            .into_response(),
    )
}
