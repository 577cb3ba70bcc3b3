use sea_orm::entity::prelude::*;

/// A room of a zone; its floor area sets the ceiling of 6 m² (8 m² with 24-hour care)
/// per person (N116 Art 6).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "room")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub zone_id: i32,
    pub code: String,
    pub floor_area_m2: f64,
    pub care_24h: bool,
}

impl ActiveModelBehavior for ActiveModel {}
