//! Bulk import of an existing register (CSV or XLSX) with a row-by-row validation report.
//! By default nothing is imported when any row is invalid; the user may choose to import
//! the valid rows. Re-running the same file creates no duplicates: known identity
//! documents lead to the existing person, and an admission already on record (same
//! document number and admission date) is skipped.

use std::io::Cursor;

use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;

use super::rules::{AdmissionType, IdKind, Sex};
use super::store::{self, AdmissionForm, Registered, ResidentForm};
use crate::audit::{self, Actor};
use crate::error::{AppError, AppResult, FieldErrors, Msg};
use crate::i18n::{Lang, fold_for_search, format_date};

/// Most rows accepted in one file.
pub const MAX_ROWS: usize = 20_000;

/// Columns: the code (always accepted as a header) and the catalogue key of its label
/// (the Vietnamese and English labels are accepted too, without regard to accents).
pub const COLUMNS: &[(&str, &str)] = &[
    ("full_name", "residents.full_name"),
    ("date_of_birth", "residents.date_of_birth"),
    ("sex", "residents.sex"),
    ("id_kind", "residents.id_kind"),
    ("id_number", "residents.id_number"),
    ("home_province", "residents.home_province"),
    ("home_district", "residents.home_district"),
    ("home_commune", "residents.home_commune"),
    ("home_address", "residents.home_address"),
    ("current_province", "residents.current_province"),
    ("current_district", "residents.current_district"),
    ("current_commune", "residents.current_commune"),
    ("current_address", "residents.current_address"),
    ("family_contact", "residents.family_contact"),
    ("substances", "residents.substances"),
    ("education", "residents.education"),
    ("occupation", "residents.occupation"),
    ("admission_type", "admission.type"),
    ("document_number", "admission.document_number"),
    ("document_date", "admission.document_date"),
    ("issuing_body", "admission.issuing_body"),
    ("admitted_on", "admission.admitted_on"),
    ("term_months", "admission.term_months"),
    ("guardian_name", "admission.guardian_name"),
    ("zone", "admission.zone"),
];

const REQUIRED: &[&str] = &["full_name", "date_of_birth", "sex", "id_kind", "id_number"];

#[derive(Clone, Debug, Default)]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    pub resident: ResidentForm,
    pub admission: AdmissionForm,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Imported { resident_id: i32, admitted: bool },
    Skipped { resident_id: i32 },
    Invalid(FieldErrors),
}

#[derive(Clone, Debug)]
pub struct RowReport {
    pub line: usize,
    pub name: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub rows: Vec<RowReport>,
    pub imported: usize,
    pub skipped: usize,
    pub invalid: usize,
    /// False when nothing was written because some rows were invalid.
    pub committed: bool,
}

fn column_of(header: &str) -> Option<&'static str> {
    let h = fold_for_search(header).replace(' ', "_");
    let plain = fold_for_search(header);
    COLUMNS.iter().find_map(|(code, key)| {
        let matches = h == *code
            || Lang::ALL
                .iter()
                .any(|l| fold_for_search(l.catalog().t(key)) == plain);
        matches.then_some(*code)
    })
}

/// Accepted spellings of a code: the code itself and its labels in both languages.
fn code_from<T: Copy>(
    value: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    key: fn(T) -> String,
) -> Option<T> {
    let v = fold_for_search(value);
    if v.is_empty() {
        return None;
    }
    all.iter().copied().find(|t| {
        fold_for_search(code(*t)) == v.replace(' ', "_")
            || Lang::ALL
                .iter()
                .any(|l| fold_for_search(l.catalog().t(&key(*t))) == v)
    })
}

fn sex_code(v: &str) -> String {
    match fold_for_search(v).as_str() {
        "nam" | "m" => "male".into(),
        "nu" | "f" => "female".into(),
        _ => code_from(v, Sex::ALL, Sex::as_str, Sex::label_key)
            .map_or_else(|| v.trim().to_owned(), |s| s.as_str().to_owned()),
    }
}

/// Builds rows from a header and string cells.
pub fn rows_from_table(
    header: &[String],
    table: Vec<(usize, Vec<String>)>,
) -> Result<Vec<ImportRow>, Msg> {
    let cols: Vec<Option<&'static str>> = header.iter().map(|h| column_of(h)).collect();
    for req in REQUIRED {
        if !cols.contains(&Some(*req)) {
            let label = COLUMNS
                .iter()
                .find(|(c, _)| c == req)
                .map(|(c, _)| *c)
                .unwrap_or(req);
            return Err(Msg::new("error.import_missing_column").arg("column", label));
        }
    }
    if table.len() > MAX_ROWS {
        return Err(Msg::new("error.import_too_many_rows").arg("max", MAX_ROWS));
    }
    let mut out = Vec::new();
    for (line, cells) in table {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = ImportRow {
            line,
            ..Default::default()
        };
        // A register kept for years carries names the reference data may not have
        // (renamed before 2025): they are imported as written, and resolved when known.
        row.resident.keep_as_written = true;
        for (i, cell) in cells.into_iter().enumerate() {
            let Some(Some(col)) = cols.get(i) else {
                continue;
            };
            let v = cell.trim().to_owned();
            let (r, a) = (&mut row.resident, &mut row.admission);
            match *col {
                "full_name" => r.full_name = v,
                "date_of_birth" => r.date_of_birth = v,
                "sex" => r.sex = sex_code(&v),
                "id_kind" => {
                    r.id_kind = code_from(&v, IdKind::ALL, IdKind::as_str, IdKind::label_key)
                        .map_or(v, |k| k.as_str().to_owned())
                }
                "id_number" => r.id_number = v,
                "home_province" => r.home_province = v,
                "home_district" => r.home_district = v,
                "home_commune" => r.home_commune = v,
                "home_address" => r.home_address = v,
                "current_province" => r.current_province = v,
                "current_district" => r.current_district = v,
                "current_commune" => r.current_commune = v,
                "current_address" => r.current_address = v,
                "family_contact" => r.family_contact = v,
                "substances" => r.substances = v,
                "education" => r.education = v,
                "occupation" => r.occupation = v,
                "admission_type" => {
                    a.admission_type = code_from(
                        &v,
                        AdmissionType::ALL,
                        AdmissionType::as_str,
                        AdmissionType::label_key,
                    )
                    .map_or(v, |t| t.as_str().to_owned())
                }
                "document_number" => a.document_number = v,
                "document_date" => a.document_date = v,
                "issuing_body" => a.issuing_body = v,
                "admitted_on" => a.admitted_on = v,
                "term_months" => a.term_months = v,
                "guardian_name" => a.guardian_name = v,
                "zone" => a.zone = v,
                _ => {}
            }
        }
        // Spreadsheets drop the leading zeros of CCCD numbers typed as numbers.
        if row.resident.id_kind == "cccd"
            && row.resident.id_number.len() < 12
            && row.resident.id_number.bytes().all(|b| b.is_ascii_digit())
            && !row.resident.id_number.is_empty()
        {
            row.resident.id_number = format!("{:0>12}", row.resident.id_number);
        }
        out.push(row);
    }
    Ok(out)
}

pub fn parse_csv(bytes: &[u8]) -> Result<Vec<ImportRow>, Msg> {
    let text =
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).into_owned();
    // Excel in Vietnamese locales often saves with ';'.
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            Msg::new("error.import_malformed").arg("line", e.position().map_or(1, |p| p.line()))
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut table = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            Msg::new("error.import_malformed")
                .arg("line", e.position().map_or(i as u64 + 2, |p| p.line()))
        })?;
        table.push((i + 2, rec.iter().map(crate::web::nfc).collect()));
    }
    rows_from_table(&header, table)
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::{Data, DataType};
    match c {
        Data::Empty => String::new(),
        Data::String(s) => crate::web::nfc(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(_) | Data::DateTimeIso(_) => c
            .as_date()
            .map(format_date)
            .unwrap_or_else(|| c.to_string()),
        other => other.to_string(),
    }
}

/// Columns a register may have (a roster has about thirty).
pub const MAX_COLUMNS: u32 = 64;
/// Bytes the workbook may hold once unpacked (a 1.5 KB file can claim gigabytes).
pub const MAX_UNPACKED: u64 = 64 * 1024 * 1024;

/// Refuses a workbook whose parts would unpack past [`MAX_UNPACKED`], read from the zip
/// directory before anything is decompressed.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), Msg> {
    let unreadable = |_| Msg::new("error.import_unreadable");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(unreadable)?;
        total = total.saturating_add(f.size());
    }
    if total > MAX_UNPACKED {
        return Err(Msg::new("error.import_too_large").arg("max", MAX_UNPACKED / (1024 * 1024)));
    }
    Ok(())
}

/// The first sheet, read cell by cell within the caps (rows, columns, unpacked size):
/// a sheet that claims a cell at XFD1048576 is refused, never allocated.
pub fn parse_xlsx(bytes: &[u8]) -> Result<Vec<ImportRow>, Msg> {
    use calamine::{Reader, Xlsx};
    let unreadable = |_| Msg::new("error.import_unreadable");
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(unreadable)?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| Msg::new("error.import_unreadable"))?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut grid: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if c >= MAX_COLUMNS {
            return Err(Msg::new("error.import_too_many_columns").arg("max", MAX_COLUMNS));
        }
        let r = usize::try_from(r).unwrap_or(usize::MAX);
        if r > MAX_ROWS {
            return Err(Msg::new("error.import_too_many_rows").arg("max", MAX_ROWS));
        }
        if grid.len() <= r {
            grid.resize_with(r + 1, Vec::new);
        }
        let row = &mut grid[r];
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = cell_text(&calamine::Data::from(cell.get_value().clone()));
    }
    // The header is the first row with anything in it; lines are numbered as the
    // spreadsheet numbers its rows.
    let first_used = grid
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
        .unwrap_or(0);
    let mut rows = grid.into_iter().enumerate().skip(first_used);
    let header: Vec<String> = rows.next().map(|(_, r)| r).unwrap_or_default();
    let table = rows.map(|(i, r)| (i + 1, r)).collect();
    rows_from_table(&header, table)
}

/// CSV or XLSX, told apart by content (an XLSX file is a zip archive).
pub fn parse(bytes: &[u8]) -> Result<Vec<ImportRow>, Msg> {
    if bytes.is_empty() {
        return Err(Msg::new("error.import_empty"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        parse_xlsx(bytes)
    } else {
        parse_csv(bytes)
    }
}

/// Imports the rows: each row in its own savepoint inside one transaction.
pub async fn run(
    db: &DatabaseConnection,
    actor: &Actor,
    centre_code: &str,
    rows: &[ImportRow],
    valid_only: bool,
    today: NaiveDate,
    limit: store::CapacityCheck,
) -> AppResult<ImportReport> {
    let txn = crate::db::begin_write(db).await?;
    let mut report = ImportReport::default();
    for row in rows {
        let sp = txn.begin().await?;
        let outcome = import_row(&sp, actor, centre_code, row, today, limit).await;
        let outcome = match outcome {
            Ok(o) => {
                sp.commit().await?;
                o
            }
            Err(AppError::Invalid(e)) => {
                drop(sp);
                Outcome::Invalid(e)
            }
            Err(e) => return Err(e),
        };
        match &outcome {
            Outcome::Imported { .. } => report.imported += 1,
            Outcome::Skipped { .. } => report.skipped += 1,
            Outcome::Invalid(_) => report.invalid += 1,
        }
        report.rows.push(RowReport {
            line: row.line,
            name: row.resident.full_name.clone(),
            outcome,
        });
    }
    if report.invalid > 0 && !valid_only {
        // Nothing is imported when any row is invalid.
        drop(txn);
        report.committed = false;
        report.imported = 0;
        return Ok(report);
    }
    audit::record(&txn, actor, "resident.import", "resident", "", json!({ "rows": rows.len(), "imported": report.imported, "skipped": report.skipped, "invalid": report.invalid })).await?;
    txn.commit().await?;
    report.committed = true;
    Ok(report)
}

async fn import_row<C: sea_orm::ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    centre_code: &str,
    row: &ImportRow,
    today: NaiveDate,
    limit: store::CapacityCheck,
) -> AppResult<Outcome> {
    let (person, new) =
        match store::register(conn, actor, centre_code, &row.resident, today).await? {
            Registered::New(p) => (p, true),
            Registered::Existing(p) => (p, false),
        };
    if row.admission.admission_type.trim().is_empty() {
        return Ok(if new {
            Outcome::Imported {
                resident_id: person.id,
                admitted: false,
            }
        } else {
            Outcome::Skipped {
                resident_id: person.id,
            }
        });
    }
    let admitted_on = crate::i18n::parse_date(&row.admission.admitted_on);
    let already = store::admissions_of(conn, person.id)
        .await?
        .into_iter()
        .any(|a| {
            a.document_number == row.admission.document_number.trim()
                && Some(a.admitted_on) == admitted_on
        });
    if already {
        return Ok(Outcome::Skipped {
            resident_id: person.id,
        });
    }
    store::admit(conn, actor, person.id, &row.admission, today, limit).await?;
    Ok(Outcome::Imported {
        resident_id: person.id,
        admitted: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_by_code_or_label_in_either_language() {
        assert_eq!(column_of("full_name"), Some("full_name"));
        assert_eq!(column_of("Họ và tên"), Some("full_name"));
        assert_eq!(column_of("ho va ten"), Some("full_name"));
        assert_eq!(column_of("Date of birth"), Some("date_of_birth"));
        assert_eq!(column_of("Số giấy tờ"), Some("id_number"));
        assert_eq!(column_of("whatever"), None);
    }

    #[test]
    fn csv_with_labels_semicolons_and_lost_zeros() {
        let csv = "Họ và tên;Ngày sinh;Giới tính;Loại giấy tờ;Số giấy tờ;Căn cứ tiếp nhận\nNguyễn Văn An;04/03/1990;Nam;CCCD;1090012345;Cai nghiện tự nguyện\n";
        let rows = parse(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (
                r.resident.sex.as_str(),
                r.resident.id_kind.as_str(),
                r.resident.id_number.as_str()
            ),
            ("male", "cccd", "001090012345")
        );
        assert_eq!(r.admission.admission_type, "voluntary");
        assert_eq!(r.line, 2);
    }

    #[test]
    fn bad_files_are_explained() {
        assert_eq!(parse(b"").unwrap_err().key, "error.import_empty");
        assert_eq!(
            parse(b"full_name,sex\nA,male\n").unwrap_err().key,
            "error.import_missing_column"
        );
        assert_eq!(
            parse(b"PK\x03\x04garbage").unwrap_err().key,
            "error.import_unreadable"
        );
    }
}
