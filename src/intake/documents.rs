//! Printable documents of the intake desk: the admission (handover) record, biên bản
//! tiếp nhận (N116 Art 55, Mẫu 40), and the completion certificate, giấy chứng nhận
//! (Mẫu 46 compulsory, Mẫu 26b voluntary). Official documents are always in Vietnamese.

use crate::web::Path;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::rules::{self, AdmissionType, ReleaseReason};
use super::store;
use crate::audit;
use crate::entities::{admission, resident};
use crate::error::{AppError, AppResult};
use crate::i18n::{Catalog, Lang, format_date};
use crate::pdf::Doc;
use crate::state::AppState;
use crate::web::PageCtx;

pub(crate) fn long_date(cat: &Catalog, d: NaiveDate) -> String {
    cat.t("pdf.long_date")
        .replace("{d}", &format!("{:02}", d.day()))
        .replace("{m}", &format!("{:02}", d.month()))
        .replace("{y}", &d.year().to_string())
}

pub(crate) fn header(doc: &mut Doc, cat: &Catalog, centre_name: &str) {
    doc.official_header(
        &cat.t("pdf.governing_body").to_uppercase(),
        &centre_name.to_uppercase(),
        cat.t("pdf.republic"),
        cat.t("pdf.motto"),
    );
}

/// `as_of` is the document's date: a home address written with names abolished by then
/// is followed by the unit it lies in on that date.
fn person_fields(doc: &mut Doc, cat: &Catalog, r: &resident::Model, as_of: NaiveDate) {
    doc.field(cat.t("residents.full_name"), &r.full_name);
    doc.field(cat.t("residents.code"), &r.code);
    doc.field(
        cat.t("residents.date_of_birth"),
        &format_date(r.date_of_birth),
    );
    doc.field(cat.t("residents.sex"), cat.t(&format!("sex.{}", r.sex)));
    doc.field(
        &format!(
            "{} ({})",
            cat.t("residents.id_number"),
            cat.t(&format!("id_kind.{}", r.id_kind))
        ),
        &r.id_number,
    );
    let home = [
        r.home_address.as_str(),
        r.home_commune.as_str(),
        r.home_district.as_str(),
        r.home_province.as_str(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(", ");
    doc.field(cat.t("residents.home_address"), &home);
    // A legal record says where a name lies now, not that it was kept as written.
    let now = r
        .home_unit
        .as_deref()
        .and_then(|u| super::pages::address_note(cat, Some(u), as_of));
    if let Some(now) = now {
        doc.field("", &format!("({now})"));
    }
    let current = [
        r.current_address.as_str(),
        r.current_commune.as_str(),
        r.current_district.as_str(),
        r.current_province.as_str(),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(", ");
    if !current.is_empty() && current != home {
        doc.field(cat.t("residents.current_address"), &current);
    }
}

/// The admission record as PDF bytes.
pub fn admission_record(
    centre_name: &str,
    centre_address: &str,
    r: &resident::Model,
    a: &admission::Model,
    clerk: &str,
) -> AppResult<Vec<u8>> {
    let cat = Lang::Vi.catalog();
    let mut doc = Doc::new(cat.t("pdf.record_title")).map_err(|e| AppError::Internal(e.into()))?;
    header(&mut doc, cat, centre_name);
    doc.title(&cat.t("pdf.record_title").to_uppercase());
    doc.subtitle(cat.t("pdf.record_subtitle"));
    doc.para(
        &cat.t("pdf.record_opening")
            .replace("{date}", &long_date(cat, a.admitted_on))
            .replace("{centre}", centre_name)
            .replace("{address}", centre_address),
    );
    doc.heading(cat.t("pdf.section_person"));
    person_fields(&mut doc, cat, r, a.admitted_on);
    doc.heading(cat.t("pdf.section_basis"));
    doc.field(
        cat.t("admission.type"),
        cat.t(&format!("admission_type.{}", a.admission_type)),
    );
    doc.field(
        cat.t("admission.document_number"),
        &format!("{} ({})", a.document_number, format_date(a.document_date)),
    );
    doc.field(cat.t("admission.issuing_body"), &a.issuing_body);
    if let Some(t) = a.term_months {
        doc.field(cat.t("admission.term_months"), &t.to_string());
    }
    doc.field(cat.t("admission.admitted_on"), &format_date(a.admitted_on));
    if let Some(end) = a.expected_end {
        doc.field(cat.t("admission.expected_end"), &format_date(end));
    }
    if a.temp_days > 0 {
        doc.field(cat.t("admission.temp_days"), &a.temp_days.to_string());
    }
    if !a.guardian_name.is_empty() {
        doc.field(cat.t("admission.guardian_name"), &a.guardian_name);
    }
    doc.field(cat.t("admission.regime"), &a.regime_code);
    doc.heading(cat.t("pdf.section_handover"));
    doc.field(cat.t("admission.health_on_arrival"), &a.health_on_arrival);
    doc.field(cat.t("admission.documents_received"), &a.documents_received);
    doc.field(cat.t("admission.belongings"), &a.belongings);
    doc.field(cat.t("admission.zone"), &a.zone);
    doc.space(2.0);
    doc.para(cat.t("pdf.record_closing"));
    doc.signatures(
        &[
            (cat.t("pdf.sign_deliverer"), ""),
            (cat.t("pdf.sign_person"), &r.full_name),
            (cat.t("pdf.sign_receiver"), clerk),
        ],
        cat.t("pdf.sign_hint"),
    );
    Ok(doc.finish())
}

/// The completion certificate as PDF bytes.
pub fn completion_certificate(
    centre_name: &str,
    r: &resident::Model,
    a: &admission::Model,
    issued_on: NaiveDate,
) -> AppResult<Vec<u8>> {
    let cat = Lang::Vi.catalog();
    let t = AdmissionType::parse(&a.admission_type).ok_or(AppError::NotFound)?;
    let reason = a
        .release_reason
        .as_deref()
        .and_then(ReleaseReason::parse)
        .ok_or(AppError::NotFound)?;
    let released = a.released_on.ok_or(AppError::NotFound)?;
    if !reason.is_completion() {
        return Err(AppError::Conflict("error.no_certificate"));
    }
    let title = if t == AdmissionType::Voluntary {
        cat.t("pdf.certificate_title_voluntary")
    } else {
        cat.t("pdf.certificate_title_compulsory")
    };
    let mut doc = Doc::new(title).map_err(|e| AppError::Internal(e.into()))?;
    header(&mut doc, cat, centre_name);
    doc.title(&title.to_uppercase());
    doc.space(2.0);
    doc.para(
        &cat.t("pdf.certificate_opening")
            .replace("{centre}", centre_name),
    );
    person_fields(&mut doc, cat, r, issued_on);
    doc.space(1.0);
    let basis = cat
        .t("pdf.certificate_basis")
        .replace(
            "{type}",
            &lower_first(cat.t(&format!("admission_type.{}", a.admission_type))),
        )
        .replace("{document}", &a.document_number)
        .replace("{document_date}", &format_date(a.document_date))
        .replace(
            "{body}",
            if a.issuing_body.is_empty() {
                centre_name
            } else {
                &a.issuing_body
            },
        );
    doc.para(&basis);
    doc.field(
        cat.t("pdf.period"),
        &format!("{} – {}", format_date(a.admitted_on), format_date(released)),
    );
    doc.field(
        cat.t("admission.release_reason"),
        cat.t(&format!("release_reason.{}", reason.as_str())),
    );
    if let Some(years) = rules::aftercare_years(t, rules::age_on(r.date_of_birth, released), reason)
    {
        doc.field(cat.t("aftercare.years"), &years.to_string());
    }
    doc.space(1.0);
    doc.para(cat.t("pdf.certificate_duty"));
    doc.para(cat.t("pdf.certificate_copies"));
    doc.space(4.0);
    doc.place_date(&format!(
        "{}, {}",
        cat.t("pdf.place"),
        long_date(cat, issued_on)
    ));
    doc.signatures(
        &[("", ""), (cat.t("pdf.sign_director"), "")],
        cat.t("pdf.sign_hint"),
    );
    Ok(doc.finish())
}

/// "Cai nghiện bắt buộc" → "cai nghiện bắt buộc", for use inside a sentence.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

async fn load(
    st: &AppState,
    id: i32,
) -> AppResult<(admission::Model, resident::Model, String, String)> {
    let a = store::get_admission(&st.db, id).await?;
    let r = store::get_resident(&st.db, a.resident_id).await?;
    let (name, address) = st
        .instance
        .centre
        .as_ref()
        .map(|c| (c.name.clone(), c.address.clone()))
        .ok_or(AppError::NotFound)?;
    Ok((a, r, name, address))
}

pub(crate) fn pdf_response(bytes: Vec<u8>, filename: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
}

pub async fn record_pdf(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<impl IntoResponse> {
    let (a, r, name, address) = load(&st, id).await?;
    let clerk = ctx
        .user
        .as_ref()
        .map(|u| u.full_name.clone())
        .unwrap_or_default();
    let file = format!("bien-ban-tiep-nhan-{}.pdf", r.code);
    // The record carries health on arrival: printing it is audited like a read.
    audit::record(
        &st.db,
        &ctx.actor(),
        "admission.print_record",
        "admission",
        a.id,
        json!({ "resident": r.code }),
    )
    .await?;
    let bytes =
        tokio::task::spawn_blocking(move || admission_record(&name, &address, &r, &a, &clerk))
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
    Ok(pdf_response(bytes, file))
}

pub async fn certificate_pdf(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> AppResult<impl IntoResponse> {
    let (a, r, name, _) = load(&st, id).await?;
    let issued = a.released_on.unwrap_or_else(|| st.today());
    let file = format!("giay-chung-nhan-{}.pdf", r.code);
    audit::record(
        &st.db,
        &ctx.actor(),
        "admission.print_certificate",
        "admission",
        a.id,
        json!({ "resident": r.code }),
    )
    .await?;
    let bytes = tokio::task::spawn_blocking(move || completion_certificate(&name, &r, &a, issued))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    Ok(pdf_response(bytes, file))
}
