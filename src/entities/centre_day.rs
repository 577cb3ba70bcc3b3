use sea_orm::entity::prelude::*;

/// Department side: a centre's figures for one day, from the newest summary received
/// for that day (higher sequence replaces lower).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "centre_day")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub centre_code: String,
    pub day: Date,
    pub sequence: i64,
    pub kind: String,
    pub design_scale: i32,
    pub receiving_capacity: i32,
    pub working_beds: Option<i32>,
    pub occupancy: i32,
    /// JSON object: residents by `type.sex.age_band`.
    #[sea_orm(column_type = "Text")]
    pub residents: String,
    /// JSON object: intakes by admission type.
    #[sea_orm(column_type = "Text")]
    pub intakes: String,
    /// JSON object: releases by reason.
    #[sea_orm(column_type = "Text")]
    pub releases: String,
    pub escapes: i32,
    pub escape_returns: i32,
    /// Sums of `intakes` and `releases`, kept with them.
    pub intakes_total: i64,
    pub releases_total: i64,
}

impl ActiveModelBehavior for ActiveModel {}
