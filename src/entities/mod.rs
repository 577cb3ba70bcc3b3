//! SeaORM entities for every table. They live together because relations cross areas;
//! behaviour lives in the areas' services, not here.

pub mod admission;
pub mod admission_event;
pub mod api_token;
pub mod app_user;
pub mod audit_log;
pub mod bed;
pub mod bed_assignment;
pub mod centre;
pub mod centre_capacity;
pub mod centre_key;
pub mod instance_info;
pub mod legal_rule;
pub mod received_summary;
pub mod resident;
pub mod room;
pub mod session;
pub mod summary_outbox;
pub mod zone;
