use sea_orm::entity::prelude::*;

/// A clinician's progress note (diễn biến) on an admission. Never edited: a correction
/// is a new note naming the one it corrects.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub corrects_id: Option<i32>,
    pub written_by_name: String,
    pub written_by_role: String,
    pub written_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
