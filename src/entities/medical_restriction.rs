use sea_orm::entity::prelude::*;

/// A doctor's restriction on an admission: unfit for an activity from a day until a day
/// (or further notice). Other areas read only that the resident is unfit (fitness), not
/// the reason.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medical_restriction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub admission_id: i32,
    /// `labour`, `classes` or `sport`.
    pub activity: String,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
