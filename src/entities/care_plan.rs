use sea_orm::entity::prelude::*;

/// A care plan version: classification, individual rehabilitation plan or
/// reintegration plan. A new version names the one it replaces; none is edited.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    /// `classification`, `rehabilitation` or `reintegration`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub assessment: String,
    #[sea_orm(column_type = "Text")]
    pub goals: String,
    #[sea_orm(column_type = "Text")]
    pub actions: String,
    pub review_on: Option<Date>,
    pub replaces_id: Option<i32>,
    pub written_by_name: String,
    pub written_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
