use sea_orm::entity::prelude::*;

/// A legal regime's figures for one admission type, in force over a date range.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legal_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub regime_code: String,
    pub regime_name: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub admission_type: String,
    pub min_age: i32,
    pub max_age: Option<i32>,
    pub first_term_min: Option<i32>,
    pub first_term_max: Option<i32>,
    pub repeat_term_min: Option<i32>,
    pub repeat_term_max: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<i32>,
}

impl ActiveModelBehavior for ActiveModel {}
