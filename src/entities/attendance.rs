use sea_orm::entity::prelude::*;

/// Attendance of one resident at one occurrence. A change is a new row that names the
/// row it replaces; the latest is current.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub occurrence_id: i32,
    pub admission_id: i32,
    /// A code of `attendance_reason`.
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub replaces_id: Option<i32>,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
