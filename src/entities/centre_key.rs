use sea_orm::entity::prelude::*;

/// A centre's registered Ed25519 public key (department side).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "centre_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub centre_code: String,
    /// 32-byte public key, base64.
    pub public_key: String,
    pub registered_at: DateTimeUtc,
    pub registered_by: String,
    pub revoked_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
