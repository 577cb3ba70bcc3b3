//! What the centre sent: the outbox, each summary as sent, and "send now".

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};

use super::outbox;
use super::schema::OccupancySummary;
use crate::entities::summary_outbox;
use crate::error::{AppError, AppResult};
use crate::i18n::format_datetime;
use crate::state::AppState;
use crate::web::PageCtx;

pub struct Row {
    pub row: summary_outbox::Model,
    pub created: String,
    pub sent: Option<String>,
    pub occupancy: i64,
    pub kind_key: String,
    /// Refused for good by the department.
    pub rejected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "summary/list.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub rows: Vec<Row>,
    pub pending: usize,
    pub department_url: Option<String>,
    pub public_key: Option<String>,
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<ListPage> {
    let rows = outbox::recent(&st.db, 100)
        .await?
        .into_iter()
        .map(|r| Row {
            created: format_datetime(r.created_at),
            sent: r.sent_at.map(format_datetime),
            occupancy: serde_json::from_str::<OccupancySummary>(&r.body)
                .map_or(0, |s| s.capacity.occupancy),
            kind_key: format!("summary.kind_{}", r.kind),
            rejected: r.last_error.starts_with("rejected"),
            row: r,
        })
        .collect();
    let pending = outbox::pending(&st.db).await?.len();
    Ok(ListPage {
        ctx,
        rows,
        pending,
        department_url: st.delivery.as_ref().and_then(|d| d.department_url.clone()),
        public_key: st
            .delivery
            .as_ref()
            .map(|d| super::signing::public_key_b64(&d.key)),
    })
}

/// The summary exactly as signed and sent (JSON).
pub async fn show(
    State(st): State<AppState>,
    Path(seq): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let row = outbox::by_sequence(&st.db, seq).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        row.body,
    ))
}

pub async fn send_now(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Redirect> {
    let (Some(d), Some(c)) = (&st.delivery, &st.instance.centre) else {
        return Err(AppError::NotFound);
    };
    outbox::enqueue(
        &st.db,
        &d.key,
        &ctx.actor(),
        &c.code,
        super::schema::Period::of("on_demand", st.today()),
        st.today(),
    )
    .await?;
    d.wake.notify_one();
    Ok(Redirect::to("/summaries?ok=summary_queued"))
}
