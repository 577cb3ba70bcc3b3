//! Transfer between centres carrying the record (chuyển cơ sở): the sending centre
//! signs a package of the person's record and the admission as it stands (with its
//! Ed25519 key, the one that signs its summaries); the receiving centre checks the
//! signature against the sender's key published by the department, and admits the
//! person with the days already served credited. Personal data goes from centre to
//! centre only; the department lends its key directory, nothing more.

use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::SigningKey;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rules::{self, AdmissionType, EventKind, IdKind, Presence};
use super::store::{self, ACTIVE, RELEASED, ResidentForm};
use crate::audit::{self, Actor};
use crate::entities::{admission, admission_event};
use crate::error::{AppError, AppResult, Msg};
use crate::summary::signing;

pub const SCHEMA: &str = "rehabops.transfer/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferResident {
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: String,
    pub id_kind: String,
    pub id_number: String,
    pub home_province: String,
    pub home_district: String,
    pub home_commune: String,
    pub home_address: String,
    pub current_address: String,
    /// Absent from packages written before the current residence had its own
    /// province/district/commune (then `current_address` is all there is), and left out
    /// when empty so such a package still reads on a centre not yet upgraded.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_province: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_district: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_commune: String,
    pub family_contact: String,
    pub substances: String,
    pub education: String,
    pub occupation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferAdmission {
    pub admission_type: String,
    pub document_number: String,
    pub document_date: NaiveDate,
    pub issuing_body: String,
    pub guardian_name: String,
    pub term_months: Option<i32>,
    pub prior_rehabilitations: i32,
    pub regime_code: String,
    /// Admitted at the sending centre.
    pub admitted_on: NaiveDate,
    pub expected_end: Option<NaiveDate>,
    /// Days counted toward the term up to the transfer (temporary management credit
    /// included, escape days and leave overstay excluded).
    pub served_days: i64,
    pub stage: i32,
    pub infectious: bool,
    pub health_on_arrival: String,
    pub documents_received: String,
    pub belongings: String,
    pub transfer_document: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferEvent {
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub document_ref: String,
    pub reason: String,
    pub months: i32,
    pub place: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPackage {
    pub schema: String,
    /// Unique per package: a package is received once.
    pub package_id: String,
    pub from_centre: String,
    pub to_centre: String,
    pub transferred_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub resident: TransferResident,
    pub admission: TransferAdmission,
    /// The admission's events in force at the sending centre.
    pub events: Vec<TransferEvent>,
    /// The care areas' parts (design.md §5), keyed by area; absent from older packages.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub care: std::collections::BTreeMap<String, serde_json::Value>,
}

/// What travels: the package as exact bytes (a JSON string) and its signature.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedPackage {
    /// The `rehabops.transfer/1` package, serialised JSON (signed as these bytes).
    pub body: String,
    /// Ed25519 signature of `body` by the sending centre (base64).
    pub signature: String,
}

/// Builds and signs the package of an admission released by transfer to another centre.
pub async fn export<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    key: &SigningKey,
    from_centre: &str,
    admission_id: i32,
) -> AppResult<SignedPackage> {
    let a = store::get_admission(conn, admission_id).await?;
    let (Some(to), Some(on), true) = (
        a.to_centre.clone(),
        a.released_on,
        a.status == RELEASED && a.release_reason.as_deref() == Some("transfer_centre"),
    ) else {
        return Err(AppError::invalid("admission", "error.not_a_transfer"));
    };
    let p = store::get_resident(conn, a.resident_id).await?;
    let events = store::events_of(conn, a.id).await?;
    let term_events = store::term_events(&events);
    let served = rules::served_days(a.admitted_on, i64::from(a.temp_days), &term_events, on);
    let package = TransferPackage {
        schema: SCHEMA.into(),
        // One id per transfer, however often the file is downloaded: received once.
        package_id: format!("{from_centre}-{}", a.id),
        from_centre: from_centre.into(),
        to_centre: to,
        transferred_on: on,
        created_at: Utc::now(),
        resident: TransferResident {
            full_name: p.full_name,
            date_of_birth: p.date_of_birth,
            sex: p.sex,
            id_kind: p.id_kind,
            id_number: p.id_number,
            home_province: p.home_province,
            home_district: p.home_district,
            home_commune: p.home_commune,
            home_address: p.home_address,
            current_address: p.current_address,
            current_province: p.current_province,
            current_district: p.current_district,
            current_commune: p.current_commune,
            family_contact: p.family_contact,
            substances: p.substances,
            education: p.education,
            occupation: p.occupation,
        },
        admission: TransferAdmission {
            admission_type: a.admission_type.clone(),
            document_number: a.document_number.clone(),
            document_date: a.document_date,
            issuing_body: a.issuing_body.clone(),
            guardian_name: a.guardian_name.clone(),
            term_months: a.term_months,
            prior_rehabilitations: a.prior_rehabilitations,
            regime_code: a.regime_code.clone(),
            admitted_on: a.admitted_on,
            expected_end: a.expected_end,
            served_days: served,
            stage: a.stage,
            infectious: a.infectious,
            health_on_arrival: a.health_on_arrival.clone(),
            documents_received: a.documents_received.clone(),
            belongings: a.belongings.clone(),
            transfer_document: a.release_document.clone(),
        },
        events: store::effective_events(&events)
            .into_iter()
            .map(|e| TransferEvent {
                kind: e.kind.clone(),
                occurred_on: e.occurred_on,
                document_ref: e.document_ref.clone(),
                reason: e.reason.clone(),
                months: e.months,
                place: e.place.clone(),
            })
            .collect(),
        care: crate::care::transfer_parts(conn, &a, on).await?,
    };
    let body = serde_json::to_string(&package).map_err(|e| AppError::Internal(e.into()))?;
    let signature = signing::sign_b64(key, body.as_bytes());
    audit::record(
        conn,
        actor,
        "transfer.export",
        "admission",
        a.id,
        json!({ "package_id": package.package_id, "to_centre": package.to_centre }),
    )
    .await?;
    Ok(SignedPackage { body, signature })
}

/// Centre codes as the registry writes them (`CS01`): also what may go into a URL.
pub fn valid_centre_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Reads a signed package file and checks it is for this centre and signed by the
/// centre it names; `key_of` gives that centre's public key (from the department).
pub fn open(
    file: &[u8],
    own_centre: &str,
    sender_key_b64: impl FnOnce(&str) -> Option<String>,
) -> Result<TransferPackage, Msg> {
    let signed: SignedPackage =
        serde_json::from_slice(file).map_err(|_| Msg::new("error.transfer_unreadable"))?;
    let package: TransferPackage =
        serde_json::from_str(&signed.body).map_err(|_| Msg::new("error.transfer_unreadable"))?;
    if package.schema != SCHEMA
        || !valid_centre_code(&package.from_centre)
        || !valid_centre_code(&package.to_centre)
    {
        return Err(Msg::new("error.transfer_unreadable"));
    }
    if package.to_centre != own_centre {
        return Err(Msg::new("error.transfer_other_centre").arg("centre", &package.to_centre));
    }
    let key = sender_key_b64(&package.from_centre)
        .and_then(|k| signing::parse_public_key(&k).ok())
        .ok_or_else(|| Msg::new("error.transfer_no_key").arg("centre", &package.from_centre))?;
    if !signing::verify_b64(&key, signed.body.as_bytes(), &signed.signature) {
        return Err(Msg::new("error.transfer_bad_signature"));
    }
    Ok(package)
}

/// Admits the person of a verified package: the record is found by identity document
/// or registered; the admission keeps the legal basis and term, credits the days
/// served, carries court reductions, and starts at stage and zone as they were.
pub async fn receive<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    package: &TransferPackage,
    raw: &str,
    today: NaiveDate,
) -> AppResult<admission::Model> {
    if admission::Entity::find()
        .filter(
            admission::COLUMN
                .transfer_package_id
                .eq(package.package_id.as_str()),
        )
        .one(conn)
        .await?
        .is_some()
    {
        return Err(AppError::invalid("file", "error.transfer_already_received"));
    }
    let t = AdmissionType::parse(&package.admission.admission_type)
        .ok_or_else(|| AppError::invalid("file", "error.transfer_unreadable"))?;
    let r = &package.resident;
    let form = ResidentForm {
        full_name: r.full_name.clone(),
        date_of_birth: r.date_of_birth.format("%d/%m/%Y").to_string(),
        sex: r.sex.clone(),
        id_kind: r.id_kind.clone(),
        id_number: r.id_number.clone(),
        home_province: r.home_province.clone(),
        home_district: r.home_district.clone(),
        home_commune: r.home_commune.clone(),
        // The sending centre's record stands, whether or not the name is in our list.
        home_address: r.home_address.clone(),
        current_address: r.current_address.clone(),
        current_province: r.current_province.clone(),
        current_district: r.current_district.clone(),
        current_commune: r.current_commune.clone(),
        home_unlisted: false,
        current_unlisted: false,
        keep_as_written: true,
        family_contact: r.family_contact.clone(),
        substances: r.substances.clone(),
        education: r.education.clone(),
        occupation: r.occupation.clone(),
    };
    let kind = IdKind::parse(&r.id_kind)
        .ok_or_else(|| AppError::invalid("file", "error.transfer_unreadable"))?;
    let person = match store::find_by_identity(conn, kind, &r.id_number).await? {
        Some(p) => p,
        None => match store::register(conn, actor, centre_code, &form, today).await? {
            store::Registered::New(p) | store::Registered::Existing(p) => p,
        },
    };
    if store::admissions_of(conn, person.id)
        .await?
        .iter()
        .any(|a| a.status == ACTIVE)
    {
        return Err(AppError::invalid("file", "error.active_admission_exists"));
    }
    let x = &package.admission;
    let carried: Vec<rules::TermEvent> = package
        .events
        .iter()
        .filter(|e| e.kind == EventKind::TermReduction.as_str())
        .map(|e| rules::TermEvent {
            kind: EventKind::TermReduction,
            on: package.transferred_on,
            months: e.months,
            travel_days: 0,
        })
        .collect();
    let credit = credit_days(package.transferred_on, x, &carried, today);
    let rules_all = store::load_rules(conn).await?;
    let rule = rules::rule_for(&rules_all, t, x.document_date);
    let a = admission::ActiveModel {
        resident_id: Set(person.id),
        admission_type: Set(t.as_str().into()),
        status: Set(ACTIVE.into()),
        presence: Set(Presence::Present.as_str().into()),
        presence_since: Set(package.transferred_on),
        admitted_on: Set(package.transferred_on),
        document_number: Set(x.document_number.clone()),
        document_date: Set(x.document_date),
        issuing_body: Set(x.issuing_body.clone()),
        guardian_name: Set(x.guardian_name.clone()),
        term_months: Set(x.term_months),
        prior_rehabilitations: Set(x.prior_rehabilitations),
        rule_id: Set(rule.map(|r| r.id)),
        regime_code: Set(x.regime_code.clone()),
        // The days served at the sending centre count toward the term here.
        temp_days: Set(i32::try_from(credit).unwrap_or(i32::MAX)),
        expected_end: Set(x.expected_end),
        zone: Set(String::new()),
        stage: Set(x.stage),
        // The stage goes on here from the day of arrival.
        stage_since: Set(None),
        health_on_arrival: Set(x.health_on_arrival.clone()),
        documents_received: Set(x.documents_received.clone()),
        belongings: Set(x.belongings.clone()),
        released_on: Set(None),
        release_reason: Set(None),
        release_document: Set(String::new()),
        from_centre: Set(Some(package.from_centre.clone())),
        to_centre: Set(None),
        created_at: Set(Utc::now()),
        created_by: Set(actor.user_id),
        infectious: Set(x.infectious),
        transfer_package_id: Set(Some(package.package_id.clone())),
        transfer_record: Set(raw.to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            AppError::invalid("file", "error.transfer_already_received")
        } else {
            e.into()
        }
    })?;
    // Court reductions decided before the transfer keep shortening the term here.
    for e in package
        .events
        .iter()
        .filter(|e| e.kind == EventKind::TermReduction.as_str())
    {
        admission_event::ActiveModel {
            admission_id: Set(a.id),
            kind: Set(e.kind.clone()),
            occurred_on: Set(package.transferred_on),
            occurred_time: Set(String::new()),
            document_ref: Set(e.document_ref.clone()),
            reason: Set(format!("{} ({})", e.reason, package.from_centre)),
            months: Set(e.months),
            travel_days: Set(0),
            place: Set(String::new()),
            corrects_id: Set(None),
            recorded_by: Set(actor.user_id),
            recorded_by_name: Set(actor.username.clone()),
            recorded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    crate::care::receive_parts(conn, actor, &a, &package.from_centre, &package.care).await?;
    let events = store::events_of(conn, a.id).await?;
    let a = match store::half_term_on(&a, &events) {
        Some(on) => {
            let mut am = a.into_active_model();
            am.half_term_on = Set(Some(on));
            am.update(conn).await?
        }
        None => a,
    };
    audit::record(
        conn,
        actor,
        "transfer.receive",
        "admission",
        a.id,
        json!({ "package_id": package.package_id, "from_centre": package.from_centre, "served_days": x.served_days, "resident": person.id }),
    )
    .await?;
    Ok(a)
}

/// Reads an uploaded package and checks it against the sender's key from the
/// department's directory (the key is looked up before the package is trusted).
pub async fn verify(
    delivery: &crate::summary::Delivery,
    own_centre: &str,
    bytes: &[u8],
) -> Result<TransferPackage, Msg> {
    let from = serde_json::from_slice::<SignedPackage>(bytes)
        .ok()
        .and_then(|s| serde_json::from_str::<TransferPackage>(&s.body).ok())
        .map(|p| p.from_centre);
    let key = match (&from, &delivery.department_url) {
        (Some(f), Some(url)) => sender_key(&delivery.http, url, f).await,
        _ => None,
    };
    open(bytes, own_centre, |_| key)
}

/// The days to credit at the receiving centre so that its own computation (from the
/// transfer date, in calendar months) gives the sender's expected release date exactly;
/// the days served when there is no term or no date.
pub fn credit_days(
    transferred_on: NaiveDate,
    x: &TransferAdmission,
    carried: &[rules::TermEvent],
    today: NaiveDate,
) -> i64 {
    let (Some(term), Some(target)) = (x.term_months, x.expected_end) else {
        return x.served_days.max(0);
    };
    let end = |credit: i64| {
        rules::expected_end(transferred_on, term, credit, carried, today).expected_end
    };
    let mut credit = (end(0) - target).num_days();
    // Month lengths can make the first estimate a day off: settle it.
    for _ in 0..3 {
        let off = (end(credit) - target).num_days();
        if off == 0 {
            break;
        }
        credit += off;
    }
    credit.max(0)
}

/// The sending centre's public key, from the department's key directory.
pub async fn sender_key(
    http: &reqwest::Client,
    department_url: &str,
    centre: &str,
) -> Option<String> {
    #[derive(Deserialize)]
    struct KeyDto {
        centre: String,
        public_key: String,
    }
    if !valid_centre_code(centre) {
        return None;
    }
    let url = format!(
        "{}/api/v1/centre-keys/{}",
        department_url.trim_end_matches('/'),
        centre
    );
    let r = http.get(url).send().await.ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json::<KeyDto>()
        .await
        .ok()
        .filter(|k| k.centre == centre)
        .map(|k| k.public_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_empty_current_locality_is_left_out_of_the_package() {
        let r = TransferResident {
            full_name: "A".into(),
            date_of_birth: d(1990, 1, 1),
            sex: "male".into(),
            id_kind: "cccd".into(),
            id_number: "001090000001".into(),
            home_province: "Thành phố Hà Nội".into(),
            home_district: String::new(),
            home_commune: "Phường Láng".into(),
            home_address: String::new(),
            current_address: "Thôn 2".into(),
            current_province: String::new(),
            current_district: String::new(),
            current_commune: String::new(),
            family_contact: String::new(),
            substances: String::new(),
            education: String::new(),
            occupation: String::new(),
        };
        let json = serde_json::to_value(&r).unwrap();
        // What a centre on the previous release accepts (it denies unknown fields).
        assert!(json.get("current_province").is_none(), "{json}");
        let back: TransferResident = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let with = TransferResident {
            current_commune: "Xã Sóc Sơn".into(),
            ..r
        };
        assert_eq!(
            serde_json::to_value(&with).unwrap()["current_commune"],
            "Xã Sóc Sơn"
        );
    }

    #[test]
    fn the_credit_keeps_the_senders_release_date_across_month_lengths() {
        // Admitted 31/01/2025 for 6 months: the sender's end is 31/07/2025. Transferred
        // on 01/03: the receiver counts 6 months from 01/03 and credits the difference.
        let x = TransferAdmission {
            admission_type: "compulsory_adult".into(),
            document_number: String::new(),
            document_date: d(2025, 1, 29),
            issuing_body: String::new(),
            guardian_name: String::new(),
            term_months: Some(6),
            prior_rehabilitations: 0,
            regime_code: String::new(),
            admitted_on: d(2025, 1, 31),
            expected_end: Some(d(2025, 7, 31)),
            served_days: 29,
            stage: 2,
            infectious: false,
            health_on_arrival: String::new(),
            documents_received: String::new(),
            belongings: String::new(),
            transfer_document: String::new(),
        };
        let on = d(2025, 3, 1);
        let credit = credit_days(on, &x, &[], on);
        assert_eq!(
            rules::expected_end(on, 6, credit, &[], on).expected_end,
            d(2025, 7, 31)
        );
        assert!(valid_centre_code("CS01"));
        assert!(!valid_centre_code("X/../../other"));
        assert!(!valid_centre_code("cs01#CS02"));
    }
}
