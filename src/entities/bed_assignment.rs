use sea_orm::entity::prelude::*;

/// An admission in a bed from `from_at` until `to_at` (open while `to_at` is null). The
/// database allows one open assignment per bed and per admission.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bed_assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub bed_id: i32,
    pub admission_id: i32,
    pub from_at: DateTimeUtc,
    pub to_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// A director's written reason for placing outside the zone rules.
    #[sea_orm(column_type = "Text")]
    pub override_reason: String,
    pub assigned_by: String,
    pub ended_by: String,
}

impl ActiveModelBehavior for ActiveModel {}
