//! Changing a resident's addresses (a move, or a name written wrongly at intake). The
//! new address is checked against the dated administrative names like a registration;
//! the change needs a reason, and the audit row keeps both addresses.

use crate::web::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::store::{self, Locality, ResidentForm};
use crate::audit::{self, Actor};
use crate::db;
use crate::entities::resident;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::{Form, PageCtx};

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AddressForm {
    pub home_province: String,
    pub home_district: String,
    pub home_commune: String,
    pub home_unlisted: bool,
    pub home_address: String,
    /// Province, district and commune left empty: as the permanent address.
    pub current_province: String,
    pub current_district: String,
    pub current_commune: String,
    pub current_unlisted: bool,
    pub current_address: String,
    /// Why the address changes (moved, written wrongly at intake, …).
    #[schema(required = true)]
    pub reason: String,
}

impl AddressForm {
    /// The form as the resident's record has it now. A former commune carries its
    /// district in the commune field, as the suggestions list writes it, so picking
    /// today's name in its place leaves no stale district behind.
    pub fn of(r: &resident::Model) -> AddressForm {
        let with_district = |commune: &str, district: &str| {
            if district.is_empty() {
                commune.to_owned()
            } else {
                format!("{commune} ({district})")
            }
        };
        let same = r.current_province == r.home_province
            && r.current_district == r.home_district
            && r.current_commune == r.home_commune
            && r.current_address == r.home_address;
        let (cp, cd, cc, street) = if same {
            Default::default()
        } else {
            (
                r.current_province.clone(),
                String::new(),
                with_district(&r.current_commune, &r.current_district),
                r.current_address.clone(),
            )
        };
        AddressForm {
            home_province: r.home_province.clone(),
            home_district: String::new(),
            home_commune: with_district(&r.home_commune, &r.home_district),
            // Never ticked in advance: a name kept as written is confirmed again, so a
            // typo cannot slip through on a later change.
            home_unlisted: false,
            home_address: r.home_address.clone(),
            current_province: cp,
            current_district: cd,
            current_commune: cc,
            current_unlisted: false,
            current_address: street,
            reason: String::new(),
        }
    }

    fn as_resident_form(&self) -> ResidentForm {
        ResidentForm {
            home_province: self.home_province.clone(),
            home_district: self.home_district.clone(),
            home_commune: self.home_commune.clone(),
            home_unlisted: self.home_unlisted,
            home_address: self.home_address.clone(),
            current_province: self.current_province.clone(),
            current_district: self.current_district.clone(),
            current_commune: self.current_commune.clone(),
            current_unlisted: self.current_unlisted,
            current_address: self.current_address.clone(),
            ..Default::default()
        }
    }
}

/// The addresses to store: both localities and both street lines.
#[derive(Debug, PartialEq, Eq)]
pub struct Addresses {
    pub home: Locality,
    pub home_address: String,
    pub current: Locality,
    pub current_address: String,
}

/// Checks an address change; pure.
pub fn validate(f: &AddressForm, today: NaiveDate) -> Result<Addresses, FieldErrors> {
    let mut e = FieldErrors::new();
    let reason = f.reason.trim();
    if reason.is_empty() {
        e.add("reason", "error.required");
    }
    let form = f.as_resident_form();
    store::check_lengths(
        &mut e,
        form.address_fields()
            .into_iter()
            .chain([("reason", &f.reason)]),
    );
    if !e.is_empty() {
        return Err(e);
    }
    let checked = store::check_addresses(&form, today, &mut e);
    match (e.is_empty(), checked) {
        (true, Some((home, current))) => Ok(Addresses {
            home,
            current,
            home_address: tidy(&f.home_address),
            current_address: if form.current_as_home() {
                tidy(&f.home_address)
            } else {
                tidy(&f.current_address)
            },
        }),
        _ => Err(e),
    }
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn snapshot(r: &resident::Model) -> serde_json::Value {
    json!({
        "home": [r.home_address, r.home_commune, r.home_district, r.home_province, r.home_unit],
        "current": [r.current_address, r.current_commune, r.current_district, r.current_province, r.current_unit],
    })
}

/// Stores a checked change in the caller's transaction, audited with both addresses.
/// A change that changes nothing is refused, so the audit trail holds only real moves.
pub async fn change<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    id: i32,
    f: &AddressForm,
    today: NaiveDate,
) -> AppResult<resident::Model> {
    let a = validate(f, today).map_err(AppError::Invalid)?;
    let r = store::get_resident(conn, id).await?;
    let unchanged = Addresses {
        home: Locality {
            province: r.home_province.clone(),
            district: r.home_district.clone(),
            commune: r.home_commune.clone(),
            unit: r.home_unit.clone(),
        },
        home_address: r.home_address.clone(),
        current: Locality {
            province: r.current_province.clone(),
            district: r.current_district.clone(),
            commune: r.current_commune.clone(),
            unit: r.current_unit.clone(),
        },
        current_address: r.current_address.clone(),
    };
    if a == unchanged {
        return Err(AppError::invalid("reason", "error.address_unchanged"));
    }
    let before = snapshot(&r);
    let mut am = r.into_active_model();
    am.home_province = Set(a.home.province);
    am.home_district = Set(a.home.district);
    am.home_commune = Set(a.home.commune);
    am.home_unit = Set(a.home.unit);
    am.home_address = Set(a.home_address);
    am.current_province = Set(a.current.province);
    am.current_district = Set(a.current.district);
    am.current_commune = Set(a.current.commune);
    am.current_unit = Set(a.current.unit);
    am.current_address = Set(a.current_address);
    let after = am.update(conn).await?;
    audit::record(
        conn,
        actor,
        "resident.address_change",
        "resident",
        after.id,
        json!({ "before": before, "after": snapshot(&after), "reason": f.reason.trim() }),
    )
    .await?;
    Ok(after)
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/address.html")]
pub struct AddressPage {
    pub ctx: PageCtx,
    pub r: resident::Model,
    pub form: AddressForm,
    pub errors: FieldErrors,
    pub provinces: Vec<String>,
    pub communes: Vec<String>,
}

fn address_page(
    ctx: PageCtx,
    r: resident::Model,
    form: AddressForm,
    errors: FieldErrors,
    today: NaiveDate,
) -> AddressPage {
    let d = crate::divisions::Divisions::shipped();
    AddressPage {
        ctx,
        r,
        form,
        errors,
        provinces: d.province_choices(today),
        communes: d.commune_choices(today),
    }
}

pub async fn form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<AddressPage> {
    let r = store::get_resident(&st.db, id).await?;
    let form = AddressForm::of(&r);
    Ok(address_page(ctx, r, form, FieldErrors::new(), st.today()))
}

pub async fn post(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<AddressForm>,
) -> AppResult<Response> {
    let txn = db::begin_write(&st.db).await?;
    match change(&txn, &ctx.actor(), id, &f, st.today()).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(Redirect::to(&format!("/residents/{id}?ok=address_changed")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            drop(txn);
            let r = store::get_resident(&st.db, id).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                address_page(ctx, r, f, errors, st.today()),
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_change_needs_a_reason_and_known_names() {
        let mut f = AddressForm {
            home_province: "Hà Nội".into(),
            home_commune: "Phường Hoàn Kiếm".into(),
            ..Default::default()
        };
        let e = validate(&f, today()).unwrap_err();
        assert_eq!(e.key("reason"), Some("error.required"));
        f.reason = "Chuyển nhà".into();
        let a = validate(&f, today()).unwrap();
        assert_eq!(a.home.unit.as_deref(), Some("01.00070"));
        assert_eq!(a.current, a.home, "empty current = the permanent address");
        f.current_province = "Hà Nội".into();
        f.current_commune = "Không Có".into();
        let e = validate(&f, today()).unwrap_err();
        assert!(e.has("current_commune") && !e.has("home_commune"));
    }

    #[test]
    fn as_written_covers_unknown_names_for_the_clerk_and_anything_for_other_records() {
        let typed = |unlisted: bool, keep_any: bool, commune: &'static str| store::TypedAddress {
            province: "Hà Nội",
            district: "",
            commune,
            unlisted,
            keep_any,
            province_field: "home_province",
            commune_field: "home_commune",
        };
        // Unknown: the clerk may keep it.
        assert!(store::resolve_locality(&typed(false, false, "Trung Tự"), today()).is_err());
        let kept = store::resolve_locality(&typed(true, false, "Trung Tự"), today()).unwrap();
        assert_eq!((kept.commune.as_str(), kept.unit), ("Trung Tự", None));
        // Ambiguous ("song phuong" is two communes): the clerk must say which...
        assert!(store::resolve_locality(&typed(true, false, "song phuong"), today()).is_err());
        // ...while a transferred or imported record is kept as it came.
        let kept = store::resolve_locality(&typed(false, true, "song phuong"), today()).unwrap();
        assert_eq!(kept.unit, None);
    }
}
