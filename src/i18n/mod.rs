//! The one string catalogue (Vietnamese by default, English as the switch) and the
//! formats users read: dates dd/mm/yyyy, times in Hanoi time, grouped numbers.
//!
//! Catalogues are TOML files under `assets/i18n/`, compiled into the binary. Keys are
//! dotted (`login.title`); values may hold `{name}` placeholders. A test checks that both
//! languages have the same keys and that every key used in code and templates exists.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| Lang::parse(tag.trim().split('-').next().unwrap_or_default()))
            .next()
    }

    pub fn catalog(self) -> &'static Catalog {
        static VI: OnceLock<Catalog> = OnceLock::new();
        static EN: OnceLock<Catalog> = OnceLock::new();
        match self {
            Lang::Vi => VI.get_or_init(|| Catalog::parse(Lang::Vi, VI_FILES)),
            Lang::En => EN.get_or_init(|| Catalog::parse(Lang::En, EN_FILES)),
        }
    }
}

/// One file per area, so that an area's strings live together.
const VI_FILES: &[(&str, &str)] = &[
    ("core", include_str!("../../assets/i18n/vi/core.toml")),
    ("intake", include_str!("../../assets/i18n/vi/intake.toml")),
    ("summary", include_str!("../../assets/i18n/vi/summary.toml")),
    ("beds", include_str!("../../assets/i18n/vi/beds.toml")),
    (
        "department",
        include_str!("../../assets/i18n/vi/department.toml"),
    ),
    (
        "divisions",
        include_str!("../../assets/i18n/vi/divisions.toml"),
    ),
    (
        "treatment",
        include_str!("../../assets/i18n/vi/treatment.toml"),
    ),
    (
        "schedule",
        include_str!("../../assets/i18n/vi/schedule.toml"),
    ),
];
const EN_FILES: &[(&str, &str)] = &[
    ("core", include_str!("../../assets/i18n/en/core.toml")),
    ("intake", include_str!("../../assets/i18n/en/intake.toml")),
    ("summary", include_str!("../../assets/i18n/en/summary.toml")),
    ("beds", include_str!("../../assets/i18n/en/beds.toml")),
    (
        "department",
        include_str!("../../assets/i18n/en/department.toml"),
    ),
    (
        "divisions",
        include_str!("../../assets/i18n/en/divisions.toml"),
    ),
    (
        "treatment",
        include_str!("../../assets/i18n/en/treatment.toml"),
    ),
    (
        "schedule",
        include_str!("../../assets/i18n/en/schedule.toml"),
    ),
];

#[derive(Debug)]
pub struct Catalog {
    pub lang: Lang,
    entries: BTreeMap<String, String>,
}

impl Catalog {
    fn parse(lang: Lang, files: &[(&str, &str)]) -> Catalog {
        let mut entries = BTreeMap::new();
        for (name, src) in files {
            // The catalogues are compiled in and checked by tests; a broken file is a
            // build defect, caught before release.
            match toml::from_str::<toml::Table>(src) {
                Ok(table) => flatten("", &table, &mut entries),
                Err(e) => {
                    tracing::error!(lang = lang.code(), file = name, error = %e, "string catalogue does not parse")
                }
            }
        }
        Catalog { lang, entries }
    }

    /// The text for `key`; the key itself (and a log line) when it is missing. Misses
    /// are also kept (see [`missing_keys`]) so that tests which walk every page can fail
    /// on a key built at run time that the catalogue lacks.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        match self.entries.get(key) {
            Some(v) => v,
            None => {
                tracing::warn!(lang = self.lang.code(), key, "missing catalogue key");
                record_miss(self.lang, key);
                key
            }
        }
    }

    /// The text for `key` with `{name}` replaced by `value`.
    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        let value = value.to_string();
        let key = self.plural(key, &[(name, &value)]);
        self.t(&key).replace(&format!("{{{name}}}"), &value)
    }

    /// The text for `key` with two placeholders replaced.
    pub fn t2(&self, key: &str, n1: &str, v1: impl Display, n2: &str, v2: impl Display) -> String {
        let (v1, v2) = (v1.to_string(), v2.to_string());
        let key = self.plural(key, &[(n1, &v1), (n2, &v2)]);
        self.t(&key)
            .replace(&format!("{{{n1}}}"), &v1)
            .replace(&format!("{{{n2}}}"), &v2)
    }

    /// `<key>_one` when the count `{n}` is 1 and the catalogue has that form ("1 day
    /// left", not "1 days left"); Vietnamese has no plural, so its `_one` forms repeat
    /// the general text.
    fn plural(&self, key: &str, args: &[(&str, &str)]) -> String {
        let one = args.iter().any(|(name, v)| *name == "n" && *v == "1");
        let singular = format!("{key}_one");
        if one && self.has(&singular) {
            singular
        } else {
            key.to_owned()
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// A whole number with the language's digit grouping: 2.773 in Vietnamese,
    /// 2,773 in English.
    pub fn number(&self, n: i64) -> String {
        group_digits(n, if self.lang == Lang::Vi { '.' } else { ',' })
    }

    /// A percentage with one decimal: 76,5% in Vietnamese, 76.5% in English.
    pub fn percent(&self, value: f64) -> String {
        let s = format!("{value:.1}");
        if self.lang == Lang::Vi {
            format!("{}%", s.replace('.', ","))
        } else {
            format!("{s}%")
        }
    }

    /// A number with one decimal: 7,5 in Vietnamese, 7.5 in English.
    pub fn decimal1(&self, value: f64) -> String {
        let s = format!("{value:.1}");
        if self.lang == Lang::Vi {
            s.replace('.', ",")
        } else {
            s
        }
    }

    pub fn date(&self, d: NaiveDate) -> String {
        format_date(d)
    }

    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        format_datetime(t)
    }
}

fn misses() -> &'static std::sync::Mutex<std::collections::BTreeSet<String>> {
    static MISSES: OnceLock<std::sync::Mutex<std::collections::BTreeSet<String>>> = OnceLock::new();
    MISSES.get_or_init(Default::default)
}

/// Bounded: a flood of distinct misses cannot grow memory without limit.
fn record_miss(lang: Lang, key: &str) {
    if let Ok(mut set) = misses().lock() {
        if set.len() < 1_000 {
            set.insert(format!("{}:{key}", lang.code()));
        }
    }
}

/// Catalogue keys asked for but missing since the process started (`lang:key`).
pub fn missing_keys() -> Vec<String> {
    misses()
        .lock()
        .map(|s| s.iter().cloned().collect())
        .unwrap_or_default()
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

pub fn group_digits(n: i64, sep: char) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Vietnam keeps UTC+7 all year (no daylight saving).
pub fn hanoi_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// dd/mm/yyyy.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// dd/mm/yyyy HH:MM in Hanoi time.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&hanoi_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Today's date in Hanoi.
pub fn today_hanoi() -> NaiveDate {
    Utc::now().with_timezone(&hanoi_offset()).date_naive()
}

/// Parses dd/mm/yyyy (also accepting d/m/yyyy and the ISO yyyy-mm-dd that date inputs
/// send).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // chrono's %Y takes a sign and up to six digits ("+262142"): a year outside what a
    // record can hold is not a date here (date arithmetic on it would overflow).
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
}

/// Lower-case, diacritics removed, đ → d: the form Vietnamese names are searched in
/// ("nguyen van an" finds "Nguyễn Văn An").
pub fn fold_for_search(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_grouping_uses_dots() {
        assert_eq!(group_digits(2773, '.'), "2.773");
        assert_eq!(group_digits(7650, '.'), "7.650");
        assert_eq!(group_digits(1_234_567, '.'), "1.234.567");
        assert_eq!(group_digits(-3624, '.'), "-3.624");
        assert_eq!(group_digits(999, '.'), "999");
        assert_eq!(Lang::En.catalog().number(3624), "3,624");
        assert_eq!(Lang::Vi.catalog().percent(76.54), "76,5%");
    }

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr,vi;q=0.8"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn a_count_of_one_takes_the_singular_where_there_is_one() {
        let en = Lang::En.catalog();
        assert_eq!(
            en.t1("warning.determination_due", "n", 1),
            "Determination result due (1 day left)."
        );
        assert!(
            en.t1("warning.determination_due", "n", 2)
                .contains("2 days left")
        );
        assert_eq!(en.t1("residents.count", "n", "1"), "1 person");
        let vi = Lang::Vi.catalog();
        assert!(
            vi.t1("warning.determination_due", "n", 1)
                .contains("1 ngày")
        );
    }

    #[test]
    fn dates_are_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2023, 12, 14).unwrap();
        assert_eq!(format_date(d), "14/12/2023");
        assert_eq!(parse_date("14/12/2023"), Some(d));
        assert_eq!(parse_date("2023-12-14"), Some(d));
        assert_eq!(parse_date("31/02/2023"), None);
        // A signed six-digit year parses in chrono; it is not a date a record holds.
        assert_eq!(parse_date("31/12/+262142"), None);
        assert_eq!(parse_date("01/01/1850"), None);
        let t = DateTime::parse_from_rfc3339("2026-11-23T17:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_datetime(t), "24/11/2026 00:30");
    }

    #[test]
    fn search_folding_ignores_diacritics_and_case() {
        assert_eq!(fold_for_search("Nguyễn Văn  An"), "nguyen van an");
        assert_eq!(fold_for_search("ĐẶNG Thị Đào"), "dang thi dao");
    }

    #[test]
    fn every_catalogue_file_parses() {
        // A file that does not parse is dropped at start with an error in the log; this
        // names it at build time instead.
        for (name, src) in VI_FILES.iter().chain(EN_FILES) {
            if let Err(e) = toml::from_str::<toml::Table>(src) {
                panic!("catalogue file {name}: {e}");
            }
        }
    }

    #[test]
    fn no_key_is_defined_in_two_files() {
        for files in [VI_FILES, EN_FILES] {
            let mut seen = std::collections::BTreeMap::new();
            for (name, src) in files {
                let table: toml::Table =
                    toml::from_str(src).unwrap_or_else(|e| panic!("{name}: {e}"));
                let mut keys = BTreeMap::new();
                flatten("", &table, &mut keys);
                for k in keys.into_keys() {
                    if let Some(other) = seen.insert(k.clone(), *name) {
                        panic!("{k} is in both {other} and {name}");
                    }
                }
            }
        }
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let vi: Vec<_> = Lang::Vi.catalog().keys().collect();
        let en: Vec<_> = Lang::En.catalog().keys().collect();
        assert!(vi.len() > 50, "catalogue did not load: {} keys", vi.len());
        let missing_en: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let missing_vi: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(
            missing_en.is_empty(),
            "keys missing in en.toml: {missing_en:?}"
        );
        assert!(
            missing_vi.is_empty(),
            "keys missing in vi.toml: {missing_vi:?}"
        );
    }

    /// Every `t("…")`, `t1("…"`, `t2("…"` and `key: "…"` literal in src/ and templates/
    /// names a key that exists.
    #[test]
    fn every_key_used_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        collect(&root.join("src"), &mut files);
        collect(&root.join("templates"), &mut files);
        let cat = Lang::Vi.catalog();
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let template = f.extension().is_some_and(|e| e == "html");
            for key in used_keys(&text, template) {
                if !cat.has(&key) {
                    missing.push(format!("{}: {key}", f.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in the catalogue: {missing:#?}"
        );
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    collect(&p, out);
                } else if matches!(p.extension().and_then(|e| e.to_str()), Some("rs" | "html")) {
                    out.push(p);
                }
            }
        }
    }

    /// Catalogue keys a file uses: in templates every dotted lower-case string literal
    /// (`ctx.t("…")`, macro arguments); in Rust the `t("…")` family and literals of the
    /// message sections (`error.`, `flash.`, `warning.`, `nav.`). Keys built with
    /// `format!` are checked by the tests of the enums that build them.
    fn used_keys(text: &str, template: bool) -> Vec<String> {
        let is_key = |k: &str| {
            let mut parts = k.split('.');
            let first = parts.next().unwrap_or_default();
            !first.is_empty()
                && k.contains('.')
                && !k.ends_with('.')
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
                && first.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        };
        let mut keys = Vec::new();
        for (i, chunk) in text.split('"').enumerate() {
            if i % 2 == 0 || !is_key(chunk) {
                continue;
            }
            let section = chunk.split('.').next().unwrap_or_default();
            if chunk.ends_with(".html") {
                continue;
            }
            if template || matches!(section, "error" | "flash" | "warning" | "nav") {
                keys.push(chunk.to_owned());
            }
        }
        for pat in ["t(\"", "t1(\"", "t2(\"", "key: \""] {
            let mut rest = text;
            while let Some(i) = rest.find(pat) {
                let after = &rest[i + pat.len()..];
                let end = after.find('"').unwrap_or(0);
                if is_key(&after[..end]) {
                    keys.push(after[..end].to_owned());
                }
                rest = &after[end..];
            }
        }
        keys
    }
}
