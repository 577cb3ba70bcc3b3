use sea_orm::entity::prelude::*;

/// A slot of the centre's one timetable (design.md §2): a treatment session, a vocational
/// class or a labour shift, one-off or weekly, for named residents or a zone.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_slot")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The owning area: `treatment`, `vocational` or `labour`.
    pub area: String,
    pub kind: String,
    pub title: String,
    /// `residents` or `zone`.
    pub audience: String,
    pub zone: String,
    pub room: String,
    pub staff_id: Option<i32>,
    pub staff_name: String,
    pub first_day: Date,
    pub last_day: Option<Date>,
    /// Monday = 1 … Sunday = 64; 0 = one-off on `first_day`.
    pub weekdays: i32,
    /// Local start, minutes after midnight (Hanoi).
    pub start_minute: i32,
    pub duration_minutes: i32,
    /// `exclude` or `refuse`.
    pub on_clash: String,
    /// Occurrences exist for days before this one.
    pub expanded_until: Date,
    pub cancelled_from: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_by_name: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
