use sea_orm::entity::prelude::*;

/// One withdrawal assessment of a detox episode (COWS): the items as scored (JSON array),
/// the total and its band as computed, and vitals.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withdrawal_assessment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub episode_id: i32,
    pub assessed_at: DateTimeUtc,
    /// `cows`.
    pub scale: String,
    #[sea_orm(column_type = "Text")]
    pub items: String,
    pub total: i32,
    pub band: String,
    pub pulse: Option<i32>,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// Body temperature in tenths of a degree Celsius (372 = 37.2 °C).
    pub temperature_tenths: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
