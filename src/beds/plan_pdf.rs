//! The ward plan on paper (sơ đồ giường): A4, zone after zone, each room's beds as a
//! table that is never split across pages. The page's print button links here, so
//! printing needs no JavaScript.

use axum::extract::State;
use axum::response::Response;

use super::pages::BoardQuery;
use super::store::{self, RoomRow, ZoneBoard};
use crate::error::{AppError, AppResult};
use crate::i18n::Catalog;
use crate::pdf::Doc;
use crate::state::AppState;
use crate::web::{PageCtx, Query};

pub async fn pdf(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let (mut zones, _) = store::zone_figures(&st.db).await?;
    if !q.zone.is_empty() {
        zones.retain(|z| z.zone.code == q.zone);
        if zones.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    store::fill_rooms(&st.db, &mut zones, |_| true, None).await?;
    let cat = ctx.cat;
    let unit = crate::web::instance_name(&st, cat);
    let printed = cat.t1("beds.plan_printed", "date", &cat.date(st.today()));
    let body = tokio::task::spawn_blocking(move || render(cat, &unit, &printed, &zones))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?;
    let name = if q.zone.is_empty() {
        "so-do-giuong.pdf".to_owned()
    } else {
        format!("so-do-giuong-{}.pdf", q.zone)
    };
    Ok(crate::web::attachment(body, "application/pdf", &name))
}

fn render(
    cat: &'static Catalog,
    unit: &str,
    printed: &str,
    zones: &[ZoneBoard],
) -> Result<Vec<u8>, crate::pdf::PdfError> {
    let mut doc = Doc::new(cat.t("beds.board"))?;
    doc.para(&unit.to_uppercase());
    doc.title(cat.t("beds.board"));
    doc.subtitle(printed);
    if zones.is_empty() {
        doc.para(cat.t("beds.no_structure"));
    }
    let header = [
        cat.t("beds.bed").to_owned(),
        cat.t("beds.occupant").to_owned(),
        cat.t("residents.code").to_owned(),
    ];
    for (i, z) in zones.iter().enumerate() {
        // Each zone on its own pages: a zone's sheets go to its own staff.
        if i > 0 {
            doc.page_break();
        }
        doc.heading(&format!(
            "{} · {} · {}",
            z.zone.name,
            cat.t(&format!("zone_kind.{}", z.zone.kind)),
            cat.t(&format!("sex.{}", z.zone.sex))
        ));
        let mut counts = cat.t2("beds.zone_counts", "used", z.used, "free", z.free);
        if z.out > 0 {
            counts.push_str(" · ");
            counts.push_str(&cat.t1("beds.zone_out", "n", &z.out.to_string()));
        }
        doc.para(&counts);
        for r in &z.rooms {
            // The room's heading, its header row and every bed on one page.
            doc.keep_together(8.0 + Doc::table_rows_height(r.beds.len() + 1));
            doc.subheading(&format!("{} · {} m²", r.room.code, r.room.floor_area_m2));
            doc.table(&header, &room_rows(cat, r), &[1.2, 3.0, 1.5], 3, false);
        }
    }
    Ok(doc.finish())
}

/// One row per bed: its code, who lies in it (or free, or why it is out of use).
fn room_rows(cat: &Catalog, r: &RoomRow) -> Vec<Vec<String>> {
    r.beds
        .iter()
        .map(|b| match &b.occupant {
            Some((_, name, code)) => vec![b.bed.code.clone(), name.clone(), code.clone()],
            None if b.bed.state == "in_service" => {
                vec![
                    b.bed.code.clone(),
                    cat.t("beds.free").to_owned(),
                    String::new(),
                ]
            }
            None => vec![
                b.bed.code.clone(),
                format!("{}: {}", cat.t("beds.out"), b.bed.out_reason),
                String::new(),
            ],
        })
        .collect()
}
