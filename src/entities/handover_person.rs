use sea_orm::entity::prelude::*;

/// One person on a handover slip: received (with the admission made) or refused.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handover_person")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub handover_id: i32,
    pub line_no: i32,
    pub full_name: String,
    pub id_number: String,
    /// `received` or `refused`.
    pub outcome: String,
    #[sea_orm(column_type = "Text")]
    pub refusal_reason: String,
    pub resident_id: Option<i32>,
    pub admission_id: Option<i32>,
}

impl ActiveModelBehavior for ActiveModel {}
