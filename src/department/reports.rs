//! Consolidated monthly, quarterly and annual reports: on screen, as PDF (Vietnamese
//! or English, as the user reads) and XLSX; the public variants hide small cells.

use crate::web::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde::Deserialize;

use super::report::{self, CentreReport, ReportPeriod, suppression_mask};
use crate::entities::centre;
use crate::error::{AppError, AppResult};
use crate::i18n::Catalog;
use crate::state::AppState;
use crate::tabular::Cell;
use crate::web::PageCtx;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportQuery {
    /// `2026-10`, `2026-Q3` or `2026`.
    pub p: String,
    /// "1" for the public variant (small cells hidden).
    pub public: String,
}

/// Centres open at any time in the period (a centre merged or closed during it still
/// reports its part).
async fn centres_in<C: ConnectionTrait>(
    conn: &C,
    p: &ReportPeriod,
) -> AppResult<Vec<(String, String)>> {
    Ok(centre::Entity::find()
        .order_by_asc(centre::COLUMN.code)
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| c.opened_on <= p.to && c.closed_on.is_none_or(|x| x > p.from))
        // The short name keeps the table readable; the code is in the exports' mapping.
        .map(|c| {
            let name = if c.short_name.is_empty() {
                c.name
            } else {
                c.short_name
            };
            (c.code, name)
        })
        .collect())
}

pub struct Built {
    pub period: ReportPeriod,
    pub centres: Vec<CentreReport>,
    pub total: CentreReport,
}

pub async fn build<C: ConnectionTrait>(conn: &C, p: ReportPeriod) -> AppResult<Built> {
    let centres = centres_in(conn, &p).await?;
    let rows = super::days::between(conn, p.from, p.to).await?;
    let (each, total) = report::build(&rows, &centres, &p);
    Ok(Built {
        period: p,
        centres: each,
        total,
    })
}

fn period_of(q: &ReportQuery, today: NaiveDate) -> AppResult<ReportPeriod> {
    if q.p.trim().is_empty() {
        return ReportPeriod::previous_month(today).ok_or(AppError::NotFound);
    }
    ReportPeriod::parse(&q.p).ok_or_else(|| AppError::invalid("p", "error.report_period"))
}

const COMPULSORY: &[&str] = &["compulsory_adult", "compulsory_minor"];
const VOLUNTARY: &[&str] = &["voluntary"];
const TEMPORARY: &[&str] = &["temporary", "determination"];

/// The report as a table of text: header, one row per centre, the total. Person counts
/// are hidden ("<5" or "x") in the public variant.
/// The report's table with typed cells (numbers stay numbers in a spreadsheet).
pub fn table(cat: &Catalog, b: &Built, public: bool) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header: Vec<String> = [
        "centres.centre",
        "capacity.design_scale",
        "capacity.receiving_capacity",
        "report.occupancy_end",
    ]
    .iter()
    .map(|k| cat.t(k).to_owned())
    .collect();
    if !public {
        header.push(cat.t("report.occupancy_average").to_owned());
    }
    header.extend(
        [
            "report.intakes_compulsory",
            "report.intakes_voluntary",
            "report.intakes_temporary",
            "report.releases",
            "report.escapes",
            "report.escape_returns",
        ]
        .iter()
        .map(|k| cat.t(k).to_owned()),
    );
    let counts = |r: &CentreReport| {
        vec![
            r.occupancy_end,
            r.intakes_of(COMPULSORY),
            r.intakes_of(VOLUNTARY),
            r.intakes_of(TEMPORARY),
            r.releases_total(),
            r.escapes,
            r.escape_returns,
        ]
    };
    let matrix: Vec<Vec<i64>> = b.centres.iter().map(counts).collect();
    let mask = if public {
        suppression_mask(&matrix)
    } else {
        vec![vec![false; 7]; matrix.len()]
    };
    let mut rows = Vec::new();
    let width = header.len();
    for (i, r) in b.centres.iter().enumerate() {
        // No day of the period received (the future, or before the centre reported):
        // "no data", never a row of zeros.
        if r.days_covered == 0 {
            rows.push(no_data_row(cat, &r.name, width));
            continue;
        }
        let mut row = vec![
            Cell::Text(r.name.clone()),
            Cell::Int(r.design_scale),
            Cell::Int(r.receiving_capacity),
        ];
        let cell = |j: usize| {
            if mask[i][j] {
                Cell::Text("x".to_owned())
            } else {
                Cell::Int(matrix[i][j])
            }
        };
        row.push(cell(0));
        if !public {
            row.push(Cell::Int(r.occupancy_average));
        }
        for j in 1..7 {
            row.push(cell(j));
        }
        rows.push(row);
    }
    let t = &b.total;
    if t.days_covered == 0 {
        rows.push(no_data_row(cat, cat.t("report.total"), width));
        return (header, rows);
    }
    let mut row = vec![
        Cell::Text(cat.t("report.total").to_owned()),
        Cell::Int(t.design_scale),
        Cell::Int(t.receiving_capacity),
        Cell::Int(t.occupancy_end),
    ];
    if !public {
        row.push(Cell::Int(t.occupancy_average));
    }
    row.extend(counts(t).into_iter().skip(1).map(Cell::Int));
    if public {
        // A column with a single hidden cell and nothing else to hide beside it (the
        // other centres at 0) would give the cell away through its total: hide the total.
        for j in 0..7 {
            if mask.iter().filter(|m| m[j]).count() == 1 {
                let col = if j == 0 { 3 } else { 3 + j };
                row[col] = Cell::Text("x".to_owned());
            }
        }
    }
    rows.push(row);
    (header, rows)
}

fn no_data_row(cat: &Catalog, name: &str, width: usize) -> Vec<Cell> {
    let mut row = vec![Cell::Text(name.to_owned())];
    row.extend((1..width).map(|_| Cell::Text(cat.t("report.no_data").to_owned())));
    row
}

/// The cells as a page or a PDF shows them.
fn shown(cat: &Catalog, rows: Vec<Vec<Cell>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| r.iter().map(|c| c.shown(cat)).collect())
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "department/reports.html")]
pub struct ReportsPage {
    pub ctx: PageCtx,
    pub code: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub coverage: Vec<(String, i64)>,
    pub days: i64,
    pub quick: Vec<(String, String)>,
    pub error: Option<String>,
    /// No centre sent a day of the period.
    pub empty: bool,
}

impl ReportsPage {
    pub fn partial(&self, n: &i64) -> bool {
        *n < self.days
    }
    pub fn of_days(&self, n: &i64) -> String {
        format!("{n}/{}", self.days)
    }
}

fn title(cat: &Catalog, p: &ReportPeriod) -> String {
    match p.kind {
        report::PeriodKind::Month => cat.t2("report.title_month", "m", p.index, "y", p.year),
        report::PeriodKind::Quarter => cat.t2("report.title_quarter", "q", p.index, "y", p.year),
        report::PeriodKind::Year => cat.t1("report.title_year", "y", &p.year.to_string()),
    }
}

fn quick_links(cat: &Catalog, today: NaiveDate) -> Vec<(String, String)> {
    use chrono::Datelike;
    let mut out = Vec::new();
    if let Some(m) = ReportPeriod::previous_month(today) {
        out.push((m.code(), title(cat, &m)));
        let q = (m.index - 1) / 3 + 1;
        if let Some(q) = ReportPeriod::quarter(m.year, q) {
            out.push((q.code(), title(cat, &q)));
        }
    }
    for y in [today.year(), today.year() - 1] {
        if let Some(p) = ReportPeriod::year(y) {
            out.push((p.code(), title(cat, &p)));
        }
    }
    out
}

pub async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let today = st.today();
    let (p, error) = match period_of(&q, today) {
        Ok(p) => (p, None),
        Err(_) => (
            ReportPeriod::previous_month(today).ok_or(AppError::NotFound)?,
            Some(ctx.t("error.report_period").to_owned()),
        ),
    };
    let b = build(&st.db, p).await?;
    let (header, rows) = table(ctx.cat, &b, false);
    let rows = shown(ctx.cat, rows);
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        ReportsPage {
            code: if error.is_some() {
                q.p.clone()
            } else {
                p.code()
            },
            title: title(ctx.cat, &p),
            coverage: b
                .centres
                .iter()
                .map(|c| (c.name.clone(), c.days_covered))
                .collect(),
            days: p.days(),
            quick: quick_links(ctx.cat, today),
            empty: b.total.days_covered == 0,
            header,
            rows,
            error,
            ctx,
        },
    )
        .into_response())
}

pub async fn xlsx(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let p = period_of(&q, st.today())?;
    let public = q.public == "1";
    let b = build(&st.db, p).await?;
    let (header, rows) = table(ctx.cat, &b, public);
    let sheet = crate::tabular::Sheet {
        name: p.code(),
        title: Some(title(ctx.cat, &p)),
        header,
        rows,
        notes: if public {
            vec![ctx.t("report.suppression_note").to_owned()]
        } else {
            Vec::new()
        },
    };
    let body = tokio::task::spawn_blocking(move || sheet.to_xlsx())
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::attachment(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!(
            "bao-cao-{}{}.xlsx",
            p.code(),
            if public { "-cong-bo" } else { "" }
        ),
    ))
}

pub async fn pdf(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let p = period_of(&q, st.today())?;
    let public = q.public == "1";
    let b = build(&st.db, p).await?;
    let cat = ctx.cat;
    let (header, rows) = table(cat, &b, public);
    let rows = shown(cat, rows);
    let heading = title(cat, &p);
    let unit = crate::web::instance_name(&st, cat);
    let today = cat.date(st.today());
    let period_line = cat.t2(
        "report.period_line",
        "from",
        cat.date(p.from),
        "to",
        cat.date(p.to),
    );
    let coverage: Vec<String> = b
        .centres
        .iter()
        .filter(|c| c.days_covered < p.days())
        .map(|c| {
            cat.t2(
                "report.coverage_line",
                "centre",
                &c.name,
                "n",
                format!("{}/{}", c.days_covered, p.days()),
            )
        })
        .collect();
    let notes = (
        cat.t("report.source_note").to_owned(),
        cat.t("report.suppression_note").to_owned(),
        cat.t("report.place_date").replace("{date}", &today),
        cat.t("report.prepared_by").to_owned(),
    );
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, crate::pdf::PdfError> {
        let mut doc = crate::pdf::Doc::new(&heading)?;
        doc.para(&unit.to_uppercase());
        doc.space(4.0);
        doc.title(&heading);
        doc.subtitle(&period_line);
        doc.space(3.0);
        let mut shares = vec![2.0];
        shares.extend(std::iter::repeat_n(1.3, header.len() - 1));
        doc.table(&header, &rows, &shares, 1, true);
        doc.para(&notes.0);
        for c in &coverage {
            doc.para(c);
        }
        if public {
            doc.para(&notes.1);
        }
        doc.space(6.0);
        doc.place_date(&notes.2);
        doc.place_date(&notes.3);
        Ok(doc.finish())
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?;
    Ok(crate::web::attachment(
        body,
        "application/pdf",
        &format!(
            "bao-cao-{}{}.pdf",
            p.code(),
            if public { "-cong-bo" } else { "" }
        ),
    ))
}
