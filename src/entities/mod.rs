//! SeaORM entities for every table. They live together because relations cross areas;
//! behaviour lives in the areas' services, not here.

pub mod admission;
pub mod admission_event;
pub mod api_token;
pub mod app_user;
pub mod audit_log;
pub mod bed;
pub mod bed_assignment;
pub mod bed_state_change;
pub mod centre;
pub mod centre_capacity;
pub mod centre_day;
pub mod centre_key;
pub mod instance_info;
pub mod legal_rule;
pub mod occupancy_day;
pub mod planned_intake;
pub mod received_summary;
pub mod resident;
pub mod resident_photo;
pub mod roll_call;
pub mod roll_call_line;
pub mod room;
pub mod session;
pub mod summary_outbox;
pub mod zone;
