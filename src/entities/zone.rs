use sea_orm::entity::prelude::*;

/// A zone (khu) of the centre: a kind and a sex (L 73/2021 Art 35.2–35.3).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "zone")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: String,
    pub sex: String,
    pub active: bool,
}

impl ActiveModelBehavior for ActiveModel {}
