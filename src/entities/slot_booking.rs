use sea_orm::entity::prelude::*;

/// An occurrence booked for one member: the resident's time, checked for clashes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_booking")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub occurrence_id: i32,
    pub slot_id: i32,
    pub admission_id: i32,
    pub start_at: i64,
    pub end_at: i64,
    /// `booked`, `clash`, `excused` or `cancelled`; only `booked` takes the time.
    pub state: String,
}

impl ActiveModelBehavior for ActiveModel {}
