use sea_orm::entity::prelude::*;

/// What this database belongs to: set on first start, checked on every start so that a
/// centre's database is never opened as another centre's or as the department's.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_info")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: String,
    pub centre_code: Option<String>,
    pub demo: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
