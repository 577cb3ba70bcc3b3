//! Administrative divisions (đơn vị hành chính) as dated reference data.
//!
//! Names of provinces, districts and communes change by law, and a resident's papers
//! carry the names in force when they were issued. On 01/07/2025 the district level was
//! abolished, 63 provinces became 34 (NQ 202/2025/QH15) and Hà Nội's 526 communes and
//! wards became 126 (NQ 1656/NQ-UBTVQH15). The shipped data (`seed/divisions/`) holds
//! the provinces before and after, and Hà Nội's communes before and after with the
//! succession the resolution sets out (whole, all its people with part of its land, a
//! part, the remainder, or land only).
//!
//! An address is resolved against these names: the clerk may type the old name (with
//! its district, as on an old identity card) or the new one, and the record keeps the
//! unit it names plus the unit(s) it belongs to today. Outside Hà Nội only the province
//! is known to the data; the district and commune are kept as typed.
//!
//! Unit keys follow the statistics office codes: a province is `01`, a commune before
//! the reform `01.002.00067` (province, district, commune), a commune after it
//! `01.00097` (province, commune). A key is never reused across the reform.

pub mod pages;

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::i18n::fold_for_search;

const PROVINCES_CSV: &str = include_str!("../../seed/divisions/provinces.csv");
const COMMUNES_CSV: &str = include_str!("../../seed/divisions/hanoi_communes.csv");
const SUCCESSIONS_CSV: &str = include_str!("../../seed/divisions/hanoi_successions.csv");

/// The first day of the two-level local government (chính quyền địa phương 2 cấp).
pub fn reform_2025() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

/// The kind of a unit, which is also the prefix of its official name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Thành phố trực thuộc trung ương.
    ThanhPho,
    Tinh,
    Quan,
    Huyen,
    ThiXa,
    Phuong,
    Xa,
    ThiTran,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::ThanhPho => "Thành phố",
            Kind::Tinh => "Tỉnh",
            Kind::Quan => "Quận",
            Kind::Huyen => "Huyện",
            Kind::ThiXa => "Thị xã",
            Kind::Phuong => "Phường",
            Kind::Xa => "Xã",
            Kind::ThiTran => "Thị trấn",
        }
    }
}

/// Prefixes as typed (already folded), longest first so "thi xa" wins over "xa". No
/// Vietnamese syllable is a lone letter, so "p Hàng Bạc" can only mean a ward.
const PREFIXES: &[(&str, Kind)] = &[
    ("thanh pho ", Kind::ThanhPho),
    ("tp.", Kind::ThanhPho),
    ("tp ", Kind::ThanhPho),
    ("thi tran ", Kind::ThiTran),
    ("tt.", Kind::ThiTran),
    ("tt ", Kind::ThiTran),
    ("thi xa ", Kind::ThiXa),
    ("tx.", Kind::ThiXa),
    ("tx ", Kind::ThiXa),
    ("tinh ", Kind::Tinh),
    ("quan ", Kind::Quan),
    ("q.", Kind::Quan),
    ("q ", Kind::Quan),
    ("huyen ", Kind::Huyen),
    ("h.", Kind::Huyen),
    ("h ", Kind::Huyen),
    ("phuong ", Kind::Phuong),
    ("p.", Kind::Phuong),
    ("p ", Kind::Phuong),
    ("xa ", Kind::Xa),
    ("x.", Kind::Xa),
    ("x ", Kind::Xa),
];

/// Folds a typed name for matching: no diacritics or case, no kind prefix, one way of
/// writing hyphens ("Phương Liên - Trung Tự" and "Phương Liên-Trung Tự" are one name).
/// Returns the prefix's kind when one was typed.
pub fn fold_name(typed: &str) -> (Option<Kind>, String) {
    let folded = fold_for_search(typed);
    let mut kind = None;
    let mut rest = folded.as_str();
    for (p, k) in PREFIXES {
        if let Some(r) = rest.strip_prefix(p)
            && !r.trim().is_empty()
        {
            kind = Some(*k);
            rest = r;
            break;
        }
    }
    (kind, fold_plain(rest))
}

/// Folds a name as [`fold_name`] does but keeps a leading word that looks like a kind
/// ("Phương Liên" is a name, not "Phường Liên").
pub fn fold_plain(name: &str) -> String {
    fold_for_search(name)
        .replace(['.', ','], " ")
        .split('-')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name with its diacritics, written one way: each syllable's tone mark moved to the
/// end, so "Hoà" and "Hòa" (old and new placement) are one name while "Văn Tự" and
/// "Vân Từ" (two communes of Hà Nội) stay apart.
pub fn exact_name(typed: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];
    typed
        .to_lowercase()
        .replace(['-', ',', '.', ';', ':', '(', ')'], " ")
        .split_whitespace()
        .map(|syllable| {
            let d: Vec<char> = syllable.nfd().collect();
            let base: String = d.iter().filter(|c| !TONES.contains(c)).collect();
            let tone: String = d.iter().filter(|c| TONES.contains(c)).collect();
            base.nfc().chain(tone.chars()).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Debug, Serialize)]
pub struct Province {
    /// The code for a province in force; `code@yyyymmdd` (its last day) for a former
    /// one, since the 2025 codes reuse former ones (An Giang is 91, Kiên Giang was).
    pub key: String,
    pub code: String,
    pub name: String,
    pub kind: Kind,
    pub valid_from: Option<NaiveDate>,
    /// Last day in force, for a province merged into another on 01/07/2025.
    pub valid_to: Option<NaiveDate>,
    /// The key of the province it was merged into.
    pub successor: Option<String>,
}

impl Province {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.kind.prefix(), self.name)
    }
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct District {
    pub code: String,
    pub name: String,
    pub kind: Kind,
}

impl District {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.kind.prefix(), self.name)
    }
}

/// How much of a former unit went into a new one, in the resolution's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// "toàn bộ diện tích tự nhiên, quy mô dân số": all of it.
    Whole,
    /// "một phần diện tích tự nhiên, toàn bộ quy mô dân số": all its people, part of its land.
    Population,
    /// "một phần diện tích tự nhiên, quy mô dân số": part of its land and people.
    Part,
    /// "phần còn lại … sau khi sắp xếp": what earlier clauses left.
    Remainder,
    /// "một phần diện tích tự nhiên của": land only, nobody moved with it.
    Area,
}

impl Share {
    /// Whether people (and so addresses) went with this share.
    pub fn carries_people(self) -> bool {
        !matches!(self, Share::Area)
    }
    /// Whether it took every resident of the former unit.
    pub fn takes_everyone(self) -> bool {
        matches!(self, Share::Whole | Share::Population)
    }
}

/// How many of a former unit's people a succession took (the land may differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum People {
    All,
    Some,
    None,
}

/// One step of the 2025 arrangement: a former unit went, whole or in part, into a new one.
#[derive(Clone, Debug, Serialize)]
pub struct Succession {
    pub from: String,
    pub to: String,
    pub share: Share,
    /// Clause of Article 1 of the resolution that sets it out.
    pub clause: u16,
}

#[derive(Clone, Debug, Serialize)]
pub struct Commune {
    pub key: String,
    pub province_code: String,
    pub code: String,
    pub name: String,
    pub kind: Kind,
    /// The district (quận, huyện, thị xã) of a commune from before 01/07/2025.
    pub district: Option<District>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The name folded for matching ([`fold_plain`]), computed once.
    #[serde(skip)]
    pub folded: String,
}

impl Commune {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.kind.prefix(), self.name)
    }
    /// "Phường Hàng Bạc, Quận Hoàn Kiếm" for a former unit, "Phường Hoàn Kiếm" for a current one.
    pub fn label(&self) -> String {
        match &self.district {
            Some(d) => format!("{}, {}", self.full_name(), d.full_name()),
            None => self.full_name(),
        }
    }
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

/// An address as resolved: canonical names, and the most precise unit the data knows
/// (a commune of Hà Nội, or only the province elsewhere).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub unit: String,
    pub province: String,
    pub district: String,
    pub commune: String,
}

/// Why an address could not be resolved; shown beside the field that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressProblem {
    UnknownProvince {
        suggestions: Vec<String>,
    },
    UnknownCommune {
        suggestions: Vec<String>,
    },
    /// Several units carry the name: the district (or the kind) tells them apart.
    Ambiguous {
        candidates: Vec<String>,
    },
    /// Longer than any name: refused before any matching.
    TooLong {
        commune: bool,
    },
}

/// Where a recorded home unit stands on a day, for display beside the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The name is still in force.
    InForce,
    /// It now lies wholly in this unit.
    Became(String),
    /// It was split among these units.
    Split(Vec<String>),
    /// Recorded as written: the data has no such name.
    AsWritten,
}

/// What the unit a record names belongs to today.
#[derive(Clone, Debug)]
pub enum Today<'a> {
    /// The unit is still in force.
    Same(&'a Commune),
    /// All of it went into one new unit.
    Whole(&'a Commune),
    /// It was split: the street address says which of these applies.
    Split(Vec<&'a Commune>),
}

#[derive(Debug)]
pub struct Divisions {
    provinces: Vec<Province>,
    communes: Vec<Commune>,
    successions: Vec<Succession>,
    provinces_by_name: HashMap<String, Vec<usize>>,
    province_by_key: HashMap<String, usize>,
    commune_by_key: HashMap<String, usize>,
    communes_by_name: HashMap<String, Vec<usize>>,
}

#[derive(Deserialize)]
struct ProvinceRow {
    code: String,
    name: String,
    kind: Kind,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    successor: Option<String>,
}

#[derive(Deserialize)]
struct CommuneRow {
    code: String,
    name: String,
    kind: Kind,
    district_code: Option<String>,
    district_name: Option<String>,
    district_kind: Option<Kind>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct SuccessionRow {
    old_district_code: String,
    old_code: String,
    new_code: String,
    share: Share,
    clause: u16,
}

fn rows<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("{name} row {}: {e}", i + 2)))
        .collect()
}

/// Hà Nội's code; the only province whose communes the data holds.
pub const HANOI: &str = "01";

impl Divisions {
    /// The data shipped with the product, checked once. The files are compiled in and
    /// their consistency is a unit test, so a failure here is a build defect.
    pub fn shipped() -> &'static Divisions {
        static SHIPPED: OnceLock<Divisions> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            Divisions::parse(PROVINCES_CSV, COMMUNES_CSV, SUCCESSIONS_CSV)
                .unwrap_or_else(|e| panic!("shipped division data is inconsistent: {e}"))
        })
    }

    pub fn parse(provinces: &str, communes: &str, successions: &str) -> Result<Divisions, String> {
        let provinces: Vec<Province> = rows::<ProvinceRow>("provinces.csv", provinces)?
            .into_iter()
            .map(|r| Province {
                key: match r.valid_to {
                    Some(t) => format!("{}@{}", r.code, t.format("%Y%m%d")),
                    None => r.code.clone(),
                },
                code: r.code,
                name: r.name,
                kind: r.kind,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                successor: r.successor.filter(|s| !s.is_empty()),
            })
            .collect();
        let mut units = Vec::new();
        for r in rows::<CommuneRow>("hanoi_communes.csv", communes)? {
            let district = match (r.district_code, r.district_name, r.district_kind) {
                (Some(code), Some(name), Some(kind)) if !code.is_empty() => {
                    Some(District { code, name, kind })
                }
                (None, None, None) => None,
                _ => return Err(format!("commune {}: incomplete district", r.code)),
            };
            let key = match &district {
                Some(d) => format!("{HANOI}.{}.{}", d.code, r.code),
                None => format!("{HANOI}.{}", r.code),
            };
            units.push(Commune {
                folded: fold_plain(&r.name),
                key,
                province_code: HANOI.into(),
                code: r.code,
                name: r.name,
                kind: r.kind,
                district,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
            });
        }
        let successions = rows::<SuccessionRow>("hanoi_successions.csv", successions)?
            .into_iter()
            .map(|r| Succession {
                from: format!("{HANOI}.{}.{}", r.old_district_code, r.old_code),
                to: format!("{HANOI}.{}", r.new_code),
                share: r.share,
                clause: r.clause,
            })
            .collect::<Vec<_>>();
        let mut d = Divisions {
            provinces_by_name: HashMap::new(),
            province_by_key: HashMap::new(),
            commune_by_key: HashMap::new(),
            communes_by_name: HashMap::new(),
            provinces,
            communes: units,
            successions,
        };
        for (i, p) in d.provinces.iter().enumerate() {
            if d.province_by_key.insert(p.key.clone(), i).is_some() {
                return Err(format!("province {} twice", p.key));
            }
            d.provinces_by_name
                .entry(fold_plain(&p.name))
                .or_default()
                .push(i);
        }
        for p in &d.provinces {
            if let Some(s) = &p.successor
                && !d.province_by_key.contains_key(s)
            {
                return Err(format!("province {}: unknown successor {s}", p.code));
            }
        }
        for (i, c) in d.communes.iter().enumerate() {
            if d.commune_by_key.insert(c.key.clone(), i).is_some() {
                return Err(format!("commune {} twice", c.key));
            }
            d.communes_by_name
                .entry(c.folded.clone())
                .or_default()
                .push(i);
        }
        for s in &d.successions {
            let (Some(from), Some(to)) = (d.commune(&s.from), d.commune(&s.to)) else {
                return Err(format!("succession {} → {}: unknown unit", s.from, s.to));
            };
            if from.valid_to.is_none() || to.valid_from.is_none() {
                return Err(format!("succession {} → {}: dates", s.from, s.to));
            }
        }
        Ok(d)
    }

    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }
    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }
    pub fn successions(&self) -> &[Succession] {
        &self.successions
    }
    pub fn province(&self, key: &str) -> Option<&Province> {
        self.province_by_key.get(key).map(|&i| &self.provinces[i])
    }
    pub fn commune(&self, key: &str) -> Option<&Commune> {
        self.commune_by_key.get(key).map(|&i| &self.communes[i])
    }

    /// The province a typed name means (old or new name, with or without "Tỉnh"/"TP."):
    /// the one in force on `today` when a former province had the same name.
    pub fn find_province(&self, typed: &str, today: NaiveDate) -> Option<&Province> {
        let (_, name) = fold_name(typed);
        let name = match name.as_str() {
            "hcm" | "ho chi minh" | "tphcm" | "sai gon" => "ho chi minh".to_owned(),
            "hn" => "ha noi".to_owned(),
            // Its name until 31/12/2024, still on older papers.
            "thua thien hue" => "hue".to_owned(),
            _ => name,
        };
        let found = self
            .provinces_by_name
            .get(&name)
            .or_else(|| self.provinces_by_name.get(&fold_plain(typed)))?;
        found
            .iter()
            .map(|&i| &self.provinces[i])
            .find(|p| p.in_force_on(today))
            .or_else(|| found.first().map(|&i| &self.provinces[i]))
    }

    /// The province in force on `day` that `p` is part of.
    pub fn province_on<'a>(&'a self, p: &'a Province, day: NaiveDate) -> &'a Province {
        let mut cur = p;
        // At most one merger per province so far; the bound guards against a cycle in data.
        for _ in 0..4 {
            match (&cur.successor, cur.valid_to) {
                (Some(s), Some(to)) if to < day => match self.province(s) {
                    Some(next) => cur = next,
                    None => break,
                },
                _ => break,
            }
        }
        cur
    }

    /// Provinces whose communes the data holds.
    pub fn covers_communes(&self, province_code: &str) -> bool {
        province_code == HANOI
    }

    /// Resolves a typed address. `today` decides which of two same-named units a name
    /// without a district means (the one in force today).
    pub fn resolve(
        &self,
        province: &str,
        district: &str,
        commune: &str,
        today: NaiveDate,
    ) -> Result<Place, AddressProblem> {
        // Names are short; a very long input is nobody's address (and would make the
        // suggestions, an edit distance per known name, needlessly slow).
        const LONGEST: usize = 120;
        if province.chars().count() > LONGEST {
            return Err(AddressProblem::TooLong { commune: false });
        }
        if district.chars().count() > LONGEST || commune.chars().count() > LONGEST {
            return Err(AddressProblem::TooLong { commune: true });
        }
        let Some(p) = self.find_province(province, today) else {
            return Err(AddressProblem::UnknownProvince {
                suggestions: self.suggest_provinces(province),
            });
        };
        if !self.covers_communes(&p.code) {
            return Ok(Place {
                unit: p.key.clone(),
                province: p.full_name(),
                district: tidy(district),
                commune: tidy(commune),
            });
        }
        // "Phường Hàng Bạc (Quận Hoàn Kiếm)" or "Phường Hàng Bạc, Quận Hoàn Kiếm" in the
        // commune field, as the suggestions list offers it.
        let (commune, district) = self.split_district(commune, district, today);
        let c = self.find_commune(&commune, &district, today)?;
        Ok(Place {
            unit: c.key.clone(),
            province: p.full_name(),
            district: c
                .district
                .as_ref()
                .map(District::full_name)
                .unwrap_or_default(),
            commune: c.full_name(),
        })
    }

    fn find_commune(
        &self,
        commune: &str,
        district: &str,
        today: NaiveDate,
    ) -> Result<&Commune, AddressProblem> {
        let (kind, name) = fold_name(commune);
        let unknown = || AddressProblem::UnknownCommune {
            suggestions: self.suggest_communes(&name),
        };
        if name.is_empty() {
            return Err(unknown());
        }
        let lookup = |key: &str| -> Vec<&Commune> {
            self.communes_by_name
                .get(key)
                .map(|v| v.iter().map(|&i| &self.communes[i]).collect())
                .unwrap_or_default()
        };
        let mut found = lookup(&name);
        if let Some(k) = kind {
            found.retain(|c| c.kind == k);
            // "Phương Liên - Trung Tự" typed without its kind reads like "Phường Liên…".
            if found.is_empty() {
                found = lookup(&fold_plain(commune));
            }
        }
        // Typed with its diacritics, "Song Phượng" is not "Song Phương" and "Trung Tự"
        // is not "Trung Tú"; typed without any, the folded name decides.
        let bare = strip_prefix(commune);
        if !bare.is_ascii() {
            // With or without its prefix: "Phương Liên - Trung Tự" starts like a kind.
            let typed = [exact_name(&bare), exact_name(commune)];
            found.retain(|c| typed.contains(&exact_name(&c.name)));
        }
        let (dkind, dname) = fold_name(district);
        if !dname.is_empty() {
            // A district is named: the address is written with the former names...
            let plain = fold_plain(district);
            let in_district = |d: &District| {
                let n = fold_plain(&d.name);
                (n == dname && dkind.is_none_or(|k| k == d.kind)) || n == plain
            };
            let former: Vec<&Commune> = found
                .iter()
                .copied()
                .filter(|c| c.district.as_ref().is_some_and(in_district))
                .collect();
            // ...unless the commune is today's and was formed from that district's
            // communes (a new name picked with the old district still in its field).
            found = if former.is_empty() {
                found
                    .into_iter()
                    .filter(|c| {
                        c.in_force_on(today)
                            && self
                                .formed_from(&c.key)
                                .iter()
                                .any(|(old, _)| old.district.as_ref().is_some_and(in_district))
                    })
                    .collect()
            } else {
                former
            };
        } else if found.iter().filter(|c| c.in_force_on(today)).count() == 1 {
            found.retain(|c| c.in_force_on(today));
        }
        match found.len() {
            0 => Err(unknown()),
            1 => Ok(found[0]),
            _ => Err(AddressProblem::Ambiguous {
                candidates: found.iter().map(|c| c.label()).collect(),
            }),
        }
    }

    fn suggest_provinces(&self, typed: &str) -> Vec<String> {
        let (_, name) = fold_name(typed);
        let mut scored: Vec<(usize, &Province)> = self
            .provinces
            .iter()
            .map(|p| (strsim::levenshtein(&fold_plain(&p.name), &name), p))
            .filter(|(d, _)| *d <= 3)
            .collect();
        scored.sort_by_key(|(d, p)| (*d, p.valid_to.is_some()));
        scored
            .into_iter()
            .take(5)
            .map(|(_, p)| p.full_name())
            .collect()
    }

    /// Close names (typos, a missing word) to offer beside the field.
    fn suggest_communes(&self, name: &str) -> Vec<String> {
        if name.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, &Commune)> = self
            .communes
            .iter()
            .filter_map(|c| {
                let d = strsim::levenshtein(&c.folded, name);
                let close = d <= 2 || (name.len() >= 4 && c.folded.contains(name));
                close.then_some((d, c))
            })
            .collect();
        scored.sort_by_key(|(d, c)| (*d, c.valid_to.is_some(), c.key.clone()));
        scored.into_iter().take(6).map(|(_, c)| c.label()).collect()
    }

    /// Splits what the commune field holds into commune and district: "Phường Hàng Bạc
    /// (Quận Hoàn Kiếm)" as the suggestions list offers it, or "Phường Hàng Bạc, Quận
    /// Hoàn Kiếm, Thành phố Hà Nội" as written on papers (a trailing province is
    /// dropped). A district written there wins over the district field, which may hold
    /// a stale value.
    fn split_district(&self, commune: &str, district: &str, today: NaiveDate) -> (String, String) {
        let commune = commune.trim();
        let district = district.trim();
        if let Some((c, rest)) = commune.split_once('(') {
            let d = rest.trim_end().trim_end_matches(')').trim();
            return (c.trim().to_owned(), d.to_owned());
        }
        let mut parts = commune.split(',').map(str::trim);
        let first = parts.next().unwrap_or_default().to_owned();
        let written = parts
            .find(|p| !p.is_empty() && self.find_province(p, today).is_none())
            .map(str::to_owned);
        (first, written.unwrap_or_else(|| district.to_owned()))
    }

    /// What a unit belongs to on `day`, following the successions.
    pub fn today<'a>(&'a self, c: &'a Commune, day: NaiveDate) -> Today<'a> {
        if c.valid_to.is_none_or(|t| day <= t) {
            return Today::Same(c);
        }
        let units: Vec<&Commune> = self
            .people_went_to(&c.key)
            .into_iter()
            .filter_map(|k| self.commune(k))
            .collect();
        match units.as_slice() {
            [u] => Today::Whole(u),
            _ => Today::Split(units),
        }
    }

    /// Where a former unit's people went: the unit that took all of them, else every
    /// unit that took some (land-only shares took nobody). Keys, in clause order.
    pub fn people_went_to(&self, from: &str) -> Vec<&str> {
        let next: Vec<&Succession> = self.successions.iter().filter(|s| s.from == from).collect();
        let everyone: Vec<&str> = next
            .iter()
            .filter(|s| s.share.takes_everyone())
            .map(|s| s.to.as_str())
            .collect();
        let mut keys = if everyone.is_empty() {
            next.iter()
                .filter(|s| s.share.carries_people())
                .map(|s| s.to.as_str())
                .collect()
        } else {
            everyone
        };
        keys.dedup();
        keys
    }

    /// How many of a former unit's people one succession took.
    pub fn people_in(&self, s: &Succession) -> People {
        let went = self.people_went_to(&s.from);
        match (went.contains(&s.to.as_str()), went.len()) {
            (false, _) => People::None,
            (true, 1) => People::All,
            (true, _) => People::Some,
        }
    }

    /// The former units a current one was formed from, with the share of each.
    pub fn formed_from(&self, key: &str) -> Vec<(&Commune, &Succession)> {
        self.successions
            .iter()
            .filter(|s| s.to == key)
            .filter_map(|s| self.commune(&s.from).map(|c| (c, s)))
            .collect()
    }

    /// Where a recorded unit stands on `day`: still in force, wholly in another unit,
    /// split among several, or not in the data (recorded as written).
    pub fn standing(&self, unit: Option<&str>, day: NaiveDate) -> Standing {
        let Some(unit) = unit else {
            return Standing::AsWritten;
        };
        if let Some(c) = self.commune(unit) {
            return match self.today(c, day) {
                Today::Same(_) => Standing::InForce,
                Today::Whole(u) => Standing::Became(u.full_name()),
                Today::Split(us) => Standing::Split(us.iter().map(|u| u.full_name()).collect()),
            };
        }
        match self.province(unit) {
            Some(p) => {
                let now = self.province_on(p, day);
                if now.key == p.key {
                    Standing::InForce
                } else {
                    Standing::Became(now.full_name())
                }
            }
            None => Standing::AsWritten,
        }
    }

    /// Units to offer as the clerk types (an HTML datalist): today's communes first,
    /// then the former ones with their district.
    pub fn commune_choices(&self, today: NaiveDate) -> Vec<String> {
        let mut current: Vec<String> = self
            .communes
            .iter()
            .filter(|c| c.in_force_on(today))
            .map(Commune::label)
            .collect();
        current.sort();
        let mut former: Vec<String> = self
            .communes
            .iter()
            .filter(|c| !c.in_force_on(today))
            .map(|c| match &c.district {
                Some(d) => format!("{} ({})", c.full_name(), d.full_name()),
                None => c.full_name(),
            })
            .collect();
        former.sort();
        current.extend(former);
        current
    }

    pub fn province_choices(&self, today: NaiveDate) -> Vec<String> {
        let mut v: Vec<(bool, String)> = self
            .provinces
            .iter()
            .map(|p| (p.valid_to.is_some_and(|t| t < today), p.full_name()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    }
}

/// The typed name without its kind prefix, diacritics kept. Folding keeps one letter
/// per letter, so the prefix's length in the folded text is its length in the original.
fn strip_prefix(typed: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let t: String = tidy(typed).nfc().collect();
    let folded = fold_for_search(&t);
    match PREFIXES
        .iter()
        .find(|(p, _)| folded.starts_with(p) && folded.len() > p.len())
    {
        Some((p, _)) => t
            .chars()
            .skip(p.chars().count())
            .collect::<String>()
            .trim()
            .to_owned(),
        None => t,
    }
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
