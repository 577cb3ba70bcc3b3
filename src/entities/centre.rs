use sea_orm::entity::prelude::*;

/// A public rehabilitation centre (cơ sở cai nghiện ma túy công lập), as dated data.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "centre")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub district: String,
    pub address: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    /// Code of the centre this one was merged into, when it was.
    pub merged_into: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

impl ActiveModelBehavior for ActiveModel {}
