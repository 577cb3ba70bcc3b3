use sea_orm::entity::prelude::*;

/// A drug test of a resident (xét nghiệm ma túy): date, method, substances, result.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drug_test")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    pub tested_on: Date,
    /// `urine_rapid`, `laboratory`, `saliva` or `other`.
    pub method: String,
    /// The substances tested for, as written (e.g. "morphin, methamphetamin").
    pub substances: String,
    pub positive: bool,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
