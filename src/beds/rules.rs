//! Bed placement rules as plain functions (domain.md §3, §10 rule 5): the zone's kind
//! must fit the admission type, its sex the resident's (L 73/2021 Art 35.3), no minor in
//! an adult zone, and an infectious-disease flag routes to that zone. A director may
//! override with a written reason.

use serde::{Deserialize, Serialize};

use crate::error::Msg;
use crate::intake::rules::{AdmissionType, Sex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// Khu lưu trú tạm thời (determination, file preparation).
    Temporary,
    Compulsory,
    Voluntary,
    /// Người chưa thành niên (12–<18).
    Minors,
    /// Bệnh truyền nhiễm nhóm A/B.
    Infectious,
    /// Người vi phạm nội quy (kỷ luật).
    Discipline,
    /// Y tế, cắt cơn.
    Medical,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 7] = [
        ZoneKind::Temporary,
        ZoneKind::Compulsory,
        ZoneKind::Voluntary,
        ZoneKind::Minors,
        ZoneKind::Infectious,
        ZoneKind::Discipline,
        ZoneKind::Medical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Temporary => "temporary",
            ZoneKind::Compulsory => "compulsory",
            ZoneKind::Voluntary => "voluntary",
            ZoneKind::Minors => "minors",
            ZoneKind::Infectious => "infectious",
            ZoneKind::Discipline => "discipline",
            ZoneKind::Medical => "medical",
        }
    }
    pub fn parse(s: &str) -> Option<ZoneKind> {
        ZoneKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_key(self) -> String {
        format!("zone_kind.{}", self.as_str())
    }
    /// The zone an admission type belongs in by default.
    pub fn home_of(t: AdmissionType) -> ZoneKind {
        match t {
            AdmissionType::CompulsoryAdult => ZoneKind::Compulsory,
            AdmissionType::CompulsoryMinor => ZoneKind::Minors,
            AdmissionType::Voluntary => ZoneKind::Voluntary,
            AdmissionType::Temporary | AdmissionType::Determination => ZoneKind::Temporary,
        }
    }
}

/// Who is to be placed.
#[derive(Clone, Copy, Debug)]
pub struct Occupant {
    pub admission_type: AdmissionType,
    pub sex: Sex,
    pub age: i32,
    pub infectious: bool,
}

/// Why a bed in this zone does not fit, if it does not.
pub fn check_zone(kind: ZoneKind, zone_sex: Sex, o: &Occupant) -> Result<(), Msg> {
    if zone_sex != o.sex {
        return Err(Msg::new("error.zone_sex"));
    }
    let minor = o.age < 18;
    if o.infectious && !matches!(kind, ZoneKind::Infectious | ZoneKind::Medical) {
        return Err(Msg::new("error.zone_infectious"));
    }
    match kind {
        // Detox and infectious-disease care take anyone of the zone's sex.
        ZoneKind::Medical | ZoneKind::Infectious => Ok(()),
        ZoneKind::Minors if minor => Ok(()),
        ZoneKind::Minors => Err(Msg::new("error.zone_adult_in_minors")),
        _ if minor => Err(Msg::new("error.zone_minor_in_adult")),
        ZoneKind::Discipline if o.admission_type == AdmissionType::CompulsoryAdult => Ok(()),
        k if k == ZoneKind::home_of(o.admission_type) => Ok(()),
        _ => Err(Msg::new("error.zone_type")),
    }
}

/// Room ceiling by floor area: 6 m² per person, 8 m² with 24-hour care (N116 Art 6).
pub fn room_ceiling(floor_area_m2: f64, care_24h: bool) -> i64 {
    let per_person = if care_24h { 8.0 } else { 6.0 };
    (floor_area_m2 / per_person).floor().max(0.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix: every zone kind × zone sex × admission type × age band × resident
    /// sex, against an independent statement of the rules (domain.md §3; §10 rule 5).
    #[test]
    fn assignment_rule_matrix() {
        let mut checked = 0;
        for kind in ZoneKind::ALL {
            for zone_sex in [Sex::Male, Sex::Female] {
                for t in AdmissionType::ALL.iter().copied() {
                    for age in [15, 30] {
                        for sex in [Sex::Male, Sex::Female] {
                            for infectious in [false, true] {
                                let o = Occupant {
                                    admission_type: t,
                                    sex,
                                    age,
                                    infectious,
                                };
                                let minor = age < 18;
                                let expected = sex == zone_sex
                                    && (!infectious
                                        || matches!(
                                            kind,
                                            ZoneKind::Infectious | ZoneKind::Medical
                                        ))
                                    && match kind {
                                        ZoneKind::Medical | ZoneKind::Infectious => true,
                                        ZoneKind::Minors => minor,
                                        ZoneKind::Discipline => {
                                            !minor && t == AdmissionType::CompulsoryAdult
                                        }
                                        ZoneKind::Compulsory => {
                                            !minor && t == AdmissionType::CompulsoryAdult
                                        }
                                        ZoneKind::Voluntary => {
                                            !minor && t == AdmissionType::Voluntary
                                        }
                                        ZoneKind::Temporary => {
                                            !minor
                                                && matches!(
                                                    t,
                                                    AdmissionType::Temporary
                                                        | AdmissionType::Determination
                                                )
                                        }
                                    };
                                assert_eq!(
                                    check_zone(kind, zone_sex, &o).is_ok(),
                                    expected,
                                    "{kind:?} {zone_sex:?} {o:?}"
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 7 * 2 * 5 * 2 * 2 * 2);
    }

    #[test]
    fn messages_say_which_rule() {
        let o = Occupant {
            admission_type: AdmissionType::CompulsoryAdult,
            sex: Sex::Female,
            age: 30,
            infectious: false,
        };
        assert_eq!(
            check_zone(ZoneKind::Compulsory, Sex::Male, &o)
                .unwrap_err()
                .key,
            "error.zone_sex"
        );
        let minor = Occupant {
            admission_type: AdmissionType::CompulsoryMinor,
            sex: Sex::Male,
            age: 15,
            infectious: false,
        };
        assert_eq!(
            check_zone(ZoneKind::Compulsory, Sex::Male, &minor)
                .unwrap_err()
                .key,
            "error.zone_minor_in_adult"
        );
        let sick = Occupant {
            infectious: true,
            ..o
        };
        assert_eq!(
            check_zone(ZoneKind::Compulsory, Sex::Female, &sick)
                .unwrap_err()
                .key,
            "error.zone_infectious"
        );
    }

    #[test]
    fn room_ceiling_by_area() {
        assert_eq!(room_ceiling(40.0, false), 6);
        assert_eq!(room_ceiling(40.0, true), 5);
        assert_eq!(room_ceiling(5.0, false), 0);
    }
}
