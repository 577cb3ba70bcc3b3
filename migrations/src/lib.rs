//! Schema migrations for rehabops. The same migrations run on SQLite (the embedded
//! default) and PostgreSQL (production). One file per migration; never edit one that
//! has landed, add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_intake;
mod m20261123_000003_summaries;
mod m20261123_000004_beds;
mod m20261123_000005_occupancy;
mod m20261123_000006_centre_days;
mod m20261123_000007_photos;
mod m20261123_000008_transfers;
mod m20261123_000009_handovers;
mod m20261123_000010_reduction_reviews;
mod m20261123_000011_one_correction;
mod m20261123_000012_address_units;
mod m20261124_000013_read_paths;
mod m20261124_000014_treatment;
mod m20261207_000015_name_search;
mod m20261208_000016_schedule;
mod m20261208_000017_medical_chart;
mod m20261208_000018_medication;
mod m20261208_000019_care_plans;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_intake::Migration),
            Box::new(m20261123_000003_summaries::Migration),
            Box::new(m20261123_000004_beds::Migration),
            Box::new(m20261123_000005_occupancy::Migration),
            Box::new(m20261123_000006_centre_days::Migration),
            Box::new(m20261123_000007_photos::Migration),
            Box::new(m20261123_000008_transfers::Migration),
            Box::new(m20261123_000009_handovers::Migration),
            Box::new(m20261123_000010_reduction_reviews::Migration),
            Box::new(m20261123_000011_one_correction::Migration),
            Box::new(m20261123_000012_address_units::Migration),
            Box::new(m20261124_000013_read_paths::Migration),
            Box::new(m20261124_000014_treatment::Migration),
            Box::new(m20261207_000015_name_search::Migration),
            Box::new(m20261208_000016_schedule::Migration),
            Box::new(m20261208_000017_medical_chart::Migration),
            Box::new(m20261208_000018_medication::Migration),
            Box::new(m20261208_000019_care_plans::Migration),
        ]
    }
}
