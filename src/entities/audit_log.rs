use sea_orm::entity::prelude::*;

/// One audited event: a write, a login, or a read of a resident's medical data.
/// Append-only: the database refuses UPDATE and DELETE on this table.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub user_id: Option<i32>,
    pub username: String,
    pub role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    pub request_id: String,
}

impl ActiveModelBehavior for ActiveModel {}
