use sea_orm::entity::prelude::*;

/// A doctor's medication order (y lệnh thuốc): regular at set local times, as needed
/// (PRN) or once now (STAT), from a day until a day or until stopped.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medication_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    pub drug: String,
    pub dose: String,
    pub route: String,
    /// `regular`, `prn` or `stat`.
    pub kind: String,
    /// Regular orders: local times as minutes after midnight, comma-separated.
    pub times: String,
    #[sea_orm(column_type = "Text")]
    pub indication: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    /// Stopped (minutes since the epoch): doses due from then on are not due.
    pub stopped_at: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub stop_reason: String,
    pub ordered_by_name: String,
    pub ordered_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
