use sea_orm::entity::prelude::*;

/// A medical flag (infectious disease, psychiatric, other) seen by medical roles only;
/// other areas read only whether the resident needs isolation.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medical_flag")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    /// `infectious`, `psychiatric` or `other`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub isolation: bool,
    pub starts_on: Date,
    pub ended_on: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub end_note: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
