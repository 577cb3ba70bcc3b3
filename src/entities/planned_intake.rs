use sea_orm::entity::prelude::*;

/// Intakes announced ahead of time, for the forecast.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "planned_intake")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub expected_on: Date,
    pub count: i32,
    pub admission_type: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancelled_by: String,
}

impl ActiveModelBehavior for ActiveModel {}
