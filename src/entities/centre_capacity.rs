use sea_orm::entity::prelude::*;

/// Design scale (quy mô thiết kế) and receiving capacity (khả năng tiếp nhận) in force
/// from a date; the newest row not after a given day is the figure for that day.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "centre_capacity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub centre_id: i32,
    pub effective_from: Date,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub recorded_by: Option<i32>,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
