use sea_orm::entity::prelude::*;

/// An admission entering one of the five stages (quy trình cai nghiện, L 73/2021 Art 29)
/// on a date, recorded by a user with a note.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stage_transition")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    pub stage: i32,
    pub entered_on: Date,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by: Option<i32>,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
