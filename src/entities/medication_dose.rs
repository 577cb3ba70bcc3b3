use sea_orm::entity::prelude::*;

/// One dose on the medication administration record: given, not given (with a reason)
/// or missed; times are minutes since the Unix epoch.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medication_dose")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    pub order_id: Option<i32>,
    pub due_at: Option<i64>,
    /// `given`, `not_given` or `missed`.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub given_at: Option<i64>,
    pub late: bool,
    pub drug: String,
    pub dose: String,
    pub route: String,
    pub needs_ack: bool,
    pub acked_by_name: String,
    pub acked_at: Option<DateTimeUtc>,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
