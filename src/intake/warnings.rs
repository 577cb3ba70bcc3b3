//! The intake warnings of the home page, for every active admission of the centre.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};

use super::rules::{self, AdmissionType, Presence, Warning, WarningFacts};
use super::store::{self, ACTIVE};
use crate::entities::{admission, admission_event, resident};
use crate::error::AppResult;

pub struct WarningRow {
    pub resident: resident::Model,
    pub admission: admission::Model,
    pub warning: Warning,
    /// Days counted toward the term today.
    pub served_days: i64,
}

impl WarningRow {
    /// Lower is more urgent: deadlines first, then absences, then reviews.
    pub fn urgency(&self) -> u8 {
        match self.warning {
            Warning::DeterminationDue { .. } => 0,
            Warning::EndOfTermSoon { .. } => 1,
            Warning::VoluntaryAbsent { .. } => 2,
            Warning::LongHospitalStay { .. } => 3,
            Warning::ReductionCandidate => 4,
        }
    }

    /// Catalogue key and the value for its `{n}` placeholder.
    pub fn message(&self) -> (&'static str, i64) {
        match self.warning {
            Warning::EndOfTermSoon { days_left } => ("warning.end_of_term", days_left),
            Warning::VoluntaryAbsent { working_days } => ("warning.voluntary_absent", working_days),
            Warning::LongHospitalStay { days } => ("warning.long_hospital_stay", days),
            Warning::ReductionCandidate => ("warning.reduction_candidate", 0),
            Warning::DeterminationDue { days_left } => ("warning.determination_due", days_left),
        }
    }
}

pub async fn for_centre<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> AppResult<Vec<WarningRow>> {
    let active = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .all(conn)
        .await?;
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = active.iter().map(|a| a.id).collect();
    let events = admission_event::Entity::find()
        .filter(admission_event::COLUMN.admission_id.is_in(ids))
        .all(conn)
        .await?;
    let residents = resident::Entity::find()
        .filter(
            resident::COLUMN
                .id
                .is_in(active.iter().map(|a| a.resident_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for a in active {
        let Some(t) = AdmissionType::parse(&a.admission_type) else {
            continue;
        };
        let Some(person) = residents.iter().find(|r| r.id == a.resident_id) else {
            continue;
        };
        let own: Vec<admission_event::Model> = events
            .iter()
            .filter(|e| e.admission_id == a.id)
            .cloned()
            .collect();
        let te = store::term_events(&own);
        let facts = WarningFacts {
            admission_type: t,
            presence: Presence::parse(&a.presence).unwrap_or(Presence::Present),
            presence_since: a.presence_since,
            admitted_on: a.admitted_on,
            // While escaped the end moves every day: the stored date is the one computed
            // when the escape was recorded.
            expected_end: if a.presence == Presence::Escaped.as_str() {
                store::compute_end(&a, &own, today)
            } else {
                a.expected_end
            },
            term_months: a.term_months,
            served_days: rules::served_days(a.admitted_on, i64::from(a.temp_days), &te, today),
            reduced_already: te.iter().any(|e| e.kind == rules::EventKind::TermReduction),
        };
        for w in rules::warnings(&facts, today) {
            out.push(WarningRow {
                resident: person.clone(),
                admission: a.clone(),
                warning: w,
                served_days: facts.served_days,
            });
        }
    }
    out.sort_by_key(|w| (w.urgency(), w.admission.expected_end));
    Ok(out)
}
