use sea_orm::entity::prelude::*;

/// A police handover slip (biên bản bàn giao) as received by the intake desk.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handover")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slip_number: String,
    pub slip_date: Date,
    /// The handing unit, e.g. the district police.
    pub handing_unit: String,
    pub officer: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub received_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
