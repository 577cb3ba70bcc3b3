//! Roles and permissions: the single table of who may do what. Routes name a
//! permission; nothing else in the code decides access.

use serde::{Deserialize, Serialize};

use crate::config::InstanceKind;

/// A staff role. A user has exactly one, in one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Intake desk (bộ phận tiếp nhận): admissions, beds, movements, releases.
    IntakeClerk,
    /// Doctor (bác sĩ): treatment, prescribing.
    Doctor,
    /// Nurse (điều dưỡng): treatment records, medication administration.
    Nurse,
    /// Dispenser (cấp phát thuốc): methadone/buprenorphine dosing and stock.
    Dispenser,
    /// Counsellor (cán bộ tư vấn, tâm lý): counselling sessions and their attendance.
    Counsellor,
    /// Teacher (giáo viên giáo dục, văn hóa): education, literacy and life-skills classes.
    Teacher,
    /// Vocational trainer (giáo viên dạy nghề).
    VocationalTrainer,
    /// Labour-therapy supervisor (cán bộ lao động trị liệu).
    LabourSupervisor,
    /// The centre's director (Giám đốc / Trưởng Cơ sở).
    Director,
    /// Department monitor (cán bộ theo dõi của Sở / PC04).
    DepartmentMonitor,
    /// Administrator of one instance: accounts, reference data, audit.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::IntakeClerk,
        Role::Doctor,
        Role::Nurse,
        Role::Dispenser,
        Role::Counsellor,
        Role::Teacher,
        Role::VocationalTrainer,
        Role::LabourSupervisor,
        Role::Director,
        Role::DepartmentMonitor,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::IntakeClerk => "intake_clerk",
            Role::Doctor => "doctor",
            Role::Nurse => "nurse",
            Role::Dispenser => "dispenser",
            Role::Counsellor => "counsellor",
            Role::Teacher => "teacher",
            Role::VocationalTrainer => "vocational_trainer",
            Role::LabourSupervisor => "labour_supervisor",
            Role::Director => "director",
            Role::DepartmentMonitor => "department_monitor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Catalogue key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::IntakeClerk => "role.intake_clerk",
            Role::Doctor => "role.doctor",
            Role::Nurse => "role.nurse",
            Role::Dispenser => "role.dispenser",
            Role::Counsellor => "role.counsellor",
            Role::Teacher => "role.teacher",
            Role::VocationalTrainer => "role.vocational_trainer",
            Role::LabourSupervisor => "role.labour_supervisor",
            Role::Director => "role.director",
            Role::DepartmentMonitor => "role.department_monitor",
            Role::Administrator => "role.administrator",
        }
    }

    /// Catalogue key describing what the role does here, shown on its home page.
    pub fn duties_key(self) -> &'static str {
        match self {
            Role::IntakeClerk => "duties.intake_clerk",
            Role::Doctor => "duties.doctor",
            Role::Nurse => "duties.nurse",
            Role::Dispenser => "duties.dispenser",
            Role::Counsellor => "duties.counsellor",
            Role::Teacher => "duties.teacher",
            Role::VocationalTrainer => "duties.vocational_trainer",
            Role::LabourSupervisor => "duties.labour_supervisor",
            Role::Director => "duties.director",
            Role::DepartmentMonitor => "duties.department_monitor",
            Role::Administrator => "duties.administrator",
        }
    }

    /// Which instances a role exists in: residents are never seen at the department.
    pub fn exists_in(self, kind: InstanceKind) -> bool {
        match kind {
            InstanceKind::Centre => self != Role::DepartmentMonitor,
            InstanceKind::Department => {
                matches!(self, Role::DepartmentMonitor | Role::Administrator)
            }
        }
    }

    pub fn for_instance(kind: InstanceKind) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| r.exists_in(kind))
    }
}

/// Something a route or action requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// That a resident exists, and where: name, code, photo, age band, zone, bed,
    /// presence. The parts below are granted separately (need to know).
    ViewResidents,
    /// Identity documents, exact date of birth, addresses, family contacts.
    ViewIdentity,
    /// Legal basis: decisions, courts, terms and dates, reception record, documents.
    ViewLegalBasis,
    /// The movements record (leave, hospital, court, escapes) with its details.
    ViewMovements,
    /// Register residents, admissions, movements and releases.
    ManageAdmissions,
    /// Bed assignment and the ward plan.
    ManageBeds,
    /// Occupancy board and roll count.
    ViewOccupancy,
    /// Change design scale / receiving capacity; override capacity and zone rules.
    ManageCapacity,
    /// Medical records: detox, treatment, diagnoses (every read is audited).
    ViewMedical,
    /// Write treatment and detox records.
    RecordTreatment,
    /// Prescribe (methadone/buprenorphine orders).
    Prescribe,
    /// Observed dosing and the controlled-drug stock ledger.
    Dispense,
    /// Vocational classes, attendance, certificates.
    ManageVocational,
    /// Labour-therapy teams, tasks and hours.
    ManageLabour,
    /// Plan sessions of the weekly programme (slots of the timetable).
    PlanProgramme,
    /// Take attendance at sessions.
    RecordAttendance,
    /// The centre's outgoing occupancy summaries.
    ViewCentreSummaries,
    /// Department dashboard and reports (aggregates only).
    ViewDepartment,
    /// Accounts of this instance.
    ManageUsers,
    /// The audit log.
    ViewAudit,
    /// Reference and rule data (centres, legal regimes).
    ManageReferenceData,
}

impl Permission {
    pub const ALL: [Permission; 21] = [
        Permission::ViewResidents,
        Permission::ViewIdentity,
        Permission::ViewLegalBasis,
        Permission::ViewMovements,
        Permission::ManageAdmissions,
        Permission::ManageBeds,
        Permission::ViewOccupancy,
        Permission::ManageCapacity,
        Permission::ViewMedical,
        Permission::RecordTreatment,
        Permission::Prescribe,
        Permission::Dispense,
        Permission::ManageVocational,
        Permission::ManageLabour,
        Permission::PlanProgramme,
        Permission::RecordAttendance,
        Permission::ViewCentreSummaries,
        Permission::ViewDepartment,
        Permission::ManageUsers,
        Permission::ViewAudit,
        Permission::ManageReferenceData,
    ];
}

/// The permission matrix. Administrators manage accounts and reference data but see no
/// resident or medical data; medical data is limited to clinical roles.
pub fn role_has(role: Role, p: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match p {
        P::ViewResidents => matches!(
            role,
            R::IntakeClerk
                | R::Doctor
                | R::Nurse
                | R::Dispenser
                | R::Counsellor
                | R::Teacher
                | R::VocationalTrainer
                | R::LabourSupervisor
                | R::Director
        ),
        // Need to know (design.md §3): the parts of a resident's record each role's work
        // needs. Trainers and labour supervisors see name, photo, code, zone, bed and age
        // band only; the dispenser adds medical data; clinicians add identity and
        // movements; the legal basis is the intake desk's and the director's.
        P::ViewIdentity | P::ViewMovements => {
            matches!(role, R::IntakeClerk | R::Director | R::Doctor | R::Nurse)
        }
        P::ViewLegalBasis => matches!(role, R::IntakeClerk | R::Director),
        P::ManageAdmissions | P::ManageBeds => matches!(role, R::IntakeClerk | R::Director),
        P::ViewOccupancy => matches!(role, R::IntakeClerk | R::Director | R::Doctor | R::Nurse),
        P::ManageCapacity => role == R::Director,
        P::ViewMedical => matches!(role, R::Doctor | R::Nurse | R::Dispenser),
        P::RecordTreatment => matches!(role, R::Doctor | R::Nurse),
        P::Prescribe => role == R::Doctor,
        P::Dispense => matches!(role, R::Dispenser | R::Nurse),
        P::ManageVocational => role == R::VocationalTrainer,
        P::ManageLabour => role == R::LabourSupervisor,
        // Sessions are planned by the clinicians and programme staff who lead them and
        // by the director; attendance is taken by whoever leads a session.
        P::PlanProgramme => matches!(
            role,
            R::Doctor | R::Nurse | R::Counsellor | R::Teacher | R::Director
        ),
        P::RecordAttendance => matches!(
            role,
            R::Doctor
                | R::Nurse
                | R::Counsellor
                | R::Teacher
                | R::VocationalTrainer
                | R::LabourSupervisor
        ),
        P::ViewCentreSummaries => matches!(role, R::Director | R::Administrator),
        P::ViewDepartment => role == R::DepartmentMonitor,
        P::ManageUsers | P::ManageReferenceData => role == R::Administrator,
        P::ViewAudit => matches!(role, R::Administrator | R::Director),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn medical_data_only_for_clinical_roles() {
        let clinical: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| role_has(*r, Permission::ViewMedical))
            .collect();
        assert_eq!(clinical, vec![Role::Doctor, Role::Nurse, Role::Dispenser]);
    }

    #[test]
    fn administrators_see_no_residents() {
        assert!(!role_has(Role::Administrator, Permission::ViewResidents));
        assert!(!role_has(Role::Administrator, Permission::ViewMedical));
        assert!(!role_has(
            Role::DepartmentMonitor,
            Permission::ViewResidents
        ));
    }

    #[test]
    fn department_has_only_monitors_and_administrators() {
        let dept: Vec<_> = Role::for_instance(InstanceKind::Department).collect();
        assert_eq!(dept, vec![Role::DepartmentMonitor, Role::Administrator]);
        assert!(!Role::DepartmentMonitor.exists_in(InstanceKind::Centre));
    }

    #[test]
    fn trainers_and_labour_supervisors_see_no_record_part_beyond_placement() {
        for r in [
            Role::VocationalTrainer,
            Role::LabourSupervisor,
            Role::Counsellor,
            Role::Teacher,
        ] {
            assert!(role_has(r, Permission::ViewResidents));
            for p in [
                Permission::ViewIdentity,
                Permission::ViewLegalBasis,
                Permission::ViewMedical,
                Permission::ViewMovements,
            ] {
                assert!(!role_has(r, p), "{r:?} must not have {p:?}");
            }
        }
        assert!(!role_has(Role::Dispenser, Permission::ViewIdentity));
        assert!(!role_has(Role::Doctor, Permission::ViewLegalBasis));
    }

    #[test]
    fn every_permission_is_held_by_someone() {
        for p in Permission::ALL {
            assert!(
                Role::ALL.into_iter().any(|r| role_has(r, p)),
                "{p:?} held by no role"
            );
        }
    }
}
