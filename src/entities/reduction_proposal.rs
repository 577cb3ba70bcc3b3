use sea_orm::entity::prelude::*;

/// One resident on a quarter's review: proposed for `proposed_months` (0: not proposed,
/// with the reason).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reduction_proposal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub review_id: i32,
    pub admission_id: i32,
    pub resident_id: i32,
    pub served_days: i32,
    pub proposed_months: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

impl ActiveModelBehavior for ActiveModel {}
