use sea_orm::entity::prelude::*;

/// A signed occupancy summary waiting for (or acknowledged by) the department.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "summary_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub sequence: i64,
    pub kind: String,
    pub created_at: DateTimeUtc,
    /// The exact JSON bytes that were signed.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Ed25519 signature of `body`, base64.
    pub signature: String,
    pub sent_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub last_attempt_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub last_error: String,
}

impl ActiveModelBehavior for ActiveModel {}
