use sea_orm::entity::prelude::*;

/// An attendance reason shared by every area, with what it means.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance_reason")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub position: i32,
    pub counts_attended: bool,
    pub paid: bool,
    pub needs_note: bool,
    pub warns: bool,
}

impl ActiveModelBehavior for ActiveModel {}
