use sea_orm::entity::prelude::*;

/// A movement or status change of an admission. Never edited: a correction is a new row
/// whose `corrects_id` names the row it replaces.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admission_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    pub kind: String,
    pub occurred_on: Date,
    /// HH:MM, Hanoi time.
    pub occurred_time: String,
    pub document_ref: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Months of a term reduction; the new stage for a stage change.
    pub months: i32,
    pub travel_days: i32,
    /// Hospital, court or other place.
    pub place: String,
    pub corrects_id: Option<i32>,
    pub recorded_by: Option<i32>,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
