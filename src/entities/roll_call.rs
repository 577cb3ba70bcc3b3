use sea_orm::entity::prelude::*;

/// A nightly roll count (điểm danh): taken from the records, then confirmed by staff.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roll_call")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub day: Date,
    pub taken_at: DateTimeUtc,
    pub taken_by: String,
    pub confirmed_at: Option<DateTimeUtc>,
    pub confirmed_by: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

impl ActiveModelBehavior for ActiveModel {}
