//! Corrections of recorded movements (đính chính): never an edit in place. A correction
//! is a new event of the same kind that points at the one it replaces; computations use
//! the replacement, the page shows both, and the audit log says who, when and why.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rules::EventKind;
use super::store::{self, ACTIVE};
use crate::audit::{self, Actor};
use crate::entities::admission_event;
use crate::error::{AppError, AppResult, FieldErrors, Msg};
use crate::i18n::{format_date, parse_date};

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CorrectionForm {
    /// dd/mm/yyyy.
    pub occurred_on: String,
    /// HH:MM (optional).
    pub occurred_time: String,
    pub document_ref: String,
    pub reason: String,
    pub place: String,
    /// Months, for a term reduction.
    pub months: String,
    /// Why the record is corrected (required).
    pub correction_reason: String,
}

/// Events that move the resident (change where they are).
fn moves(kind: &str) -> bool {
    !matches!(kind, "term_reduction" | "stage_change")
}

/// Checks the corrected date against the neighbours of the event among the movements
/// still in force: a correction may not reorder them.
pub fn check_date(
    on: NaiveDate,
    admitted_on: NaiveDate,
    today: NaiveDate,
    previous: Option<NaiveDate>,
    next: Option<NaiveDate>,
) -> Result<(), Msg> {
    if on > today {
        return Err(Msg::new("error.date_in_future"));
    }
    if on < admitted_on {
        return Err(Msg::new("error.before_admission").arg("date", format_date(admitted_on)));
    }
    if previous.is_some_and(|p| on < p) || next.is_some_and(|n| on > n) {
        return Err(Msg::new("error.correction_reorders"));
    }
    Ok(())
}

pub async fn correct<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    event_id: i32,
    f: &CorrectionForm,
    today: NaiveDate,
) -> AppResult<admission_event::Model> {
    let old = admission_event::Entity::find_by_id(event_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = store::get_admission(conn, old.admission_id).await?;
    if a.status != ACTIVE {
        return Err(AppError::invalid(
            "correction_reason",
            "error.admission_not_active",
        ));
    }
    let events = store::events_of(conn, a.id).await?;
    let effective = store::effective_events(&events);
    if !effective.iter().any(|e| e.id == old.id) {
        return Err(AppError::invalid(
            "correction_reason",
            "error.already_corrected",
        ));
    }
    let mut e = FieldErrors::new();
    let on = parse_date(&f.occurred_on);
    let time = f.occurred_time.trim();
    if !time.is_empty() && chrono::NaiveTime::parse_from_str(time, "%H:%M").is_err() {
        e.add("occurred_time", "error.time_format");
    }
    match on {
        None => e.add("occurred_on", "error.date_format"),
        Some(on) if moves(&old.kind) => {
            let mv: Vec<&&admission_event::Model> =
                effective.iter().filter(|x| moves(&x.kind)).collect();
            let pos = mv.iter().position(|x| x.id == old.id).unwrap_or(0);
            let previous = pos
                .checked_sub(1)
                .and_then(|i| mv.get(i))
                .map(|x| x.occurred_on);
            let next = mv.get(pos + 1).map(|x| x.occurred_on);
            if let Err(m) = check_date(on, a.admitted_on, today, previous, next) {
                e.add("occurred_on", m);
            }
        }
        Some(on) => {
            if let Err(m) = check_date(on, a.admitted_on, today, None, None) {
                e.add("occurred_on", m);
            }
        }
    }
    let months = if old.kind == EventKind::TermReduction.as_str() {
        match (f.months.trim().parse::<i32>(), on, a.term_months) {
            (Ok(m), Some(on), Some(term)) => {
                // The corrected reduction obeys the same rules as a new one, judged
                // against the other events in force (a merit reduction stays one).
                let others: Vec<admission_event::Model> = effective
                    .iter()
                    .filter(|x| x.id != old.id)
                    .map(|x| (*x).clone())
                    .collect();
                if let Err(msg) = super::rules::check_reduction(
                    a.admitted_on,
                    term,
                    i64::from(a.temp_days),
                    &store::term_events(&others),
                    on,
                    m,
                    old.months > 3,
                ) {
                    e.add("months", msg);
                }
                m
            }
            _ => {
                e.add(
                    "months",
                    Msg::new("error.number_range")
                        .arg("min", "1")
                        .arg("max", "6"),
                );
                old.months
            }
        }
    } else {
        old.months
    };
    let why = f.correction_reason.trim();
    if why.is_empty() {
        e.add("correction_reason", "error.reason_required");
    }
    for (field, value, max) in [
        ("document_ref", &f.document_ref, 128),
        ("place", &f.place, 200),
        ("reason", &f.reason, 2000),
        ("correction_reason", &f.correction_reason, 1000),
    ] {
        if value.chars().count() > max {
            e.add(field, "error.too_long");
        }
    }
    e.into_result()?;
    let on = on.ok_or(AppError::BadRequest("error.invalid"))?;
    let new = admission_event::ActiveModel {
        admission_id: Set(a.id),
        kind: Set(old.kind.clone()),
        occurred_on: Set(on),
        occurred_time: Set(time.to_owned()),
        document_ref: Set(f.document_ref.trim().to_owned()),
        reason: Set(f.reason.trim().to_owned()),
        months: Set(months),
        travel_days: Set(old.travel_days),
        place: Set(f.place.trim().to_owned()),
        corrects_id: Set(Some(old.id)),
        recorded_by: Set(actor.user_id),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| {
        // Two corrections of one record sent at once: the database lets one in.
        if crate::error::is_unique_violation(&err) {
            AppError::invalid("correction_reason", "error.already_corrected")
        } else {
            err.into()
        }
    })?;
    // Recompute what depends on the events: where the resident has been since when,
    // and the expected release date.
    let all = store::events_of(conn, a.id).await?;
    let last_move = store::effective_events(&all)
        .into_iter()
        .filter(|x| moves(&x.kind))
        .map(|x| x.occurred_on)
        .max();
    let before = json!({ "occurred_on": old.occurred_on, "document_ref": old.document_ref, "reason": old.reason, "months": old.months, "expected_end": a.expected_end });
    let mut am = a.clone().into_active_model();
    am.presence_since = Set(last_move.unwrap_or(a.admitted_on));
    let end = store::compute_end(&a, &all, today);
    am.expected_end = Set(end);
    am.half_term_on = Set(store::half_term_on(&a, &all));
    am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "admission.event_correct",
        "admission",
        a.id,
        json!({ "corrects": old.id, "kind": old.kind, "before": before,
                "after": { "occurred_on": on, "document_ref": new.document_ref, "reason": new.reason, "months": months, "expected_end": end },
                "correction_reason": why }),
    )
    .await?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_correction_keeps_movements_in_order() {
        let (adm, today) = (d(2025, 3, 2), d(2025, 6, 1));
        assert!(
            check_date(
                d(2025, 4, 12),
                adm,
                today,
                Some(d(2025, 4, 1)),
                Some(d(2025, 4, 20))
            )
            .is_ok()
        );
        assert_eq!(
            check_date(d(2025, 4, 21), adm, today, None, Some(d(2025, 4, 20)))
                .unwrap_err()
                .key,
            "error.correction_reorders"
        );
        assert_eq!(
            check_date(d(2025, 3, 1), adm, today, None, None)
                .unwrap_err()
                .key,
            "error.before_admission"
        );
        assert_eq!(
            check_date(d(2025, 6, 2), adm, today, None, None)
                .unwrap_err()
                .key,
            "error.date_in_future"
        );
    }
}

/// The correction form posted from the resident's page.
pub async fn post(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    ctx: crate::web::PageCtx,
    crate::web::Path(id): crate::web::Path<i32>,
    crate::web::Form(f): crate::web::Form<CorrectionForm>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let txn = crate::db::begin_write(&st.db).await?;
    match correct(&txn, &ctx.actor(), id, &f, st.today()).await {
        Ok(ev) => {
            txn.commit().await?;
            let a = store::get_admission(&st.db, ev.admission_id).await?;
            Ok(axum::response::Redirect::to(&format!(
                "/residents/{}?ok=event_corrected",
                a.resident_id
            ))
            .into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let old = admission_event::Entity::find_by_id(id)
                .one(&st.db)
                .await?
                .ok_or(AppError::NotFound)?;
            let a = store::get_admission(&st.db, old.admission_id).await?;
            let page =
                super::pages::show_with_correction_errors(&st, ctx, a.resident_id, id, f, errors)
                    .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e),
    }
}
