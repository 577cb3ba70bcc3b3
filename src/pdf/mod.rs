//! PDF documents with Vietnamese text: a small flowing layout (wrapped paragraphs,
//! label–value rows, headings, signature blocks, automatic page breaks) on printpdf.
//! The DejaVu Sans fonts shipped in `assets/fonts/` cover Vietnamese; text is normalised
//! to NFC because printpdf does no shaping (decomposed tones would be misplaced).
//! Knows nothing of the areas.

use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};
use unicode_normalization::UnicodeNormalization;

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN_X: f32 = 20.0;
const MARGIN_TOP: f32 = 18.0;
const MARGIN_BOTTOM: f32 = 20.0;

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

/// Parsed once per process: parsing is the slow part.
fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut warnings = Vec::new();
            Some(Fonts {
                regular: ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings)?,
                bold: ParsedFont::from_bytes(BOLD_TTF, 0, &mut warnings)?,
            })
        })
        .as_ref()
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF fonts could not be parsed")]
    Fonts,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Width of `text` in millimetres at `size` points.
fn text_width_mm(font: &ParsedFont, text: &str, size: f32) -> f32 {
    let upem = f32::from(font.font_metrics.units_per_em.max(1));
    let units: f32 = text
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .map_or(upem * 0.5, |g| f32::from(font.get_horizontal_advance(g)))
        })
        .sum();
    units / upem * size * 25.4 / 72.0
}

/// Splits `text` into lines no wider than `max_mm` (words longer than a line are cut).
fn wrap(font: &ParsedFont, text: &str, size: f32, max_mm: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width_mm(font, &candidate, size) <= max_mm {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A single word wider than the line: cut it by characters.
            let mut piece = String::new();
            for ch in word.chars() {
                piece.push(ch);
                if text_width_mm(font, &piece, size) > max_mm && piece.chars().count() > 1 {
                    let last = piece.pop().unwrap_or(' ');
                    lines.push(std::mem::take(&mut piece));
                    piece.push(last);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// Point size of table text.
const TABLE_SIZE: f32 = 8.5;
/// The smallest a table header is set to make its words fit.
const HEADER_MIN_SIZE: f32 = 6.0;

/// Widens the columns narrower than they need, taking the room from the columns with
/// more than they need, in proportion to their spare room. When there is not enough
/// spare room the shares stand (a word is cut rather than the table overflowing).
fn fit_widths(mut widths: Vec<f32>, needed: &[f32]) -> Vec<f32> {
    let deficit: f32 = widths
        .iter()
        .zip(needed)
        .map(|(w, n)| (n - w).max(0.0))
        .sum();
    let spare: f32 = widths
        .iter()
        .zip(needed)
        .map(|(w, n)| (w - n).max(0.0))
        .sum();
    if deficit <= 0.0 || spare < deficit {
        return widths;
    }
    for (w, n) in widths.iter_mut().zip(needed) {
        if *w < *n {
            *w = *n;
        } else {
            *w -= (*w - n) / spare * deficit;
        }
    }
    widths
}

/// The largest size up to `TABLE_SIZE` at which every word of every header cell fits
/// its column (not below `HEADER_MIN_SIZE`, where a word too long is cut after all).
fn header_size(font: &ParsedFont, header: &[String], widths: &[f32]) -> f32 {
    header
        .iter()
        .zip(widths)
        .flat_map(|(h, w)| {
            h.split_whitespace()
                .map(move |word| (w - 1.5) / text_width_mm(font, &nfc(word), TABLE_SIZE).max(0.01))
        })
        .fold(1.0_f32, f32::min)
        .mul_add(TABLE_SIZE, 0.0)
        .clamp(HEADER_MIN_SIZE, TABLE_SIZE)
}

/// A document being laid out from the top of the first page down.
pub struct Doc {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    fonts: &'static Fonts,
    pages: Vec<Vec<Op>>,
    /// Distance from the top of the page, in mm.
    y: f32,
}

impl Doc {
    pub fn new(title: &str) -> Result<Doc, PdfError> {
        let fonts = fonts().ok_or(PdfError::Fonts)?;
        let mut doc = PdfDocument::new(&nfc(title));
        let regular = doc.add_font(&fonts.regular);
        let bold = doc.add_font(&fonts.bold);
        Ok(Doc {
            doc,
            regular,
            bold,
            fonts,
            pages: vec![Vec::new()],
            y: MARGIN_TOP,
        })
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `mm` more fit on this one: what must not be split (a
    /// room of the ward plan) asks for its whole height first.
    pub fn keep_together(&mut self, mm: f32) {
        self.ensure_room(mm);
    }

    /// Starts a new page, unless nothing has been written below the top margin yet.
    pub fn page_break(&mut self) {
        if self.y > MARGIN_TOP {
            self.pages.push(Vec::new());
            self.y = MARGIN_TOP;
        }
    }

    /// Height in mm of `rows` table rows of one line each (for `keep_together`).
    pub fn table_rows_height(rows: usize) -> f32 {
        (rows as f32) * (TABLE_SIZE * 0.3528 * 1.45 + 0.6)
    }

    fn ensure_room(&mut self, mm: f32) {
        if self.y + mm > PAGE_H - MARGIN_BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN_TOP;
        }
    }

    fn put_line(&mut self, text: &str, x_mm: f32, size: f32, bold: bool) {
        let font = if bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        let baseline = PAGE_H - self.y - size * 0.3528;
        let ops = vec![
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x_mm), Mm(baseline)),
            },
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(nfc(text))],
            },
            Op::EndTextSection,
        ];
        self.ops().extend(ops);
    }

    /// Wrapped text in a column starting at `x_mm`, `width_mm` wide.
    pub fn text_in(
        &mut self,
        text: &str,
        x_mm: f32,
        width_mm: f32,
        size: f32,
        bold: bool,
        align: Align,
    ) {
        let font = if bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        };
        let lines = wrap(font, &nfc(text), size, width_mm);
        let widths: Vec<f32> = lines.iter().map(|l| text_width_mm(font, l, size)).collect();
        let line_h = size * 0.3528 * 1.45;
        for (line, w) in lines.iter().zip(widths) {
            self.ensure_room(line_h);
            let x = match align {
                Align::Left => x_mm,
                Align::Center => x_mm + (width_mm - w).max(0.0) / 2.0,
                Align::Right => x_mm + (width_mm - w).max(0.0),
            };
            self.put_line(line, x, size, bold);
            self.y += line_h;
        }
    }

    /// A table across the page: column widths are shares of the text width; the first
    /// `text_columns` columns are left-aligned, the others right-aligned (figures). The header repeats
    /// on each new page; `bold_last` sets the last row (a total) in bold.
    pub fn table(
        &mut self,
        header: &[String],
        rows: &[Vec<String>],
        shares: &[f32],
        text_columns: usize,
        bold_last: bool,
    ) {
        let total: f32 = shares.iter().sum::<f32>().max(1.0);
        let width = PAGE_W - 2.0 * MARGIN_X;
        let shared: Vec<f32> = shares.iter().map(|s| width * s / total).collect();
        let widths = fit_widths(shared, &self.needed_widths(header, rows));
        let size = TABLE_SIZE;
        // Header words are never cut: the header is set smaller until its longest word
        // fits its column ("Occupancy" in a narrow English column).
        let header_size = header_size(&self.fonts.bold, header, &widths);
        let row_height = |doc: &Doc, cells: &[String], bold: bool, size: f32| -> f32 {
            let font = if bold {
                &doc.fonts.bold
            } else {
                &doc.fonts.regular
            };
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| wrap(font, &nfc(c), size, w - 1.5).len().max(1) as f32)
                .fold(1.0, f32::max)
                * size
                * 0.3528
                * 1.45
        };
        let draw = |doc: &mut Doc, cells: &[String], bold: bool, size: f32| {
            let top = doc.y;
            let mut bottom = top;
            let mut x = MARGIN_X;
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                doc.y = top;
                let align = if i < text_columns {
                    Align::Left
                } else {
                    Align::Right
                };
                doc.text_in(c, x, w - 1.5, size, bold, align);
                bottom = bottom.max(doc.y);
                x += w;
            }
            doc.y = bottom + 0.6;
            doc.rule(MARGIN_X, PAGE_W - MARGIN_X, doc.y - 0.3);
        };
        let header_h = row_height(self, header, true, header_size);
        self.ensure_room(header_h * 2.0);
        draw(self, header, true, header_size);
        for (i, r) in rows.iter().enumerate() {
            let bold = bold_last && i + 1 == rows.len();
            let h = row_height(self, r, bold, size);
            if self.y + h > PAGE_H - MARGIN_BOTTOM {
                self.pages.push(Vec::new());
                self.y = MARGIN_TOP;
                draw(self, header, true, header_size);
            }
            draw(self, r, bold, size);
        }
        self.y += 2.0;
    }

    /// The narrowest each column can be without cutting a word: its longest header word
    /// at the smallest header size, its longest figure or word at the table's size.
    fn needed_widths(&self, header: &[String], rows: &[Vec<String>]) -> Vec<f32> {
        let longest = |font: &ParsedFont, text: &str, size: f32| {
            nfc(text)
                .split_whitespace()
                .map(|w| text_width_mm(font, w, size))
                .fold(0.0, f32::max)
        };
        header
            .iter()
            .enumerate()
            .map(|(j, h)| {
                let body = rows
                    .iter()
                    .filter_map(|r| r.get(j))
                    .map(|c| longest(&self.fonts.bold, c, TABLE_SIZE))
                    .fold(0.0, f32::max);
                longest(&self.fonts.bold, h, HEADER_MIN_SIZE).max(body) + 1.6
            })
            .collect()
    }

    /// A paragraph across the page.
    pub fn para(&mut self, text: &str) {
        self.text_in(
            text,
            MARGIN_X,
            PAGE_W - 2.0 * MARGIN_X,
            11.0,
            false,
            Align::Left,
        );
        self.y += 1.5;
    }

    pub fn title(&mut self, text: &str) {
        self.y += 4.0;
        self.text_in(
            text,
            MARGIN_X,
            PAGE_W - 2.0 * MARGIN_X,
            14.0,
            true,
            Align::Center,
        );
        self.y += 1.0;
    }

    pub fn subtitle(&mut self, text: &str) {
        self.text_in(
            text,
            MARGIN_X,
            PAGE_W - 2.0 * MARGIN_X,
            11.0,
            false,
            Align::Center,
        );
        self.y += 4.0;
    }

    pub fn heading(&mut self, text: &str) {
        self.ensure_room(14.0);
        self.y += 2.5;
        self.text_in(
            text,
            MARGIN_X,
            PAGE_W - 2.0 * MARGIN_X,
            11.5,
            true,
            Align::Left,
        );
        self.y += 0.5;
    }

    /// A bold line that heads a small block (a room of the ward plan).
    pub fn subheading(&mut self, text: &str) {
        self.y += 1.5;
        self.text_in(
            text,
            MARGIN_X,
            PAGE_W - 2.0 * MARGIN_X,
            10.0,
            true,
            Align::Left,
        );
        self.y += 0.5;
    }

    /// A "label: value" row; the value wraps in its own column.
    pub fn field(&mut self, label: &str, value: &str) {
        let label_w = 58.0;
        let start = self.y;
        self.text_in(label, MARGIN_X, label_w - 2.0, 11.0, false, Align::Left);
        let after_label = self.y;
        self.y = start;
        let value = if value.trim().is_empty() {
            "—"
        } else {
            value
        };
        self.text_in(
            value,
            MARGIN_X + label_w,
            PAGE_W - 2.0 * MARGIN_X - label_w,
            11.0,
            true,
            Align::Left,
        );
        self.y = self.y.max(after_label) + 0.8;
    }

    /// The two-column heading of an official document: the issuing unit on the left,
    /// the national motto on the right, each underlined.
    pub fn official_header(
        &mut self,
        unit_upper: &str,
        unit_name: &str,
        motto1: &str,
        motto2: &str,
    ) {
        let col = (PAGE_W - 2.0 * MARGIN_X) / 2.0;
        let top = self.y;
        self.text_in(unit_upper, MARGIN_X, col - 4.0, 10.0, false, Align::Center);
        self.text_in(unit_name, MARGIN_X, col - 4.0, 10.0, true, Align::Center);
        let left_end = self.y;
        self.rule(
            MARGIN_X + col / 2.0 - 14.0,
            MARGIN_X + col / 2.0 + 14.0,
            left_end + 0.8,
        );
        self.y = top;
        self.text_in(motto1, MARGIN_X + col, col, 10.0, true, Align::Center);
        self.text_in(motto2, MARGIN_X + col, col, 10.5, true, Align::Center);
        let right_end = self.y;
        self.rule(
            MARGIN_X + col + col / 2.0 - 24.0,
            MARGIN_X + col + col / 2.0 + 24.0,
            right_end + 0.8,
        );
        self.y = left_end.max(right_end) + 4.0;
    }

    /// Right-aligned place and date line ("Hà Nội, ngày … tháng … năm …").
    pub fn place_date(&mut self, text: &str) {
        let col = (PAGE_W - 2.0 * MARGIN_X) / 2.0;
        self.text_in(text, MARGIN_X + col, col, 11.0, false, Align::Center);
    }

    /// Signature blocks side by side: (role, name) pairs, each with `hint` under the
    /// role ("sign and write the full name").
    pub fn signatures(&mut self, blocks: &[(&str, &str)], hint: &str) {
        // Role, hint, room to sign, name: kept together on one page.
        self.ensure_room(36.0);
        self.y += 4.0;
        let n = blocks.len().max(1) as f32;
        let col = (PAGE_W - 2.0 * MARGIN_X) / n;
        let top = self.y;
        let mut bottom = top;
        for (i, (role, name)) in blocks.iter().enumerate() {
            // An empty block keeps its column free (e.g. the left half of a certificate).
            if role.is_empty() {
                continue;
            }
            self.y = top;
            let x = MARGIN_X + col * i as f32;
            self.text_in(role, x, col - 2.0, 10.5, true, Align::Center);
            self.text_in(hint, x, col - 2.0, 9.0, false, Align::Center);
            self.y += 18.0;
            self.text_in(name, x, col - 2.0, 10.5, true, Align::Center);
            bottom = bottom.max(self.y);
        }
        self.y = bottom;
    }

    fn rule(&mut self, x1: f32, x2: f32, y_from_top: f32) {
        let y = PAGE_H - y_from_top;
        let line = Line {
            points: vec![
                LinePoint {
                    p: Point::new(Mm(x1), Mm(y)),
                    bezier: false,
                },
                LinePoint {
                    p: Point::new(Mm(x2), Mm(y)),
                    bezier: false,
                },
            ],
            is_closed: false,
        };
        self.ops().extend([
            Op::SetOutlineColor {
                col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
            },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawLine { line },
        ]);
    }

    pub fn space(&mut self, mm: f32) {
        self.y += mm;
    }

    /// Serialises with the fonts subset to the glyphs used, dated now and naming the
    /// program that made it.
    pub fn finish(mut self) -> Vec<u8> {
        let pages = std::mem::take(&mut self.pages)
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops))
            .collect();
        let now = printpdf::OffsetDateTime::now();
        let info = &mut self.doc.metadata.info;
        info.creation_date = now.clone();
        info.modification_date = now.clone();
        info.metadata_date = now;
        info.producer = format!("rehabops {}", env!("CARGO_PKG_VERSION"));
        info.creator = "rehabops".to_owned();
        let mut warnings = Vec::new();
        let bytes = self.doc.with_pages(pages).save(
            &PdfSaveOptions {
                subset_fonts: true,
                ..Default::default()
            },
            &mut warnings,
        );
        without_pdfx_marker(bytes)
    }
}

/// printpdf writes `GTS_PDFXVersion` even when empty, which makes readers present the
/// file as PDF/X; these papers claim no such conformance. The key is removed (the file
/// is rewritten by lopdf); should that fail, the file is kept as printpdf made it.
fn without_pdfx_marker(bytes: Vec<u8>) -> Vec<u8> {
    let rewrite = || -> Option<Vec<u8>> {
        let mut doc = lopdf::Document::load_mem(&bytes).ok()?;
        let info = doc.trailer.get(b"Info").ok()?.as_reference().ok()?;
        doc.get_dictionary_mut(info)
            .ok()?
            .remove(b"GTS_PDFXVersion");
        let mut out = Vec::with_capacity(bytes.len());
        doc.save_to(&mut out).ok()?;
        Some(out)
    };
    rewrite().unwrap_or(bytes)
}

pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_headers_are_set_small_enough_that_no_word_is_cut() {
        let f = &fonts().expect("fonts").bold;
        let header = vec!["Centre".to_owned(), "Occupancy at the end".to_owned()];
        let widths = [40.0, 18.0];
        let size = header_size(f, &header, &widths);
        assert!(size < TABLE_SIZE && size >= HEADER_MIN_SIZE, "{size}");
        let lines = wrap(f, &header[1], size, widths[1] - 1.5);
        assert_eq!(lines.join(" "), header[1], "whole words only: {lines:?}");
        // Wide enough columns keep the normal size.
        assert_eq!(header_size(f, &header, &[60.0, 60.0]), TABLE_SIZE);
    }

    #[test]
    fn narrow_columns_take_room_from_wide_ones() {
        let w = fit_widths(vec![50.0, 10.0, 10.0], &[20.0, 15.0, 8.0]);
        assert!((w.iter().sum::<f32>() - 70.0).abs() < 0.01);
        assert!(w[1] >= 15.0 && w[2] >= 8.0 && w[0] >= 20.0, "{w:?}");
        // Not enough spare room: the shares stand.
        assert_eq!(
            fit_widths(vec![10.0, 10.0], &[15.0, 10.0]),
            vec![10.0, 10.0]
        );
    }

    #[test]
    fn a_block_kept_together_is_never_split_across_pages() {
        let mut doc = Doc::new("t").expect("doc");
        let header = vec!["Bed".to_owned(), "Resident".to_owned()];
        for room in 0..40 {
            let rows: Vec<Vec<String>> = (0..(3 + room % 7))
                .map(|b| vec![format!("P{room}-{b}"), "Nguyễn Văn An".to_owned()])
                .collect();
            doc.keep_together(8.0 + Doc::table_rows_height(rows.len() + 1));
            let page = doc.pages.len();
            doc.subheading(&format!("P{room}"));
            doc.table(&header, &rows, &[1.0, 3.0], 2, false);
            assert_eq!(doc.pages.len(), page, "room {room} was split");
        }
        assert!(doc.pages.len() > 2);
    }

    #[test]
    fn wrapping_respects_the_width() {
        let f = &fonts().expect("fonts").regular;
        let text = "Nguyễn Văn An, sinh ngày 04/03/1990, thường trú tại thôn 3, xã Tản Lĩnh, huyện Ba Vì, thành phố Hà Nội";
        let lines = wrap(f, text, 11.0, 60.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width_mm(f, l, 11.0) <= 60.0 + 0.01, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_document_with_several_pages_serialises() {
        let mut d = Doc::new("Thử").expect("doc");
        d.official_header(
            "CÔNG AN THÀNH PHỐ HÀ NỘI",
            "CƠ SỞ CAI NGHIỆN MA TÚY SỐ 1",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
        );
        for i in 0..120 {
            d.field(
                &format!("Dòng {i}"),
                "Nội dung tiếng Việt có dấu: ắ ằ ẳ ẵ ặ ế ề ể ễ ệ ố ồ ổ ỗ ộ",
            );
        }
        let bytes = d.finish();
        assert!(bytes.starts_with(b"%PDF"));
        // Dated now, naming the program, and claiming no PDF/X conformance.
        let parsed = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf reads");
        let info = parsed
            .trailer
            .get(b"Info")
            .and_then(|i| i.as_reference())
            .and_then(|r| parsed.get_dictionary(r))
            .expect("an Info dictionary");
        assert!(info.get(b"GTS_PDFXVersion").is_err(), "no PDF/X marker");
        let created = info
            .get(b"CreationDate")
            .and_then(|v| v.as_str())
            .expect("date");
        let year = chrono::Utc::now().format("D:%Y").to_string();
        assert!(created.starts_with(year.as_bytes()), "{created:?}");
        let producer = info
            .get(b"Producer")
            .and_then(|v| v.as_str())
            .expect("producer");
        let units: Vec<u16> = producer
            .chunks(2)
            .filter_map(|c| (c.len() == 2).then(|| u16::from_be_bytes([c[0], c[1]])))
            .collect();
        let text = String::from_utf16_lossy(&units);
        assert!(text.contains("rehabops"), "{text:?}");
        // Subset fonts keep the file small (the full font alone is 760 KB).
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    }
}
