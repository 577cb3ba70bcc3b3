//! The import page: upload, then the row-by-row report.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::import::{self, COLUMNS, ImportReport, Outcome};
use crate::error::{AppError, AppResult, Msg};
use crate::state::AppState;
use crate::web::PageCtx;

pub struct ReportLine {
    pub line: usize,
    pub name: String,
    pub status_key: &'static str,
    pub resident_id: Option<i32>,
    pub messages: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/import.html")]
pub struct ImportPage {
    pub ctx: PageCtx,
    pub columns: Vec<(&'static str, String)>,
    pub file_error: Option<String>,
    pub report: Option<ImportReport>,
    pub lines: Vec<ReportLine>,
    pub valid_only: bool,
}

fn page(
    ctx: PageCtx,
    file_error: Option<String>,
    report: Option<ImportReport>,
    valid_only: bool,
) -> ImportPage {
    let columns = COLUMNS
        .iter()
        .map(|(code, key)| (*code, ctx.t(key).to_owned()))
        .collect();
    let lines = report
        .as_ref()
        .map(|r| {
            r.rows
                .iter()
                .map(|row| match &row.outcome {
                    Outcome::Imported { resident_id, .. } => ReportLine {
                        line: row.line,
                        name: row.name.clone(),
                        status_key: if r.committed {
                            "import.imported"
                        } else {
                            "import.would_import"
                        },
                        resident_id: r.committed.then_some(*resident_id),
                        messages: Vec::new(),
                    },
                    Outcome::Skipped { resident_id } => ReportLine {
                        line: row.line,
                        name: row.name.clone(),
                        status_key: "import.skipped",
                        resident_id: Some(*resident_id),
                        messages: Vec::new(),
                    },
                    Outcome::Invalid(e) => ReportLine {
                        line: row.line,
                        name: row.name.clone(),
                        status_key: "import.invalid",
                        resident_id: None,
                        messages: e
                            .0
                            .iter()
                            .map(|(f, m)| format!("{}: {}", f, m.render(ctx.cat)))
                            .collect(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    ImportPage {
        ctx,
        columns,
        file_error,
        report,
        lines,
        valid_only,
    }
}

pub async fn form(ctx: PageCtx) -> ImportPage {
    page(ctx, None, None, false)
}

pub async fn upload(
    State(st): State<AppState>,
    ctx: PageCtx,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let code = st.centre_code()?;
    let mut bytes = Vec::new();
    let mut valid_only = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error.bad_form"))?
    {
        match field.name() {
            Some("file") => {
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest("error.body_too_large"))?
                    .to_vec()
            }
            Some("mode") => valid_only = field.text().await.unwrap_or_default() == "valid_only",
            _ => {}
        }
    }
    // Parsing is CPU work on untrusted input: off the async threads.
    let parsed = tokio::task::spawn_blocking(move || import::parse(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let rows = match parsed {
        Ok(r) => r,
        Err(m) => {
            let msg = m.render(ctx.cat);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(ctx, Some(msg), None, valid_only),
            )
                .into_response());
        }
    };
    if rows.is_empty() {
        let msg = Msg::new("error.import_empty").render(ctx.cat);
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(ctx, Some(msg), None, valid_only),
        )
            .into_response());
    }
    // An imported register records people who are already here (often when a centre
    // starts using rehabops), so it is not held to the receiving-capacity gate of a new
    // admission; the home page and dashboard show any excess.
    let limit = super::store::CapacityCheck::default();
    let report = import::run(
        &st.db,
        &ctx.actor(),
        &code,
        &rows,
        valid_only,
        st.today(),
        limit,
    )
    .await?;
    let status = if report.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page(ctx, None, Some(report), valid_only)).into_response())
}

/// An empty register with every column, to fill in.
pub async fn template_csv() -> impl IntoResponse {
    let header: Vec<String> = COLUMNS.iter().map(|(c, _)| (*c).to_owned()).collect();
    let body = crate::tabular::to_csv(&[header]).unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rehabops-register-template.csv\"",
            ),
        ],
        body,
    )
}
