//! Intake storage and services: residents, admissions, events and releases. Each write
//! runs in the caller's transaction and appends its audit row there.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::rules::{
    self, AdmissionFacts, AdmissionType, EventKind, IdKind, LegalRule, Presence, ReleaseReason,
    Sex, TermEvent,
};
use crate::audit::{self, Actor};
use crate::entities::{admission, admission_event, legal_rule, resident};
use crate::error::{AppError, AppResult, FieldErrors, Msg, is_unique_violation};
use crate::i18n::{fold_for_search, parse_date};

pub const ACTIVE: &str = "active";
pub const RELEASED: &str = "released";

// ---------- legal rules ----------

pub fn to_rule(m: &legal_rule::Model) -> Option<LegalRule> {
    let pair = |a: Option<i32>, b: Option<i32>| a.zip(b);
    Some(LegalRule {
        id: m.id,
        regime_code: m.regime_code.clone(),
        regime_name: m.regime_name.clone(),
        effective_from: m.effective_from,
        effective_to: m.effective_to,
        admission_type: AdmissionType::parse(&m.admission_type)?,
        min_age: m.min_age,
        max_age: m.max_age,
        first_term: pair(m.first_term_min, m.first_term_max),
        repeat_term: pair(m.repeat_term_min, m.repeat_term_max),
        source: m.source.clone(),
    })
}

pub async fn load_rules<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<LegalRule>> {
    Ok(legal_rule::Entity::find()
        .order_by_asc(legal_rule::COLUMN.effective_from)
        .all(conn)
        .await?
        .iter()
        .filter_map(to_rule)
        .collect())
}

// ---------- residents ----------

/// The registration form, as typed (kept for re-display on errors).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResidentForm {
    #[schema(required = true)]
    pub full_name: String,
    /// dd/mm/yyyy (or yyyy-mm-dd).
    #[schema(required = true)]
    pub date_of_birth: String,
    /// `male` or `female`.
    #[schema(required = true)]
    pub sex: String,
    /// `cccd`, `passport` or `birth_certificate`.
    pub id_kind: String,
    pub id_number: String,
    pub home_province: String,
    pub home_district: String,
    pub home_commune: String,
    /// Record the province/district/commune as written when the reference data lacks
    /// the name (an old name on old papers); otherwise an unknown name is refused.
    pub home_unlisted: bool,
    pub home_address: String,
    /// The current residence (nơi ở hiện tại). Province, district and commune left empty
    /// mean "as the permanent address".
    pub current_province: String,
    pub current_district: String,
    pub current_commune: String,
    pub current_unlisted: bool,
    /// Street, village or hamlet of the current residence.
    pub current_address: String,
    /// Set by paths that carry another party's record (import, transfer, police slip):
    /// any name that does not resolve, even an ambiguous one, is kept as written.
    #[serde(skip)]
    pub keep_as_written: bool,
    pub family_contact: String,
    pub substances: String,
    pub education: String,
    pub occupation: String,
}

#[derive(Clone, Debug)]
pub struct NewResident {
    pub full_name: String,
    pub dob: NaiveDate,
    pub sex: Sex,
    pub id_kind: IdKind,
    pub id_number: String,
    pub home: Locality,
    pub current: Locality,
}

/// The administrative part of an address as it will be stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locality {
    pub province: String,
    pub district: String,
    pub commune: String,
    /// The unit it resolved to; None when recorded as written.
    pub unit: Option<String>,
}

/// One address as typed: its administrative part, the field names its errors go to,
/// and whether the clerk chose to record an unknown name as written.
pub struct TypedAddress<'a> {
    pub province: &'a str,
    pub district: &'a str,
    pub commune: &'a str,
    pub unlisted: bool,
    pub keep_any: bool,
    pub province_field: &'static str,
    pub commune_field: &'static str,
}

impl ResidentForm {
    pub fn home(&self) -> TypedAddress<'_> {
        TypedAddress {
            province: &self.home_province,
            district: &self.home_district,
            commune: &self.home_commune,
            unlisted: self.home_unlisted,
            keep_any: self.keep_as_written,
            province_field: "home_province",
            commune_field: "home_commune",
        }
    }
    pub fn current(&self) -> TypedAddress<'_> {
        TypedAddress {
            province: &self.current_province,
            district: &self.current_district,
            commune: &self.current_commune,
            unlisted: self.current_unlisted,
            keep_any: self.keep_as_written,
            province_field: "current_province",
            commune_field: "current_commune",
        }
    }
    /// The address fields, by name (for length checks).
    pub fn address_fields(&self) -> [(&'static str, &String); 8] {
        [
            ("home_province", &self.home_province),
            ("home_district", &self.home_district),
            ("home_commune", &self.home_commune),
            ("home_address", &self.home_address),
            ("current_province", &self.current_province),
            ("current_district", &self.current_district),
            ("current_commune", &self.current_commune),
            ("current_address", &self.current_address),
        ]
    }
    /// No province, district or commune for the current residence.
    fn current_locality_empty(&self) -> bool {
        [
            &self.current_province,
            &self.current_district,
            &self.current_commune,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
    /// The current residence was left as "the permanent address": nothing typed for it.
    pub fn current_as_home(&self) -> bool {
        self.current_locality_empty() && self.current_address.trim().is_empty()
    }
    /// Only a free-text current address (as older clients and registers send it): kept
    /// as written, with no administrative part.
    pub fn current_free_text(&self) -> bool {
        self.current_locality_empty() && !self.current_address.trim().is_empty()
    }
}

/// Resolves an address against the dated administrative names: canonical names and
/// the unit when found; as typed when the clerk says the name is not in the list.
pub fn resolve_locality(
    a: &TypedAddress<'_>,
    today: NaiveDate,
) -> Result<Locality, (&'static str, crate::error::Msg)> {
    use crate::divisions::AddressProblem;
    use crate::divisions::{Divisions, pages::problem_message};
    match Divisions::shipped().resolve(a.province, a.district, a.commune, today) {
        Ok(p) => Ok(Locality {
            province: p.province,
            district: p.district,
            commune: p.commune,
            unit: Some(p.unit),
        }),
        // "Not in the list" overrides an unknown name, never an ambiguous one: that name
        // is in the list, twice, and the district says which. Another party's record
        // is kept as it came.
        Err(problem)
            if a.keep_any
                || (a.unlisted
                    && matches!(
                        problem,
                        AddressProblem::UnknownProvince { .. }
                            | AddressProblem::UnknownCommune { .. }
                    )) =>
        {
            let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            Ok(Locality {
                province: clean(a.province),
                district: clean(a.district),
                commune: clean(a.commune),
                unit: None,
            })
        }
        Err(problem) => {
            let (field, msg) = problem_message(&problem);
            Err((
                if field == "province" {
                    a.province_field
                } else {
                    a.commune_field
                },
                msg,
            ))
        }
    }
}

/// Checks both addresses of a form: required parts, then resolution. Pure.
pub fn check_addresses(
    f: &ResidentForm,
    today: NaiveDate,
    e: &mut FieldErrors,
) -> Option<(Locality, Locality)> {
    let mut required = |a: &TypedAddress<'_>| {
        let mut ok = true;
        if a.province.trim().is_empty() {
            e.add(a.province_field, "error.required");
            ok = false;
        }
        if a.commune.trim().is_empty() {
            e.add(a.commune_field, "error.required");
            ok = false;
        }
        ok
    };
    let home_typed = required(&f.home());
    let current_typed = f.current_locality_empty() || required(&f.current());
    let mut resolve = |a: &TypedAddress<'_>| match resolve_locality(a, today) {
        Ok(l) => Some(l),
        Err((field, msg)) => {
            e.add(field, msg);
            None
        }
    };
    let home = if home_typed { resolve(&f.home()) } else { None };
    let current = if !current_typed {
        None
    } else if f.current_as_home() {
        home.clone()
    } else if f.current_free_text() {
        Some(Locality::default())
    } else {
        resolve(&f.current())
    };
    home.zip(current)
}

const MAX_TEXT: usize = 500;

/// Marks every field longer than the free-text limit.
pub fn check_lengths<'a>(
    e: &mut FieldErrors,
    fields: impl IntoIterator<Item = (&'static str, &'a String)>,
) {
    for (field, value) in fields {
        if value.chars().count() > MAX_TEXT {
            e.add(field, "error.too_long");
        }
    }
}

/// Checks the registration form; pure.
pub fn validate_resident(f: &ResidentForm, today: NaiveDate) -> Result<NewResident, FieldErrors> {
    let mut e = FieldErrors::new();
    let full_name = f.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if full_name.is_empty() {
        e.add("full_name", "error.required");
    } else if full_name.chars().count() > 128 {
        e.add("full_name", "error.too_long");
    }
    let dob = if f.date_of_birth.trim().is_empty() {
        e.add("date_of_birth", "error.required");
        None
    } else {
        match parse_date(&f.date_of_birth) {
            Some(d) => match rules::check_birth_date(d, today) {
                Ok(()) => Some(d),
                Err(m) => {
                    e.add("date_of_birth", m);
                    None
                }
            },
            None => {
                e.add("date_of_birth", "error.date_format");
                None
            }
        }
    };
    let sex = Sex::parse(&f.sex);
    if sex.is_none() {
        e.add("sex", "error.required");
    }
    let id_kind = IdKind::parse(&f.id_kind);
    let id_number = match id_kind {
        None => {
            e.add("id_kind", "error.required");
            None
        }
        Some(k) => match rules::check_id_number(k, &f.id_number, dob, sex) {
            Ok(n) => Some(n),
            Err(m) => {
                e.add("id_number", m);
                None
            }
        },
    };
    check_lengths(
        &mut e,
        f.address_fields().into_iter().chain([
            ("family_contact", &f.family_contact),
            ("substances", &f.substances),
            ("education", &f.education),
            ("occupation", &f.occupation),
        ]),
    );
    let addresses = check_addresses(f, today, &mut e);
    match (e.is_empty(), dob, sex, id_kind, id_number, addresses) {
        (true, Some(dob), Some(sex), Some(id_kind), Some(id_number), Some((home, current))) => {
            Ok(NewResident {
                full_name,
                dob,
                sex,
                id_kind,
                id_number,
                home,
                current,
            })
        }
        _ => Err(e),
    }
}

/// Residents whose addresses have no administrative unit yet (recorded before addresses
/// were resolved, or as written): what resolves now gets its unit and canonical names,
/// with the names in force on the day the record was made. Records from before the
/// current residence had its own fields, with no current address at all, take the
/// permanent one. One audited transaction; a row changed meanwhile is left alone (each
/// update is conditional on what was read). Returns how many records changed.
pub async fn resolve_recorded_addresses(db: &sea_orm::DatabaseConnection) -> AppResult<usize> {
    use crate::divisions::Divisions;
    use sea_orm::sea_query::Expr;
    let d = Divisions::shipped();
    let txn = crate::db::begin_write(db).await?;
    let no_current = || {
        sea_orm::Condition::all()
            .add(resident::COLUMN.current_unit.is_null())
            .add(resident::COLUMN.current_commune.eq(""))
            .add(resident::COLUMN.current_address.eq(""))
    };
    let pending = resident::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(resident::COLUMN.home_unit.is_null())
                .add(no_current()),
        )
        .all(&txn)
        .await?;
    let mut changed = Vec::new();
    for r in pending {
        let on = r.created_at.date_naive();
        let resolved = if r.home_unit.is_none() {
            d.resolve(&r.home_province, &r.home_district, &r.home_commune, on)
                .ok()
        } else {
            None
        };
        let (province, district, commune, unit) = match &resolved {
            Some(p) => (
                p.province.clone(),
                p.district.clone(),
                p.commune.clone(),
                Some(p.unit.clone()),
            ),
            None => (
                r.home_province.clone(),
                r.home_district.clone(),
                r.home_commune.clone(),
                r.home_unit.clone(),
            ),
        };
        let copy_current = r.current_commune.is_empty()
            && r.current_address.is_empty()
            && r.current_unit.is_none();
        if resolved.is_none() && !copy_current {
            continue;
        }
        let mut update = resident::Entity::update_many()
            .col_expr(
                resident::Column::HomeProvince,
                Expr::value(province.clone()),
            )
            .col_expr(
                resident::Column::HomeDistrict,
                Expr::value(district.clone()),
            )
            .col_expr(resident::Column::HomeCommune, Expr::value(commune.clone()))
            .col_expr(resident::Column::HomeUnit, Expr::value(unit.clone()))
            .filter(resident::COLUMN.id.eq(r.id))
            .filter(resident::COLUMN.home_province.eq(r.home_province.clone()))
            .filter(resident::COLUMN.home_district.eq(r.home_district.clone()))
            .filter(resident::COLUMN.home_commune.eq(r.home_commune.clone()));
        update = match &r.home_unit {
            Some(u) => update.filter(resident::COLUMN.home_unit.eq(u.clone())),
            None => update.filter(resident::COLUMN.home_unit.is_null()),
        };
        if copy_current {
            update = update
                .col_expr(resident::Column::CurrentProvince, Expr::value(province))
                .col_expr(resident::Column::CurrentDistrict, Expr::value(district))
                .col_expr(resident::Column::CurrentCommune, Expr::value(commune))
                .col_expr(resident::Column::CurrentUnit, Expr::value(unit))
                .col_expr(
                    resident::Column::CurrentAddress,
                    Expr::value(r.home_address.clone()),
                )
                .filter(no_current());
        }
        if update.exec(&txn).await?.rows_affected == 1 {
            changed.push(r.code);
        }
    }
    if !changed.is_empty() {
        audit::record(
            &txn,
            &Actor::system("address resolution"),
            "resident.addresses_resolved",
            "resident",
            0,
            json!({ "count": changed.len(), "residents": changed }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed.len())
}

pub enum Registered {
    New(resident::Model),
    /// The identity document is already on record: a repeat admission, not a new person.
    Existing(resident::Model),
}

pub async fn find_by_identity<C: ConnectionTrait>(
    conn: &C,
    kind: IdKind,
    number: &str,
) -> AppResult<Option<resident::Model>> {
    Ok(resident::Entity::find()
        .filter(resident::COLUMN.id_kind.eq(kind.as_str()))
        .filter(resident::COLUMN.id_number.eq(number))
        .one(conn)
        .await?)
}

/// Registers a person, or returns the existing record when the identity document is
/// already known (one person, one record).
pub async fn register<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    f: &ResidentForm,
    today: NaiveDate,
) -> AppResult<Registered> {
    let n = validate_resident(f, today).map_err(AppError::Invalid)?;
    if let Some(existing) = find_by_identity(conn, n.id_kind, &n.id_number).await? {
        return Ok(Registered::Existing(existing));
    }
    let provisional = format!("new-{}", crate::auth::session::random_hex(8)?);
    let clean = |s: &str| s.trim().to_owned();
    let row = resident::ActiveModel {
        code: Set(provisional.clone()),
        full_name: Set(n.full_name.clone()),
        name_search: Set(fold_for_search(&n.full_name)),
        date_of_birth: Set(n.dob),
        sex: Set(n.sex.as_str().to_owned()),
        id_kind: Set(n.id_kind.as_str().to_owned()),
        id_number: Set(n.id_number.clone()),
        home_province: Set(n.home.province.clone()),
        home_district: Set(n.home.district.clone()),
        home_commune: Set(n.home.commune.clone()),
        home_unit: Set(n.home.unit.clone()),
        home_address: Set(clean(&f.home_address)),
        // "As the permanent address" copies the street too, so the record reads whole.
        current_address: Set(if f.current_as_home() {
            clean(&f.home_address)
        } else {
            clean(&f.current_address)
        }),
        current_province: Set(n.current.province.clone()),
        current_district: Set(n.current.district.clone()),
        current_commune: Set(n.current.commune.clone()),
        current_unit: Set(n.current.unit.clone()),
        family_contact: Set(clean(&f.family_contact)),
        substances: Set(clean(&f.substances)),
        education: Set(clean(&f.education)),
        occupation: Set(clean(&f.occupation)),
        created_at: Set(Utc::now()),
        created_by: Set(actor.user_id),
        ..Default::default()
    };
    // ON CONFLICT DO NOTHING: a document registered by someone else a moment ago leads
    // to that record without aborting the transaction (PostgreSQL would otherwise
    // refuse every later statement of it).
    let conflict = sea_orm::sea_query::OnConflict::columns([
        resident::Column::IdKind,
        resident::Column::IdNumber,
    ])
    .do_nothing()
    .to_owned();
    let outcome = resident::Entity::insert(row)
        .on_conflict(conflict)
        .exec_without_returning(conn)
        .await?;
    let inserted = find_by_identity(conn, n.id_kind, &n.id_number)
        .await?
        .ok_or(AppError::Conflict("error.duplicate"))?;
    if outcome == 0 || inserted.code != provisional {
        return Ok(Registered::Existing(inserted));
    }
    // The resident code is the centre's code and the record number: unique, stable, short.
    let code = format!("{centre_code}-{:06}", inserted.id);
    let mut am = inserted.into_active_model();
    am.code = Set(code);
    let model = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "resident.create",
        "resident",
        model.id,
        json!({ "after": { "code": model.code, "id_kind": model.id_kind, "sex": model.sex } }),
    )
    .await?;
    Ok(Registered::New(model))
}

pub async fn get_resident<C: ConnectionTrait>(conn: &C, id: i32) -> AppResult<resident::Model> {
    resident::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Residents by id (chunked `IN` lists), for a list already bounded by its page.
pub async fn residents_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: impl Iterator<Item = i32>,
) -> AppResult<std::collections::HashMap<i32, resident::Model>> {
    let ids: Vec<i32> = ids.collect();
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for r in resident::Entity::find()
            .filter(resident::COLUMN.id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(r.id, r);
        }
    }
    Ok(out)
}

/// Events of these admissions, grouped by admission, in date order.
/// Releases due within `[.., last]` in date order, page `page` of `per_page` (from 1;
/// past the last, the last): the admissions with their end date, how many are due in
/// all, and the page given. Those away without
/// leave are read whole (their end moves every day, so it is computed); the others are
/// counted and read in SQL, at most `page × per_page` of them.
pub async fn releases_due<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    last: NaiveDate,
    page: u64,
    per_page: u64,
) -> AppResult<(Vec<(admission::Model, NaiveDate)>, u64, u64)> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let escaped_kind = Presence::Escaped.as_str();
    let escaped = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .filter(admission::COLUMN.presence.eq(escaped_kind))
        .all(conn)
        .await?;
    let ids: Vec<i32> = escaped.iter().map(|a| a.id).collect();
    let mut events = events_by_admission(conn, &ids).await?;
    let mut rows: Vec<(admission::Model, NaiveDate)> = escaped
        .into_iter()
        .filter_map(|a| {
            let end = compute_end(&a, &events.remove(&a.id).unwrap_or_default(), today)?;
            (end <= last).then_some((a, end))
        })
        .collect();
    let due = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .filter(admission::COLUMN.presence.ne(escaped_kind))
        .filter(admission::COLUMN.expected_end.lte(last));
    let total = due.clone().count(conn).await? + rows.len() as u64;
    let page = page.clamp(1, total.div_ceil(per_page).max(1));
    let first = due
        .order_by_asc(admission::COLUMN.expected_end)
        .order_by_asc(admission::COLUMN.id)
        .limit(page.saturating_mul(per_page))
        .all(conn)
        .await?;
    rows.extend(
        first
            .into_iter()
            .filter_map(|a| a.expected_end.map(|end| (a, end))),
    );
    rows.sort_by_key(|(a, end)| (*end, a.id));
    let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let rows = rows
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .collect();
    Ok((rows, total, page))
}

pub async fn events_by_admission<C: ConnectionTrait>(
    conn: &C,
    admission_ids: &[i32],
) -> AppResult<std::collections::HashMap<i32, Vec<admission_event::Model>>> {
    let mut out: std::collections::HashMap<i32, Vec<admission_event::Model>> =
        std::collections::HashMap::new();
    for chunk in admission_ids.chunks(500) {
        for e in admission_event::Entity::find()
            .filter(admission_event::COLUMN.admission_id.is_in(chunk.to_vec()))
            .order_by_asc(admission_event::COLUMN.occurred_on)
            .order_by_asc(admission_event::COLUMN.id)
            .all(conn)
            .await?
        {
            out.entry(e.admission_id).or_default().push(e);
        }
    }
    Ok(out)
}

pub async fn admissions_of<C: ConnectionTrait>(
    conn: &C,
    resident_id: i32,
) -> AppResult<Vec<admission::Model>> {
    Ok(admission::Entity::find()
        .filter(admission::COLUMN.resident_id.eq(resident_id))
        .order_by_desc(admission::COLUMN.admitted_on)
        .order_by_desc(admission::COLUMN.id)
        .all(conn)
        .await?)
}

pub async fn events_of<C: ConnectionTrait>(
    conn: &C,
    admission_id: i32,
) -> AppResult<Vec<admission_event::Model>> {
    Ok(admission_event::Entity::find()
        .filter(admission_event::COLUMN.admission_id.eq(admission_id))
        .order_by_asc(admission_event::COLUMN.occurred_on)
        .order_by_asc(admission_event::COLUMN.id)
        .all(conn)
        .await?)
}

/// Events in force: those not replaced by a correction.
pub fn effective_events(events: &[admission_event::Model]) -> Vec<&admission_event::Model> {
    let corrected: std::collections::HashSet<i32> =
        events.iter().filter_map(|e| e.corrects_id).collect();
    events
        .iter()
        .filter(|e| !corrected.contains(&e.id))
        .collect()
}

pub fn term_events(events: &[admission_event::Model]) -> Vec<TermEvent> {
    effective_events(events)
        .into_iter()
        .filter_map(|e| {
            Some(TermEvent {
                kind: EventKind::parse(&e.kind)?,
                on: e.occurred_on,
                months: e.months,
                travel_days: e.travel_days,
            })
        })
        .collect()
}

// ---------- admissions ----------

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AdmissionForm {
    /// compulsory_adult, compulsory_minor, voluntary, temporary or determination.
    #[schema(required = true)]
    pub admission_type: String,
    /// Court decision, contract or management decision number.
    #[schema(required = true)]
    pub document_number: String,
    /// dd/mm/yyyy: the decision or contract date (selects the legal regime).
    #[schema(required = true)]
    pub document_date: String,
    /// Deciding body (court) or signing party.
    pub issuing_body: String,
    /// dd/mm/yyyy.
    #[schema(required = true)]
    pub admitted_on: String,
    pub term_months: String,
    pub guardian_name: String,
    /// Days in temporary management at another facility, from the file (deducted).
    pub temp_days_elsewhere: String,
    pub zone: String,
    pub health_on_arrival: String,
    pub documents_received: String,
    pub belongings: String,
    /// Director only: the written reason for admitting beyond the receiving capacity.
    pub capacity_override_reason: String,
}

/// The centre's limit at the moment of admission (domain.md §10 rule 9).
#[derive(Clone, Copy, Debug, Default)]
pub struct CapacityCheck {
    /// Khả năng tiếp nhận in force today; None when unknown (no check).
    pub receiving_capacity: Option<i64>,
    /// Whether the person admitting may override (the director).
    pub may_override: bool,
}

fn parse_int(s: &str) -> Result<Option<i32>, ()> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i32>().map(Some).map_err(|_| ())
}

fn date_field(
    e: &mut FieldErrors,
    field: &'static str,
    value: &str,
    required: bool,
) -> Option<NaiveDate> {
    if value.trim().is_empty() {
        if required {
            e.add(field, "error.required");
        }
        return None;
    }
    let d = parse_date(value);
    if d.is_none() {
        e.add(field, "error.date_format");
    }
    d
}

/// Days the person spent in temporary management at this centre just before: the
/// preceding temporary admission, if it ended within the last 5 days (N116 Art 44.3).
fn temp_days_here(previous: &[admission::Model], admitted_on: NaiveDate) -> i64 {
    previous
        .iter()
        .filter(|a| a.admission_type == AdmissionType::Temporary.as_str())
        .filter_map(|a| a.released_on.map(|r| (a.admitted_on, r)))
        .filter(|(_, r)| *r <= admitted_on && (admitted_on - *r).num_days() <= 5)
        .map(|(s, r)| (r - s).num_days())
        .max()
        .unwrap_or(0)
}

/// The expected end of an admission from its record and events.
/// The day a compulsory admission reaches half its term (`rules::half_term_on`), stored
/// beside the expected end whenever the dates change; None when no reduction review
/// applies: not compulsory, no term, or a reduction already granted.
pub fn half_term_on(a: &admission::Model, events: &[admission_event::Model]) -> Option<NaiveDate> {
    let t = AdmissionType::parse(&a.admission_type)?;
    let term = a.term_months.filter(|_| t.is_compulsory())?;
    let te = term_events(events);
    if te.iter().any(|e| e.kind == EventKind::TermReduction) {
        return None;
    }
    rules::half_term_on(a.admitted_on, term, i64::from(a.temp_days), &te)
}

/// Stores `half_term_on` where it is missing on active compulsory admissions with a
/// term (rows from before it was kept, or written by the demo). Returns how many.
pub async fn fill_half_terms<C: ConnectionTrait>(conn: &C) -> AppResult<usize> {
    let missing = admission::Entity::find()
        .filter(admission::COLUMN.status.eq(ACTIVE))
        .filter(admission::COLUMN.half_term_on.is_null())
        .filter(admission::COLUMN.term_months.is_not_null())
        .filter(
            admission::COLUMN.admission_type.is_in(
                AdmissionType::ALL
                    .iter()
                    .filter(|t| t.is_compulsory())
                    .map(|t| t.as_str()),
            ),
        )
        .all(conn)
        .await?;
    let ids: Vec<i32> = missing.iter().map(|a| a.id).collect();
    let mut events = events_by_admission(conn, &ids).await?;
    let mut n = 0;
    for a in missing {
        let own = events.remove(&a.id).unwrap_or_default();
        if let Some(on) = half_term_on(&a, &own) {
            let mut am = a.into_active_model();
            am.half_term_on = Set(Some(on));
            am.update(conn).await?;
            n += 1;
        }
    }
    Ok(n)
}

pub fn compute_end(
    a: &admission::Model,
    events: &[admission_event::Model],
    today: NaiveDate,
) -> Option<NaiveDate> {
    let t = AdmissionType::parse(&a.admission_type)?;
    match (t, a.term_months) {
        (AdmissionType::Determination, _) => Some(a.admitted_on + chrono::Duration::days(5)),
        (_, Some(term)) => Some(
            rules::expected_end(
                a.admitted_on,
                term,
                i64::from(a.temp_days),
                &term_events(events),
                today,
            )
            .expected_end,
        ),
        _ => None,
    }
}

pub async fn admit<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    resident_id: i32,
    f: &AdmissionForm,
    today: NaiveDate,
    limit: CapacityCheck,
) -> AppResult<admission::Model> {
    let person = get_resident(conn, resident_id).await?;
    // Receiving capacity (L 73/2021 Art 35.5a): refused when full, unless the director
    // overrides with a written reason.
    let override_reason = f.capacity_override_reason.trim().to_owned();
    if let Some(cap) = limit.receiving_capacity {
        let occupied = crate::beds::history::now(conn).await?.occupancy;
        if occupied + 1 > cap {
            if override_reason.is_empty() {
                return Err(AppError::invalid(
                    "admission_type",
                    Msg::new("error.over_capacity")
                        .arg("occupied", occupied)
                        .arg("capacity", cap),
                ));
            }
            if !limit.may_override {
                return Err(AppError::invalid(
                    "capacity_override_reason",
                    "error.override_director_only",
                ));
            }
        }
    }
    let previous = admissions_of(conn, resident_id).await?;
    let mut e = FieldErrors::new();
    if previous.iter().any(|a| a.status == ACTIVE) {
        e.add("admission_type", "error.active_admission_exists");
        return Err(AppError::Invalid(e));
    }
    let t = AdmissionType::parse(&f.admission_type);
    if t.is_none() {
        e.add("admission_type", "error.required");
    }
    // The zone is one of the centre's zones (a bed sets it when one is assigned); free
    // text could disagree with every bed.
    let zone = f.zone.trim();
    if !zone.is_empty()
        && !crate::beds::store::zone_names(conn)
            .await?
            .iter()
            .any(|z| z == zone)
    {
        e.add("zone", "error.unknown_zone");
    }
    let document_date = date_field(&mut e, "document_date", &f.document_date, true);
    let admitted_on = date_field(&mut e, "admitted_on", &f.admitted_on, true);
    let term = parse_int(&f.term_months).unwrap_or_else(|()| {
        e.add("term_months", "error.whole_number");
        None
    });
    let temp_elsewhere = parse_int(&f.temp_days_elsewhere).unwrap_or_else(|()| {
        e.add("temp_days_elsewhere", "error.whole_number");
        None
    });
    if temp_elsewhere.is_some_and(|d| !(0..=365).contains(&d)) {
        e.add("temp_days_elsewhere", "error.temp_days_range");
    }
    for (field, value, max) in [
        ("zone", &f.zone, 64),
        ("document_number", &f.document_number, 128),
        ("issuing_body", &f.issuing_body, 200),
        ("guardian_name", &f.guardian_name, 200),
        ("health_on_arrival", &f.health_on_arrival, 2000),
        ("documents_received", &f.documents_received, 2000),
        ("belongings", &f.belongings, 2000),
    ] {
        if value.chars().count() > max {
            e.add(field, "error.too_long");
        }
    }
    let (Some(t), Some(document_date), Some(admitted_on)) = (t, document_date, admitted_on) else {
        return Err(AppError::Invalid(e));
    };
    let prior = previous
        .iter()
        .filter(|a| {
            AdmissionType::parse(&a.admission_type).is_some_and(AdmissionType::is_rehabilitation)
        })
        .count() as u32;
    let rules_all = load_rules(conn).await?;
    let facts = AdmissionFacts {
        admission_type: t,
        dob: person.date_of_birth,
        decision_date: document_date,
        admitted_on,
        term_months: term,
        prior_rehabilitations: prior,
        document_number: f.document_number.clone(),
        issuing_body: f.issuing_body.clone(),
        guardian_name: f.guardian_name.clone(),
        today,
    };
    let rule = match rules::check_admission(&facts, &rules_all) {
        Ok(r) if e.is_empty() => r.clone(),
        Ok(_) => return Err(AppError::Invalid(e)),
        Err(more) => {
            for (k, v) in more.0 {
                e.add(k, v);
            }
            return Err(AppError::Invalid(e));
        }
    };
    let temp_days = if t.is_compulsory() {
        temp_days_here(&previous, admitted_on) + i64::from(temp_elsewhere.unwrap_or(0))
    } else {
        0
    };
    let mut model = admission::ActiveModel {
        resident_id: Set(resident_id),
        admission_type: Set(t.as_str().to_owned()),
        status: Set(ACTIVE.to_owned()),
        presence: Set(Presence::Present.as_str().to_owned()),
        presence_since: Set(admitted_on),
        admitted_on: Set(admitted_on),
        document_number: Set(f.document_number.trim().to_owned()),
        document_date: Set(document_date),
        issuing_body: Set(f.issuing_body.trim().to_owned()),
        guardian_name: Set(f.guardian_name.trim().to_owned()),
        term_months: Set(term),
        prior_rehabilitations: Set(prior as i32),
        rule_id: Set(Some(rule.id)),
        regime_code: Set(rule.regime_code.clone()),
        temp_days: Set(i32::try_from(temp_days).unwrap_or(0)),
        expected_end: Set(None),
        zone: Set(f.zone.trim().to_owned()),
        stage: Set(1),
        stage_since: Set(Some(admitted_on)),
        health_on_arrival: Set(f.health_on_arrival.trim().to_owned()),
        documents_received: Set(f.documents_received.trim().to_owned()),
        belongings: Set(f.belongings.trim().to_owned()),
        released_on: Set(None),
        release_reason: Set(None),
        release_document: Set(String::new()),
        from_centre: Set(None),
        to_centre: Set(None),
        created_at: Set(Utc::now()),
        created_by: Set(actor.user_id),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::invalid("admission_type", "error.active_admission_exists")
        } else {
            err.into()
        }
    })?;
    let end = compute_end(&model, &[], today);
    let half = half_term_on(&model, &[]);
    if end.is_some() || half.is_some() {
        let mut am = model.into_active_model();
        am.expected_end = Set(end);
        am.half_term_on = Set(half);
        model = am.update(conn).await?;
    }
    audit::record(
        conn,
        actor,
        "admission.create",
        "admission",
        model.id,
        json!({ "after": {
            "resident": person.code, "type": model.admission_type, "document": model.document_number,
            "admitted_on": model.admitted_on, "term_months": model.term_months, "regime": model.regime_code,
            "prior_rehabilitations": model.prior_rehabilitations, "temp_days": model.temp_days,
            "expected_end": model.expected_end, "zone": model.zone },
            "capacity_override_reason": override_reason }),
    )
    .await?;
    if !model.zone.is_empty() {
        crate::care::on_zone_change(conn, model.id, &model.zone, today).await?;
    }
    Ok(model)
}

pub async fn get_admission<C: ConnectionTrait>(conn: &C, id: i32) -> AppResult<admission::Model> {
    admission::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

// ---------- events ----------

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventForm {
    /// escape, escape_return, hospital_out, hospital_return, funeral_leave,
    /// funeral_return, criminal_removal, criminal_return, term_reduction, stage_change.
    #[schema(required = true)]
    pub kind: String,
    /// dd/mm/yyyy.
    #[schema(required = true)]
    pub occurred_on: String,
    /// HH:MM.
    pub occurred_time: String,
    pub document_ref: String,
    pub reason: String,
    pub place: String,
    /// Months of a term reduction.
    pub months: String,
    /// Travel days allowed with funeral leave.
    pub travel_days: String,
    /// New stage (1–5) for a stage change.
    pub stage: String,
    /// `true` when a reduction rewards a meritorious act (lập công): up to 6 months.
    pub merit: String,
}

fn parse_time(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return Some(String::new());
    }
    chrono::NaiveTime::parse_from_str(t, "%H:%M")
        .ok()
        .map(|v| v.format("%H:%M").to_string())
}

pub async fn record_event<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &EventForm,
    today: NaiveDate,
) -> AppResult<admission_event::Model> {
    let a = get_admission(conn, admission_id).await?;
    let mut e = FieldErrors::new();
    if a.status != ACTIVE {
        e.add("kind", "error.admission_not_active");
        return Err(AppError::Invalid(e));
    }
    let kind = EventKind::parse(&f.kind);
    if kind.is_none() {
        e.add("kind", "error.required");
    }
    let on = date_field(&mut e, "occurred_on", &f.occurred_on, true);
    let time = parse_time(&f.occurred_time);
    if time.is_none() {
        e.add("occurred_time", "error.time_format");
    }
    let months = parse_int(&f.months).unwrap_or_else(|()| {
        e.add("months", "error.whole_number");
        None
    });
    let travel = parse_int(&f.travel_days).unwrap_or_else(|()| {
        e.add("travel_days", "error.whole_number");
        None
    });
    let (Some(kind), Some(on)) = (kind, on) else {
        return Err(AppError::Invalid(e));
    };
    if on > today {
        e.add("occurred_on", "error.date_in_future");
    }
    if on < a.admitted_on {
        e.add(
            "occurred_on",
            Msg::new("error.before_admission").arg("date", crate::i18n::format_date(a.admitted_on)),
        );
    }
    let presence = Presence::parse(&a.presence).unwrap_or(Presence::Present);
    let next = match rules::next_presence(presence, kind) {
        Ok(p) => p,
        Err(k) => {
            e.add("kind", Msg::new(k).arg("presence", presence.as_str()));
            presence
        }
    };
    if next != presence && on < a.presence_since {
        e.add(
            "occurred_on",
            Msg::new("error.before_last_movement")
                .arg("date", crate::i18n::format_date(a.presence_since)),
        );
    }
    let events = events_of(conn, a.id).await?;
    let mut event_months = 0;
    match kind {
        EventKind::TermReduction => {
            let doc = f.document_ref.trim();
            if doc.is_empty() {
                e.add("document_ref", "error.court_decision_required");
            } else if effective_events(&events)
                .iter()
                .any(|x| x.kind == EventKind::TermReduction.as_str() && x.document_ref == doc)
            {
                // A decision is applied once, however often the form is sent.
                e.add("document_ref", "error.reduction_duplicate");
            }
            match (a.term_months, months) {
                (Some(term), Some(m)) => {
                    if let Err(msg) = rules::check_reduction(
                        a.admitted_on,
                        term,
                        i64::from(a.temp_days),
                        &term_events(&events),
                        on,
                        m,
                        f.merit == "true",
                    ) {
                        e.add("months", msg);
                    }
                    event_months = m;
                }
                (None, _) => e.add("kind", "error.no_term_for_type"),
                (_, None) => e.add("months", "error.required"),
            }
        }
        // Stages are recorded in the treatment area (one place, with its checks); the
        // movements of this kind recorded before it are kept and were copied there.
        EventKind::StageChange => e.add("kind", "error.stage_in_treatment"),
        EventKind::FuneralLeave => {
            if travel.is_some_and(|t| !(0..=10).contains(&t)) {
                e.add("travel_days", "error.travel_days_range");
            }
        }
        _ => {}
    }
    for (field, value, max) in [
        ("document_ref", &f.document_ref, 128),
        ("place", &f.place, 200),
        ("reason", &f.reason, 2000),
    ] {
        if value.chars().count() > max {
            e.add(field, "error.too_long");
        }
    }
    e.clone().into_result()?;
    let event = admission_event::ActiveModel {
        admission_id: Set(a.id),
        kind: Set(kind.as_str().to_owned()),
        occurred_on: Set(on),
        occurred_time: Set(time.unwrap_or_default()),
        document_ref: Set(f.document_ref.trim().to_owned()),
        reason: Set(f.reason.trim().to_owned()),
        months: Set(event_months),
        travel_days: Set(travel.unwrap_or(0)),
        place: Set(f.place.trim().to_owned()),
        corrects_id: Set(None),
        recorded_by: Set(actor.user_id),
        recorded_by_name: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut all = events;
    all.push(event.clone());
    let before =
        json!({ "presence": a.presence, "expected_end": a.expected_end, "stage": a.stage });
    let mut am = a.clone().into_active_model();
    if next != presence {
        am.presence = Set(next.as_str().to_owned());
        am.presence_since = Set(on);
    }
    am.expected_end = Set(compute_end(&a, &all, today));
    am.half_term_on = Set(half_term_on(&a, &all));
    let updated = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        &format!("admission.event.{}", kind.as_str()),
        "admission",
        a.id,
        json!({ "event_id": event.id, "on": on, "document": event.document_ref, "merit": f.merit == "true", "before": before,
                "after": { "presence": updated.presence, "expected_end": updated.expected_end, "stage": updated.stage } }),
    )
    .await?;
    Ok(event)
}

// ---------- release ----------

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReleaseForm {
    /// Release reason code.
    #[schema(required = true)]
    pub reason: String,
    /// dd/mm/yyyy.
    #[schema(required = true)]
    pub released_on: String,
    pub document_ref: String,
    /// Receiving centre code for a transfer.
    pub to_centre: String,
}

pub async fn release<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    admission_id: i32,
    f: &ReleaseForm,
    today: NaiveDate,
    known_centres: &[String],
) -> AppResult<admission::Model> {
    let a = get_admission(conn, admission_id).await?;
    let mut e = FieldErrors::new();
    if a.status != ACTIVE {
        e.add("reason", "error.admission_not_active");
        return Err(AppError::Invalid(e));
    }
    let t = AdmissionType::parse(&a.admission_type).ok_or(AppError::Internal(anyhow::anyhow!(
        "admission type {}",
        a.admission_type
    )))?;
    let on = date_field(&mut e, "released_on", &f.released_on, true);
    let reason = ReleaseReason::parse(&f.reason);
    if let Some(on) = on {
        for (k, v) in rules::check_release(a.admitted_on, on, today, reason, t).0 {
            e.add(k, v);
        }
    } else if reason.is_none() {
        e.add("reason", "error.release_reason_required");
    }
    let to_centre = f.to_centre.trim().to_uppercase();
    if reason == Some(ReleaseReason::TransferCentre) && !known_centres.contains(&to_centre) {
        e.add(
            "to_centre",
            Msg::new("error.unknown_centre").arg(
                "code",
                if to_centre.is_empty() {
                    "—".to_owned()
                } else {
                    to_centre.clone()
                },
            ),
        );
    }
    if f.document_ref.chars().count() > 128 {
        e.add("document_ref", "error.too_long");
    }
    e.into_result()?;
    let (Some(on), Some(reason)) = (on, reason) else {
        return Err(AppError::BadRequest("error.invalid"));
    };
    // A released resident no longer holds a bed, nor an open care record.
    crate::beds::store::vacate(conn, actor, a.id, "release").await?;
    crate::care::on_release(conn, actor, &a, on).await?;
    let mut am = a.clone().into_active_model();
    am.status = Set(RELEASED.to_owned());
    am.released_on = Set(Some(on));
    am.release_reason = Set(Some(reason.as_str().to_owned()));
    am.release_document = Set(f.document_ref.trim().to_owned());
    am.to_centre = Set((reason == ReleaseReason::TransferCentre).then_some(to_centre));
    let updated = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "admission.release",
        "admission",
        a.id,
        json!({ "before": { "status": a.status, "presence": a.presence, "expected_end": a.expected_end },
                "after": { "status": updated.status, "released_on": on, "reason": reason.as_str(), "document": updated.release_document, "to_centre": updated.to_centre } }),
    )
    .await?;
    Ok(updated)
}
