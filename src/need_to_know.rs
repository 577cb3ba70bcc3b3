//! Need to know (design.md §3): which parts of a resident's record a role receives.
//!
//! A record has parts — identity and contacts, legal basis, medical, movements —
//! besides what every role that sees residents gets (name, code, sex, photo, age band,
//! zone, bed, presence). The table is the permission matrix (`ViewIdentity`,
//! `ViewLegalBasis`, `ViewMedical`, `ViewMovements` in `auth::roles`); this module is
//! the one projection that pages, PDFs, exports and the API apply before rendering:
//! what a role may not see is blanked here, so no template or serializer can show it.

use chrono::NaiveDate;

use crate::auth::{Permission, Role, role_has};
use crate::entities::{admission, admission_event, resident};
use crate::intake::search::ResidentRow;

/// The parts of a record one role receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sight {
    pub identity: bool,
    pub legal: bool,
    pub medical: bool,
    pub movements: bool,
}

impl Sight {
    pub fn of(role: Option<Role>) -> Sight {
        let has = |p| role.is_some_and(|r| role_has(r, p));
        Sight {
            identity: has(Permission::ViewIdentity),
            legal: has(Permission::ViewLegalBasis),
            medical: has(Permission::ViewMedical),
            movements: has(Permission::ViewMovements),
        }
    }

    /// Whether the exact date of birth is shown (identity, or the clinician's need for
    /// it); otherwise an age band.
    pub fn date_of_birth(&self) -> bool {
        self.identity || self.medical
    }

    /// Whether reading this record is to be audited: it shows identity, legal or
    /// medical data.
    pub fn audited(&self) -> bool {
        self.identity || self.legal || self.medical
    }
}

/// An age band for roles that need to know roughly how old someone is (the labour caps
/// differ under 15 and under 18), not when they were born.
pub fn age_band(age: i32) -> &'static str {
    match age {
        ..15 => "<15",
        15..=17 => "15–17",
        18..=29 => "18–29",
        30..=44 => "30–44",
        45..=59 => "45–59",
        _ => "60+",
    }
}

/// A resident as `sight` may see them: parts not granted are blanked.
pub fn resident(sight: Sight, mut r: resident::Model) -> resident::Model {
    if !sight.identity {
        for f in [
            &mut r.id_kind,
            &mut r.id_number,
            &mut r.home_province,
            &mut r.home_district,
            &mut r.home_commune,
            &mut r.home_address,
            &mut r.current_province,
            &mut r.current_district,
            &mut r.current_commune,
            &mut r.current_address,
            &mut r.family_contact,
            &mut r.education,
            &mut r.occupation,
        ] {
            f.clear();
        }
        r.home_unit = None;
        r.current_unit = None;
    }
    if !sight.medical {
        r.substances.clear();
    }
    r
}

/// The date of birth as `sight` may see it.
pub fn date_of_birth(sight: Sight, r: &resident::Model) -> Option<NaiveDate> {
    sight.date_of_birth().then_some(r.date_of_birth)
}

/// An admission as `sight` may see it: the legal basis (decision, court, term and its
/// dates, reception record, documents and belongings, transfers) and the medical flags
/// are blanked unless granted; type, status, presence, zone and stage stay (they place
/// the person, and the zone names the type anyway).
pub fn admission(sight: Sight, mut a: admission::Model) -> admission::Model {
    if !sight.legal {
        for f in [
            &mut a.document_number,
            &mut a.issuing_body,
            &mut a.regime_code,
            &mut a.documents_received,
            &mut a.belongings,
            &mut a.health_on_arrival,
            &mut a.release_document,
            &mut a.transfer_record,
        ] {
            f.clear();
        }
        a.term_months = None;
        a.prior_rehabilitations = 0;
        a.rule_id = None;
        a.temp_days = 0;
        a.expected_end = None;
        a.release_reason = None;
        a.from_centre = None;
        a.to_centre = None;
        a.transfer_package_id = None;
    }
    if !sight.identity {
        a.guardian_name.clear();
    }
    if !sight.medical && !sight.legal {
        a.infectious = false;
    }
    a
}

/// An admission's movements record, or nothing (and no query) when `sight` does not
/// include it.
pub async fn movements<C: sea_orm::ConnectionTrait>(
    conn: &C,
    sight: Sight,
    admission_id: i32,
) -> crate::error::AppResult<Vec<admission_event::Model>> {
    if sight.movements {
        crate::intake::store::events_of(conn, admission_id).await
    } else {
        Ok(Vec::new())
    }
}

/// A line of the residents list as `sight` may see it.
pub fn row(sight: Sight, mut r: ResidentRow) -> ResidentRow {
    if !sight.date_of_birth() {
        r.date_of_birth = None;
        r.age = None;
    }
    if !sight.legal {
        r.expected_end = None;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> resident::Model {
        resident::Model {
            id: 1,
            code: "CS01-000001".into(),
            full_name: "Nguyễn Văn An".into(),
            name_search: "nguyen van an".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 3, 4).expect("date"),
            sex: "male".into(),
            id_kind: "cccd".into(),
            id_number: "001090012345".into(),
            home_province: "Thành phố Hà Nội".into(),
            home_district: String::new(),
            home_commune: "Phường Hoàn Kiếm".into(),
            home_unit: Some("01.00070".into()),
            home_address: "12 Hàng Bạc".into(),
            current_address: String::new(),
            current_province: String::new(),
            current_district: String::new(),
            current_commune: String::new(),
            current_unit: None,
            family_contact: "Mẹ: 0912 345 678".into(),
            substances: "Heroin".into(),
            education: "9/12".into(),
            occupation: "Lao động tự do".into(),
            created_at: chrono::Utc::now(),
            created_by: None,
        }
    }

    #[test]
    fn a_trainer_gets_name_code_and_nothing_of_identity_or_medical() {
        let sight = Sight::of(Some(Role::VocationalTrainer));
        let r = resident(sight, person());
        assert_eq!(
            (r.full_name.as_str(), r.code.as_str()),
            ("Nguyễn Văn An", "CS01-000001")
        );
        assert!(r.id_number.is_empty() && r.family_contact.is_empty() && r.substances.is_empty());
        assert!(r.home_address.is_empty() && r.home_unit.is_none());
        assert_eq!(date_of_birth(sight, &person()), None);
        assert!(!sight.audited());
    }

    #[test]
    fn a_dispenser_gets_medical_data_but_no_identity_documents() {
        let sight = Sight::of(Some(Role::Dispenser));
        let r = resident(sight, person());
        assert_eq!(r.substances, "Heroin");
        assert!(r.id_number.is_empty() && r.family_contact.is_empty());
        assert!(date_of_birth(sight, &person()).is_some());
    }

    #[test]
    fn the_intake_desk_keeps_identity_but_not_drug_history() {
        let sight = Sight::of(Some(Role::IntakeClerk));
        let r = resident(sight, person());
        assert_eq!(r.id_number, "001090012345");
        assert!(r.substances.is_empty());
    }

    #[test]
    fn age_bands_follow_the_labour_caps_boundaries() {
        assert_eq!(age_band(14), "<15");
        assert_eq!(age_band(15), "15–17");
        assert_eq!(age_band(17), "15–17");
        assert_eq!(age_band(18), "18–29");
        assert_eq!(age_band(61), "60+");
    }
}
