use sea_orm::entity::prelude::*;

/// One resident in a roll count: where the records say they are, and whether staff
/// found them there.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roll_call_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub roll_call_id: i32,
    pub admission_id: i32,
    /// `in_bed`, `no_bed`, `out` or `departed`.
    pub status: String,
    pub presence: String,
    pub bed_code: String,
    pub zone: String,
    /// Admitted since the previous roll count.
    pub arrived: bool,
    /// Not found at the count (set when staff confirm).
    pub missing: bool,
    #[sea_orm(column_type = "Text")]
    pub remark: String,
}

impl ActiveModelBehavior for ActiveModel {}
