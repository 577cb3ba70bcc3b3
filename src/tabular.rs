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

/// The same table as an XLSX workbook (header bold, columns fitted).
pub fn to_xlsx(
    sheet_name: &str,
    records: &[Vec<String>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    // Sheet names are at most 31 characters and exclude a few symbols.
    let name: String = sheet_name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    sheet.set_name(name)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, rec) in records.iter().enumerate() {
        for (c, cell) in rec.iter().enumerate() {
            let (row, col) = (
                u32::try_from(r).unwrap_or(u32::MAX),
                u16::try_from(c).unwrap_or(u16::MAX),
            );
            if r == 0 {
                sheet.write_string_with_format(row, col, cell, &bold)?;
            } else {
                sheet.write_string(row, col, cell)?;
            }
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

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
