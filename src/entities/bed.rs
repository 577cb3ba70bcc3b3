use sea_orm::entity::prelude::*;

/// A bed: in service, or out of service with a reason and expected return.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bed")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub room_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    /// Comma-separated tags: detox, isolation, lower_bunk, …
    pub tags: String,
    /// `in_service` or `out_of_service`.
    pub state: String,
    #[sea_orm(column_type = "Text")]
    pub out_reason: String,
    pub out_until: Option<Date>,
    pub out_permanent: bool,
}

impl ActiveModelBehavior for ActiveModel {}
