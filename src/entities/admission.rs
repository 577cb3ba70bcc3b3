use sea_orm::entity::prelude::*;

/// One stay at the centre under one legal basis. At most one is active per person.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admission")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub resident_id: i32,
    pub admission_type: String,
    /// `active` or `released`.
    pub status: String,
    pub presence: String,
    pub presence_since: Date,
    pub admitted_on: Date,
    /// Court decision, contract or management decision number.
    pub document_number: String,
    pub document_date: Date,
    pub issuing_body: String,
    pub guardian_name: String,
    pub term_months: Option<i32>,
    pub prior_rehabilitations: i32,
    pub rule_id: Option<i32>,
    pub regime_code: String,
    /// Days already spent in temporary management at a facility (deducted).
    pub temp_days: i32,
    pub expected_end: Option<Date>,
    /// Compulsory admissions: the day half the term is served (a reduction may then be
    /// proposed), kept with `expected_end` whenever the dates change; None when there is
    /// no term or a reduction was already granted.
    pub half_term_on: Option<Date>,
    pub zone: String,
    /// Current stage of the five-stage process (1–5).
    pub stage: i32,
    /// The day the current stage began (stored when the stage changes).
    pub stage_since: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub health_on_arrival: String,
    #[sea_orm(column_type = "Text")]
    pub documents_received: String,
    #[sea_orm(column_type = "Text")]
    pub belongings: String,
    pub released_on: Option<Date>,
    pub release_reason: Option<String>,
    pub release_document: String,
    pub from_centre: Option<String>,
    pub to_centre: Option<String>,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i32>,
    /// Infectious disease (group A/B): routes the resident to the infectious zone.
    pub infectious: bool,
    /// Received on transfer: the id of the signed package (received once).
    pub transfer_package_id: Option<String>,
    /// Received on transfer: the package as received (the history at the previous
    /// centre), JSON; empty otherwise.
    #[sea_orm(column_type = "Text")]
    pub transfer_record: String,
}

impl ActiveModelBehavior for ActiveModel {}
