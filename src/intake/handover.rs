//! Police handover slips (biên bản bàn giao): one slip carries several people; each is
//! received (registered or found, and admitted under the decision on the slip) or
//! refused with a reason. A slip is recorded whole or not at all.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::store::{self, AdmissionForm, CapacityCheck, Registered, ResidentForm};
use crate::audit::{self, Actor};
use crate::entities::{handover, handover_person};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::parse_date;

pub const RECEIVED: &str = "received";
pub const REFUSED: &str = "refused";
/// Most people on one slip.
pub const MAX_PEOPLE: usize = 50;

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HandoverPersonForm {
    /// `received` or `refused`.
    pub outcome: String,
    /// Required when refused (e.g. acute illness needing hospital care, file incomplete).
    pub refusal_reason: String,
    pub full_name: String,
    /// dd/mm/yyyy.
    pub date_of_birth: String,
    pub sex: String,
    /// `cccd` (default), `passport` or `birth_certificate`.
    pub id_kind: String,
    pub id_number: String,
    pub home_province: String,
    pub home_commune: String,
    pub admission_type: String,
    pub document_number: String,
    /// dd/mm/yyyy.
    pub document_date: String,
    pub issuing_body: String,
    pub term_months: String,
    pub guardian_name: String,
}

impl HandoverPersonForm {
    pub fn is_blank(&self) -> bool {
        [
            &self.full_name,
            &self.date_of_birth,
            &self.id_number,
            &self.document_number,
            &self.refusal_reason,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HandoverForm {
    pub slip_number: String,
    /// dd/mm/yyyy: the day of the handover (the admission date of those received).
    pub slip_date: String,
    pub handing_unit: String,
    pub officer: String,
    pub note: String,
    pub people: Vec<HandoverPersonForm>,
}

/// Errors of the slip's own fields and of each person line.
#[derive(Debug, Default)]
pub struct HandoverErrors {
    pub slip: FieldErrors,
    pub people: Vec<FieldErrors>,
}

impl HandoverErrors {
    pub fn is_empty(&self) -> bool {
        self.slip.is_empty() && self.people.iter().all(FieldErrors::is_empty)
    }
}

pub enum HandoverError {
    Invalid(HandoverErrors),
    App(AppError),
}

impl From<AppError> for HandoverError {
    fn from(e: AppError) -> Self {
        HandoverError::App(e)
    }
}

impl From<sea_orm::DbErr> for HandoverError {
    fn from(e: sea_orm::DbErr) -> Self {
        HandoverError::App(e.into())
    }
}

/// Records a slip: every person line is processed, all errors are reported together,
/// and nothing is kept unless every line is right (the caller rolls back on error).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    f: &HandoverForm,
    today: NaiveDate,
    limit: CapacityCheck,
) -> Result<handover::Model, HandoverError> {
    let mut errs = HandoverErrors {
        slip: FieldErrors::new(),
        people: vec![FieldErrors::new(); f.people.len()],
    };
    let number = f.slip_number.trim();
    if number.is_empty() || number.chars().count() > 64 {
        errs.slip.add("slip_number", "error.required");
    }
    let date = parse_date(&f.slip_date);
    match date {
        None if f.slip_date.trim().is_empty() => errs.slip.add("slip_date", "error.required"),
        None => errs.slip.add("slip_date", "error.date_format"),
        Some(d) if d > today => errs.slip.add("slip_date", "error.date_in_future"),
        _ => {}
    }
    if f.handing_unit.trim().is_empty() {
        errs.slip.add("handing_unit", "error.required");
    }
    if f.officer.trim().is_empty() {
        errs.slip.add("officer", "error.required");
    }
    let lines: Vec<(usize, &HandoverPersonForm)> = f
        .people
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_blank())
        .collect();
    if lines.is_empty() {
        errs.slip.add("people", "error.handover_empty");
    } else if lines.len() > MAX_PEOPLE {
        errs.slip.add("people", "error.handover_too_many");
    }
    let slip_date = date.unwrap_or(today);
    let mut done: Vec<(usize, Option<i32>, Option<i32>)> = Vec::new();
    for (i, p) in &lines {
        let e = &mut errs.people[*i];
        match p.outcome.trim() {
            REFUSED => {
                if p.full_name.trim().is_empty() {
                    e.add("full_name", "error.required");
                }
                if p.refusal_reason.trim().is_empty() {
                    e.add("refusal_reason", "error.reason_required");
                }
                done.push((*i, None, None));
            }
            RECEIVED => {
                if !errs.slip.is_empty() {
                    continue;
                }
                let rf = ResidentForm {
                    full_name: p.full_name.clone(),
                    date_of_birth: p.date_of_birth.clone(),
                    sex: p.sex.clone(),
                    id_kind: if p.id_kind.trim().is_empty() {
                        "cccd".into()
                    } else {
                        p.id_kind.clone()
                    },
                    id_number: p.id_number.clone(),
                    home_province: p.home_province.clone(),
                    home_commune: p.home_commune.clone(),
                    // Transcribed from the police slip: kept as written when unknown.
                    keep_as_written: true,
                    ..Default::default()
                };
                let person = match store::register(conn, actor, centre_code, &rf, today).await {
                    Ok(Registered::New(r) | Registered::Existing(r)) => r,
                    Err(AppError::Invalid(fe)) => {
                        *e = fe;
                        continue;
                    }
                    Err(other) => return Err(other.into()),
                };
                let af = AdmissionForm {
                    admission_type: p.admission_type.clone(),
                    document_number: p.document_number.clone(),
                    document_date: p.document_date.clone(),
                    issuing_body: p.issuing_body.clone(),
                    admitted_on: slip_date.format("%d/%m/%Y").to_string(),
                    term_months: p.term_months.clone(),
                    guardian_name: p.guardian_name.clone(),
                    documents_received: format!("Biên bản bàn giao số {number}"),
                    ..Default::default()
                };
                match store::admit(conn, actor, person.id, &af, today, limit).await {
                    Ok(a) => done.push((*i, Some(person.id), Some(a.id))),
                    Err(AppError::Invalid(fe)) => *e = fe,
                    Err(other) => return Err(other.into()),
                }
            }
            _ => e.add("outcome", "error.required"),
        }
    }
    if !errs.is_empty() {
        return Err(HandoverError::Invalid(errs));
    }
    let slip = handover::ActiveModel {
        slip_number: Set(number.to_owned()),
        slip_date: Set(slip_date),
        handing_unit: Set(f.handing_unit.trim().to_owned()),
        officer: Set(f.officer.trim().to_owned()),
        note: Set(f.note.trim().to_owned()),
        received_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let (mut received, mut refused) = (0, 0);
    for (n, (i, resident_id, admission_id)) in done.iter().enumerate() {
        let p = &f.people[*i];
        let outcome = if admission_id.is_some() {
            RECEIVED
        } else {
            REFUSED
        };
        if outcome == RECEIVED {
            received += 1;
        } else {
            refused += 1;
        }
        handover_person::ActiveModel {
            handover_id: Set(slip.id),
            line_no: Set(n as i32 + 1),
            full_name: Set(p.full_name.trim().to_owned()),
            id_number: Set(p.id_number.trim().chars().take(32).collect()),
            outcome: Set(outcome.into()),
            refusal_reason: Set(p.refusal_reason.trim().to_owned()),
            resident_id: Set(*resident_id),
            admission_id: Set(*admission_id),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    audit::record(
        conn,
        actor,
        "handover.record",
        "handover",
        slip.id,
        json!({ "slip": slip.slip_number, "unit": slip.handing_unit, "received": received, "refused": refused }),
    )
    .await?;
    Ok(slip)
}

pub async fn get<C: ConnectionTrait>(
    conn: &C,
    id: i32,
) -> AppResult<(handover::Model, Vec<handover_person::Model>)> {
    let h = handover::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = handover_person::Entity::find()
        .filter(handover_person::COLUMN.handover_id.eq(id))
        .order_by_asc(handover_person::COLUMN.line_no)
        .all(conn)
        .await?;
    Ok((h, people))
}

pub async fn list<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<(handover::Model, usize, usize)>> {
    let slips = handover::Entity::find()
        .order_by_desc(handover::COLUMN.slip_date)
        .order_by_desc(handover::COLUMN.id)
        .all(conn)
        .await?;
    let people = handover_person::Entity::find().all(conn).await?;
    Ok(slips
        .into_iter()
        .map(|h| {
            let mine = people.iter().filter(|p| p.handover_id == h.id);
            let received = mine.clone().filter(|p| p.outcome == RECEIVED).count();
            let refused = mine.filter(|p| p.outcome == REFUSED).count();
            (h, received, refused)
        })
        .collect())
}
