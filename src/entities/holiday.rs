use sea_orm::entity::prelude::*;

/// A public holiday (ngày nghỉ lễ, Tết): occurrences on it are cancelled.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holiday")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
