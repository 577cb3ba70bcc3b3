use sea_orm::entity::prelude::*;

/// An occupancy summary received from a centre, stored as sent (department side).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "received_summary")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub centre_code: String,
    pub sequence: i64,
    pub schema: String,
    pub kind: String,
    pub as_of: DateTimeUtc,
    pub period_from: Date,
    pub period_to: Date,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub body_sha256: String,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
