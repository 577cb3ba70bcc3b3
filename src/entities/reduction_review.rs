use sea_orm::entity::prelude::*;

/// The reduction review of one quarter (`2026-Q4`), prepared once.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reduction_review")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub quarter: String,
    pub prepared_by: String,
    pub prepared_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

impl ActiveModelBehavior for ActiveModel {}
