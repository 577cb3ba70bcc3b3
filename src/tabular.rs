//! Tables as files people open in a spreadsheet: CSV (UTF-8 with BOM) and XLSX. Shared
//! by every area's exports; knows nothing of them.

/// CSV with a UTF-8 byte-order mark. Cells a spreadsheet would run as a formula get a
/// leading apostrophe (CSV injection).
pub fn to_csv(records: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for rec in records {
        w.write_record(rec.iter().map(|c| {
            if c.starts_with(['=', '+', '-', '@']) {
                format!("'{c}")
            } else {
                c.clone()
            }
        }))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A cell of a table: text, a whole number or a date. Pages and PDFs show it in the
/// reader's language (grouped digits, dd/mm/yyyy); a spreadsheet stores numbers and
/// dates as such, with a display format, so that SUM and sorting work.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Date(chrono::NaiveDate),
}

impl Cell {
    pub fn shown(&self, cat: &crate::i18n::Catalog) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => cat.number(*n),
            Cell::Date(d) => cat.date(*d),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A table as a spreadsheet: an optional title line above the header, the header (bold,
/// frozen, with a filter), the rows, and notes below. Column widths follow the header
/// and the rows only, capped, so a long title, note or address does not widen a column.
pub struct Sheet {
    pub name: String,
    pub title: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

const MAX_WIDTH: usize = 60;

fn cell_chars(c: &Cell) -> usize {
    match c {
        Cell::Text(s) => s.chars().count(),
        Cell::Int(n) => n.to_string().len() + n.to_string().len() / 3,
        Cell::Date(_) => 10,
    }
}

fn at(r: usize, c: usize) -> (u32, u16) {
    (
        u32::try_from(r).unwrap_or(u32::MAX),
        u16::try_from(c).unwrap_or(u16::MAX),
    )
}

impl Sheet {
    pub fn to_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{ExcelDateTime, Format};
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        // Sheet names are at most 31 characters and exclude a few symbols.
        let name: String = self
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        sheet.set_name(name)?;
        let bold = Format::new().set_bold();
        let number = Format::new().set_num_format("#,##0");
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let mut r = 0;
        if let Some(t) = &self.title {
            sheet.write_string_with_format(0, 0, t, &bold)?;
            r = 1;
        }
        let header_row = r;
        for (c, h) in self.header.iter().enumerate() {
            let (row, col) = at(r, c);
            sheet.write_string_with_format(row, col, h, &bold)?;
        }
        for rec in &self.rows {
            r += 1;
            for (c, cell) in rec.iter().enumerate() {
                let (row, col) = at(r, c);
                match cell {
                    Cell::Text(s) => sheet.write_string(row, col, s)?,
                    // Whole numbers of people and beds: exact in an f64.
                    Cell::Int(n) => sheet.write_number_with_format(row, col, *n as f64, &number)?,
                    Cell::Date(d) => {
                        use chrono::Datelike;
                        let when = ExcelDateTime::from_ymd(
                            u16::try_from(d.year()).unwrap_or(1900),
                            u8::try_from(d.month()).unwrap_or(1),
                            u8::try_from(d.day()).unwrap_or(1),
                        )?;
                        sheet.write_datetime_with_format(row, col, &when, &date)?
                    }
                };
            }
        }
        for n in &self.notes {
            r += 2;
            let (row, _) = at(r, 0);
            sheet.write_string(row, 0, n)?;
        }
        let cols = self.header.len();
        if cols > 0 {
            let (hr, _) = at(header_row, 0);
            let (last_row, last_col) = at(header_row + self.rows.len(), cols - 1);
            sheet.set_freeze_panes(hr + 1, 0)?;
            sheet.autofilter(hr, 0, last_row, last_col)?;
        }
        for c in 0..cols {
            let widest = std::iter::once(self.header[c].chars().count())
                .chain(
                    self.rows
                        .iter()
                        .filter_map(|row| row.get(c).map(cell_chars)),
                )
                .max()
                .unwrap_or(8);
            let (_, col) = at(0, c);
            sheet.set_column_width(col, (widest.clamp(6, MAX_WIDTH) + 2) as f64)?;
        }
        book.save_to_buffer()
    }
}

impl Cell {
    /// A cell of a table of text: a date written dd/mm/yyyy becomes a date, a whole
    /// number without a leading zero a number; anything else (codes, identity numbers
    /// with their leading zeros) stays text.
    pub fn infer(s: &str) -> Cell {
        let t = s.trim();
        let digits = !t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit());
        if digits && (t == "0" || !t.starts_with('0')) {
            if let Ok(n) = t.parse() {
                return Cell::Int(n);
            }
        }
        if t.len() == 10 {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y") {
                return Cell::Date(d);
            }
        }
        Cell::Text(s.to_owned())
    }
}

/// A table of text (the first record its header) as an XLSX workbook; dates and whole
/// numbers are stored as such ([`Cell::infer`]).
pub fn to_xlsx(
    sheet_name: &str,
    records: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut it = records.iter();
    Sheet {
        name: sheet_name.to_owned(),
        title: None,
        header: it.next().cloned().unwrap_or_default(),
        rows: it
            .map(|r| r.iter().map(|c| Cell::infer(c)).collect())
            .collect(),
        notes: Vec::new(),
    }
    .to_xlsx()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_are_stored_as_such_with_a_frozen_filtered_header() {
        use calamine::{Data, Reader};
        let sheet = Sheet {
            name: "2026-10".into(),
            title: Some("Báo cáo tháng 10/2026".into()),
            header: vec!["Cơ sở".into(), "Học viên".into(), "Ngày".into()],
            rows: vec![
                vec![
                    Cell::Text("Cơ sở số 1".into()),
                    Cell::Int(1500),
                    Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()),
                ],
                vec![
                    Cell::Text("Cơ sở số 2".into()),
                    Cell::Int(7),
                    Cell::Text(String::new()),
                ],
            ],
            notes: vec!["Ô có ít hơn 5 người được ẩn ".repeat(10)],
        };
        let bytes = sheet.to_xlsx().unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = book.worksheet_range("2026-10").unwrap();
        assert_eq!(range.get_value((2, 1)), Some(&Data::Float(1500.0)));
        assert!(
            matches!(range.get_value((2, 2)), Some(Data::DateTime(_))),
            "{:?}",
            range.get_value((2, 2))
        );
        assert_eq!(range.get_value((3, 1)), Some(&Data::Float(7.0)));
    }

    #[test]
    fn text_cells_become_numbers_and_dates_only_when_they_are() {
        assert_eq!(Cell::infer("12"), Cell::Int(12));
        assert_eq!(Cell::infer("0"), Cell::Int(0));
        assert_eq!(
            Cell::infer("31/10/2026"),
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap())
        );
        for text in ["001090012345", "CS01-000012", "1.500", "31/13/2026", ""] {
            assert_eq!(Cell::infer(text), Cell::Text(text.into()), "{text}");
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let out = to_csv(&[
            vec!["a".into(), "b,c".into(), "say \"hi\"".into()],
            vec!["=cmd()".into(), "Đỗ".into(), "".into()],
        ])
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\u{feff}a,\"b,c\",\"say \"\"hi\"\"\"\r\n'=cmd(),Đỗ,\r\n"
        );
    }
}
