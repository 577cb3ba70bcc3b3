use sea_orm::entity::prelude::*;

/// One occurrence of a slot: its day and its start and end as minutes since the Unix
/// epoch (UTC, from Hanoi local time).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_occurrence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slot_id: i32,
    pub day: Date,
    pub start_at: i64,
    pub end_at: i64,
    pub staff_id: Option<i32>,
    pub room: String,
    /// '' (held), `holiday` or `cancelled`.
    pub cancelled: String,
    #[sea_orm(column_type = "Text")]
    pub cancel_note: String,
}

impl ActiveModelBehavior for ActiveModel {}
