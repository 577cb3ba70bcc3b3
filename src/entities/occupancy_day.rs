use sea_orm::entity::prelude::*;

/// Occupancy at the end of one calendar day, with the capacity then in force.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "occupancy_day")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub day: Date,
    /// Residents on the register (active admissions), wherever they are.
    pub occupancy: i32,
    /// Of those, present in the centre.
    pub present: i32,
    pub working_beds: Option<i32>,
    pub beds_used: Option<i32>,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    /// `live` or `reconstructed`.
    pub source: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
