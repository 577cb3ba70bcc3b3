use sea_orm::entity::prelude::*;

/// A resident in a slot's audience, possibly excused from it from a day on.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_member")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slot_id: i32,
    pub admission_id: i32,
    pub excused_from: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub excuse_note: String,
    /// Left the audience (another zone, released) on this day.
    pub left_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}
