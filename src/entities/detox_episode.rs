use sea_orm::entity::prelude::*;

/// A detox episode (đợt điều trị cắt cơn) of an admission: open while `ended_on` is empty.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "detox_episode")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    /// `opioid`, `stimulant`, `cannabis` or `other` (TT 18/2021/TT-BYT annexes 04–06).
    pub substance_class: String,
    pub protocol: String,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    /// Empty while open; `completed`, `transferred_hospital`, `interrupted`.
    pub outcome: String,
    /// Hours between withdrawal assessments.
    pub assessment_hours: i32,
    /// When the last assessment was recorded (stored with each one).
    pub last_assessed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
