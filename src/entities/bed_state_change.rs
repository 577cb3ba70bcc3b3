use sea_orm::entity::prelude::*;

/// A change of a bed's state: out of service (with reason, expected return, temporary
/// or permanent) or back in service.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bed_state_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bed_id: i32,
    pub at: DateTimeUtc,
    pub state: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub until: Option<Date>,
    pub permanent: bool,
    pub changed_by: String,
}

impl ActiveModelBehavior for ActiveModel {}
