use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(2026, 11, 23)
}

fn data() -> &'static Divisions {
    Divisions::shipped()
}

fn resolve(p: &str, dist: &str, c: &str) -> Result<Place, AddressProblem> {
    data().resolve(p, dist, c, today())
}

#[test]
fn shipped_data_counts_match_the_resolutions() {
    let x = data();
    let on = |day: NaiveDate| x.provinces().iter().filter(|p| p.in_force_on(day)).count();
    // NQ 202/2025/QH15: 63 provinces became 34 on 01/07/2025.
    assert_eq!(on(d(2025, 6, 30)), 63);
    assert_eq!(on(d(2025, 7, 1)), 34);
    let communes_on = |day: NaiveDate| x.communes().iter().filter(|c| c.in_force_on(day)).count();
    // NQ 1656/NQ-UBTVQH15 Art. 1 §127: Hà Nội has 126 communes (51 phường, 75 xã).
    assert_eq!(communes_on(d(2025, 6, 30)), 526);
    assert_eq!(communes_on(d(2025, 7, 1)), 126);
    let wards = x
        .communes()
        .iter()
        .filter(|c| c.valid_to.is_none() && c.kind == Kind::Phuong)
        .count();
    assert_eq!(wards, 51);
    let districts: std::collections::BTreeSet<&str> = x
        .communes()
        .iter()
        .filter_map(|c| c.district.as_ref().map(|d| d.code.as_str()))
        .collect();
    assert_eq!(districts.len(), 30, "Hà Nội had 30 district-level units");
}

#[test]
fn every_former_commune_went_somewhere_and_every_new_one_came_from_somewhere() {
    let x = data();
    for c in x.communes() {
        let next: Vec<_> = x.successions().iter().filter(|s| s.from == c.key).collect();
        let prev = x.formed_from(&c.key);
        if c.valid_to.is_some() {
            assert!(!next.is_empty(), "{} has no successor", c.label());
            let shares: Vec<Share> = next.iter().map(|s| s.share).collect();
            // A unit that went whole into one new unit went nowhere else.
            if shares.contains(&Share::Whole) {
                assert_eq!(shares, [Share::Whole], "{} is whole and split", c.label());
            } else {
                assert!(next.len() >= 2, "{} split into one unit", c.label());
            }
            // All its people went to one unit: the rest was land (or its remainder).
            if shares.contains(&Share::Population) {
                assert!(
                    shares
                        .iter()
                        .all(|s| matches!(s, Share::Population | Share::Area | Share::Remainder))
                        && shares.iter().filter(|s| **s == Share::Population).count() == 1,
                    "{}: {shares:?}",
                    c.label()
                );
            }
            // Somebody's address went somewhere.
            assert!(shares.iter().any(|s| s.carries_people()), "{}", c.label());
        } else {
            assert!(!prev.is_empty(), "{} formed from nothing", c.label());
        }
    }
}

/// Each succession is checked against the text of the resolution shipped beside the
/// data: its clause names the former unit and ends with the new one.
#[test]
fn successions_are_what_resolution_1656_says() {
    let text = include_str!("../../seed/divisions/nq1656-ubtvqh15.md");
    let article = text
        .split("**Điều 1.")
        .nth(1)
        .and_then(|t| t.split("**Điều 2.").next())
        .unwrap()
        .replace(['\\', '*'], "");
    let mut clauses: HashMap<u16, String> = HashMap::new();
    let mut current: Option<u16> = None;
    for line in article.lines() {
        let trimmed = line.trim_start();
        let number = trimmed
            .split_once(". ")
            .and_then(|(n, _)| n.parse::<u16>().ok());
        if let Some(n) = number {
            current = Some(n);
            clauses.insert(n, trimmed.split_once(". ").unwrap().1.to_owned());
        } else if let Some(n) = current {
            let c = clauses.get_mut(&n).unwrap();
            c.push(' ');
            c.push_str(trimmed);
        }
    }
    assert_eq!(clauses.len(), 127, "126 clauses and the closing count");
    let x = data();
    for s in x.successions() {
        let text = &clauses[&s.clause];
        let clause = exact_name(text);
        let from = x.commune(&s.from).unwrap();
        let to = x.commune(&s.to).unwrap();
        assert!(
            clause.contains(&exact_name(&from.name)),
            "clause {} does not name {}",
            s.clause,
            from.label()
        );
        // The share recorded is the one whose words come last before the name in the
        // clause (at one of the places the clause names it).
        let padded = format!(" {clause} ");
        let name = format!(" {} ", exact_name(&from.name));
        let markers = [
            (
                Share::Whole,
                "toàn bộ diện tích tự nhiên, quy mô dân số của",
            ),
            (
                Share::Population,
                "một phần diện tích tự nhiên, toàn bộ quy mô dân số của",
            ),
            (
                Share::Part,
                "một phần diện tích tự nhiên, quy mô dân số của",
            ),
            (Share::Area, "một phần diện tích tự nhiên của"),
            (Share::Remainder, "phần còn lại của"),
        ]
        .map(|(share, words)| (share, format!(" {} ", exact_name(words))));
        let shares_named: Vec<Share> = padded
            .match_indices(&name)
            .filter_map(|(at, _)| {
                markers
                    .iter()
                    .filter_map(|(share, words)| {
                        padded[..at].rfind(words.as_str()).map(|p| (p, *share))
                    })
                    .max_by_key(|(p, _)| *p)
                    .map(|(_, share)| share)
            })
            .collect();
        assert!(
            shares_named.contains(&s.share),
            "clause {}: {} is {:?} there, recorded {:?}",
            s.clause,
            from.label(),
            shares_named,
            s.share
        );
        // A name two former units shared is told apart by its district in the text.
        let namesakes = x
            .communes()
            .iter()
            .filter(|c| {
                c.valid_to.is_some()
                    && c.kind == from.kind
                    && exact_name(&c.name) == exact_name(&from.name)
            })
            .count();
        if namesakes > 1 {
            let district = from.district.as_ref().unwrap();
            assert!(
                clause.contains(&exact_name(&format!(
                    "({} {})",
                    district.kind.prefix(),
                    district.name
                ))),
                "clause {} does not say which {} ({})",
                s.clause,
                from.full_name(),
                district.full_name()
            );
        }
        assert!(
            clause
                .trim_end_matches('.')
                .ends_with(&exact_name(&to.full_name())),
            "clause {} does not form {}",
            s.clause,
            to.full_name()
        );
    }
    assert_eq!(x.successions().len(), 795);
}

#[test]
fn a_former_ward_resolves_and_says_where_it_is_today() {
    let p = resolve("Hà Nội", "", "Phường Hàng Bạc").unwrap();
    assert_eq!(p.commune, "Phường Hàng Bạc");
    assert_eq!(p.district, "Quận Hoàn Kiếm");
    assert_eq!(p.province, "Thành phố Hà Nội");
    let c = data().commune(&p.unit).unwrap();
    match data().today(c, today()) {
        Today::Whole(u) => assert_eq!(u.full_name(), "Phường Hoàn Kiếm"),
        other => panic!("{other:?}"),
    }
    // Before the reform it was itself.
    assert!(matches!(data().today(c, d(2025, 6, 30)), Today::Same(_)));
    assert_eq!(
        data().standing(Some(&p.unit), today()),
        Standing::Became("Phường Hoàn Kiếm".into())
    );
}

#[test]
fn a_split_ward_names_every_unit_it_went_into() {
    let p = resolve("TP. Hà Nội", "Q. Hoàn Kiếm", "P. Hàng Bông").unwrap();
    let c = data().commune(&p.unit).unwrap();
    let Today::Split(units) = data().today(c, today()) else {
        panic!("Hàng Bông was split (NQ 1656 Art. 1 §1, §2)")
    };
    let names: Vec<String> = units.iter().map(|u| u.full_name()).collect();
    assert_eq!(names, ["Phường Hoàn Kiếm", "Phường Cửa Nam"]);
    assert!(matches!(
        data().standing(Some(&p.unit), today()),
        Standing::Split(_)
    ));
}

#[test]
fn new_names_and_names_without_diacritics_resolve() {
    let p = resolve("ha noi", "", "phuong hoan kiem").unwrap();
    assert_eq!(p.commune, "Phường Hoàn Kiếm");
    assert_eq!(p.district, "");
    assert_eq!(p.unit, "01.00070");
    // Hyphens written either way.
    let a = resolve("Hà Nội", "Đống Đa", "Phương Liên-Trung Tự").unwrap();
    let b = resolve("Hà Nội", "", "Phường Phương Liên - Trung Tự (Quận Đống Đa)").unwrap();
    assert_eq!(a, b);
    // The whole address typed in the commune field, as on an identity card.
    let c = resolve(
        "Hà Nội",
        "",
        "Phường Hàng Bạc, Quận Hoàn Kiếm, Thành phố Hà Nội",
    )
    .unwrap();
    assert_eq!(c.commune, "Phường Hàng Bạc");
}

#[test]
fn one_name_several_units() {
    // Xã Chương Dương today; phường Chương Dương (Hoàn Kiếm) and xã Chương Dương
    // (Thường Tín) before 01/07/2025.
    let now = resolve("Hà Nội", "", "Chương Dương").unwrap();
    assert_eq!(now.commune, "Xã Chương Dương");
    assert_eq!(now.district, "");
    let old = resolve("Hà Nội", "Hoàn Kiếm", "Chương Dương").unwrap();
    assert_eq!(old.commune, "Phường Chương Dương");
    let old_xa = resolve("Hà Nội", "Huyện Thường Tín", "Xã Chương Dương").unwrap();
    assert_eq!(old_xa.district, "Huyện Thường Tín");
    // Diacritics tell "Song Phương" (Hoài Đức) from "Song Phượng" (Đan Phượng)...
    let a = resolve("Hà Nội", "", "Xã Song Phượng").unwrap();
    assert_eq!(a.district, "Huyện Đan Phượng");
    let b = resolve("Hà Nội", "", "Xã Song Phương").unwrap();
    assert_eq!(b.district, "Huyện Hoài Đức");
    // ...and without them the clerk is asked which one.
    match resolve("Hà Nội", "", "xa song phuong") {
        Err(AddressProblem::Ambiguous { candidates }) => {
            assert_eq!(candidates.len(), 2, "{candidates:?}")
        }
        other => panic!("{other:?}"),
    }
    // Hòa / Hoà: tone-mark placement does not make two names.
    assert_eq!(exact_name("Thái Hoà"), exact_name("Thái Hòa"));
    assert_ne!(exact_name("Văn Tự"), exact_name("Vân Từ"));
}

#[test]
fn a_wrong_district_or_an_unknown_name_is_refused_with_suggestions() {
    match resolve("Hà Nội", "Quận Ba Đình", "Phường Hàng Bạc") {
        Err(AddressProblem::UnknownCommune { suggestions }) => {
            assert!(suggestions.contains(&"Phường Hàng Bạc, Quận Hoàn Kiếm".to_owned()))
        }
        other => panic!("{other:?}"),
    }
    match resolve("Hà Nội", "", "Hang Bak") {
        Err(AddressProblem::UnknownCommune { suggestions }) => {
            assert!(
                suggestions.contains(&"Phường Hàng Bạc, Quận Hoàn Kiếm".to_owned()),
                "{suggestions:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        resolve("Hà Nội", "", ""),
        Err(AddressProblem::UnknownCommune { .. })
    ));
    match resolve("Ha Noii", "", "Hoàn Kiếm") {
        Err(AddressProblem::UnknownProvince { suggestions }) => {
            assert_eq!(
                suggestions.first().map(String::as_str),
                Some("Thành phố Hà Nội")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn outside_ha_noi_the_province_is_resolved_and_the_rest_kept() {
    let p = resolve("Tỉnh Hà Giang", "Huyện  Đồng Văn", "Xã Lũng Cú").unwrap();
    assert_eq!(p.province, "Tỉnh Hà Giang");
    assert_eq!(p.district, "Huyện Đồng Văn");
    assert_eq!(p.commune, "Xã Lũng Cú");
    assert_eq!(p.unit, "02@20250630");
    // Hà Giang went into Tuyên Quang.
    let ha_giang = data().province(&p.unit).unwrap();
    assert_eq!(data().province_on(ha_giang, today()).key, "08");
    assert_eq!(
        data().standing(Some(&p.unit), today()),
        Standing::Became("Tỉnh Tuyên Quang".into())
    );
    assert_eq!(
        data().province_on(ha_giang, d(2025, 6, 1)).key,
        "02@20250630"
    );
    assert_eq!(
        data().standing(Some(&p.unit), d(2025, 6, 1)),
        Standing::InForce
    );
    // A name shared by a former and a current province means the current one: An Giang
    // is 91 since 01/07/2025 (the code Kiên Giang had).
    assert_eq!(resolve("An Giang", "", "x").unwrap().unit, "91");
    assert_eq!(resolve("Kiên Giang", "", "x").unwrap().unit, "91@20250630");
    assert_eq!(resolve("TP.HCM", "", "x").unwrap().unit, "79");
    assert_eq!(
        resolve("Hòa Bình", "", "x").unwrap().province,
        "Tỉnh Hoà Bình"
    );
}

#[test]
fn name_folding() {
    assert_eq!(
        fold_name("P. Phương Liên-Trung Tự"),
        fold_name("phường  phương liên - trung tự")
    );
    assert_eq!(fold_name("Thị xã Sơn Tây").0, Some(Kind::ThiXa));
    assert_eq!(strip_prefix("Thị trấn  Văn Điển"), "Văn Điển");
}

#[test]
fn choices_list_today_first() {
    let c = data().commune_choices(today());
    assert_eq!(c.len(), 652);
    assert!(c[..126].iter().all(|n| !n.contains('(')));
    assert!(c.contains(&"Phường Hàng Bạc (Quận Hoàn Kiếm)".to_owned()));
    let p = data().province_choices(today());
    assert_eq!(p.len(), 86);
    assert!(p[..34].contains(&"Thành phố Hà Nội".to_owned()));
}

#[test]
fn a_name_that_starts_like_a_kind_is_still_a_name() {
    // "Phương Liên - Trung Tự" is not "Phường Liên - Trung Tự".
    let p = resolve("Hà Nội", "Đống Đa", "Phương Liên - Trung Tự").unwrap();
    assert_eq!(p.commune, "Phường Phương Liên - Trung Tự");
    let q = resolve("Hà Nội", "", "Phường Phương Liên - Trung Tự").unwrap();
    assert_eq!(p, q);
}

#[test]
fn standing_of_a_recorded_unit() {
    let x = data();
    let hang_bac = resolve("Hà Nội", "Hoàn Kiếm", "Hàng Bạc").unwrap().unit;
    assert_eq!(
        x.standing(Some(&hang_bac), today()),
        Standing::Became("Phường Hoàn Kiếm".into())
    );
    assert_eq!(
        x.standing(Some(&hang_bac), d(2025, 1, 1)),
        Standing::InForce
    );
    assert_eq!(x.standing(Some("01.00070"), today()), Standing::InForce);
    assert!(matches!(
        x.standing(Some(&resolve("Hà Nội", "Hoàn Kiếm", "Hàng Bông").unwrap().unit), today()),
        Standing::Split(v) if v.len() == 2
    ));
    assert_eq!(
        x.standing(Some("34@20250630"), today()),
        Standing::Became("Tỉnh Hưng Yên".into())
    );
    assert_eq!(x.standing(None, today()), Standing::AsWritten);
    assert_eq!(x.standing(Some("nonsense"), today()), Standing::AsWritten);
}

#[test]
fn people_follow_the_population_not_the_land() {
    let x = data();
    let unit = |district: &str, commune: &str| {
        x.commune(&resolve("Hà Nội", district, commune).unwrap().unit)
            .unwrap()
    };
    // Trâu Quỳ (Gia Lâm): part of its land went elsewhere, all its people to one ward.
    let c = unit("Gia Lâm", "Thị trấn Trâu Quỳ");
    assert!(matches!(x.today(c, today()), Today::Whole(_)), "Trâu Quỳ");
    // Bồ Đề (Long Biên): land only to Hồng Hà and Long Biên, the rest (with its people)
    // became the new Bồ Đề.
    let c = unit("Long Biên", "Phường Bồ Đề");
    match x.today(c, today()) {
        Today::Whole(u) => assert_eq!(u.full_name(), "Phường Bồ Đề"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_commune_field_may_carry_the_district_and_province() {
    // A suggestion picked while the district field still holds another value: the
    // district written with the commune wins.
    let p = resolve(
        "Hà Nội",
        "Quận Ba Đình",
        "Phường Hàng Bông (Quận Hoàn Kiếm)",
    )
    .unwrap();
    assert_eq!(
        (p.commune.as_str(), p.district.as_str()),
        ("Phường Hàng Bông", "Quận Hoàn Kiếm")
    );
    let p = resolve("Hà Nội", "Quận Ba Đình", "Phường Hàng Bông, Quận Hoàn Kiếm").unwrap();
    assert_eq!(p.district, "Quận Hoàn Kiếm");
    // A new-style address written out in full.
    let p = resolve("Hà Nội", "", "Phường Hoàn Kiếm, Thành phố Hà Nội").unwrap();
    assert_eq!(
        (p.commune.as_str(), p.district.as_str()),
        ("Phường Hoàn Kiếm", "")
    );
    // Today's ward with the old district it came from still typed: accepted.
    let p = resolve("Hà Nội", "Quận Hoàn Kiếm", "Phường Hoàn Kiếm").unwrap();
    assert_eq!(p.unit, "01.00070");
    // ...but not with a district it has nothing to do with.
    assert!(resolve("Hà Nội", "Quận Hoàng Mai", "Phường Ngọc Hà").is_err());
}

#[test]
fn old_province_names_and_overlong_input() {
    assert_eq!(
        resolve("Tỉnh Thừa Thiên Huế", "", "x").unwrap().province,
        "Thành phố Huế"
    );
    let long = "a".repeat(10_000);
    assert_eq!(
        resolve("Hà Nội", "", &long),
        Err(AddressProblem::TooLong { commune: true })
    );
    assert_eq!(
        resolve("Hà Nội", &long, "Hàng Bạc"),
        Err(AddressProblem::TooLong { commune: true })
    );
    assert_eq!(
        resolve(&long, "", "x"),
        Err(AddressProblem::TooLong { commune: false })
    );
    // 120 characters is still a name to look up.
    assert!(matches!(
        resolve("Hà Nội", "", &"b".repeat(120)),
        Err(AddressProblem::UnknownCommune { .. })
    ));
}
