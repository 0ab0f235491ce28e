use super::*;
use pubgrub::VersionSet as _;

fn v(s: &str) -> Version {
    Version::parse(s, false).unwrap()
}
fn r(s: &str) -> Range {
    Range::parse(s, Options::default()).unwrap()
}

#[test]
fn desugars_like_node_semver() {
    for (input, want) in [
        ("^1.2.3", ">=1.2.3 <2.0.0-0"),
        ("^0.2.3", ">=0.2.3 <0.3.0-0"),
        ("^0.0.3", ">=0.0.3 <0.0.4-0"),
        ("~1.2", ">=1.2.0 <1.3.0-0"),
        ("1.2.3 - 2.3", ">=1.2.3 <2.4.0-0"),
        ("1.x || >=2.5.0 || 5.0.0 - 7.2.3", ">=1.0.0 <2.0.0-0||>=2.5.0||>=5.0.0 <=7.2.3"),
        ("*", "*"),
        ("", "*"),
        (">1", ">=2.0.0"),
        ("<=1.2", "<1.3.0-0"),
    ] {
        assert_eq!(r(input).to_string(), want, "{input}");
    }
}

#[test]
fn prerelease_rule() {
    let range = r(">1.2.3-alpha.3");
    assert!(range.test(&v("1.2.3-alpha.7")));
    assert!(!range.test(&v("3.4.5-alpha.9")));
    assert!(range.test(&v("3.4.5")));
    let inc = Range::parse(">1.2.3-alpha.3", Options { include_prerelease: true, loose: false }).unwrap();
    assert!(inc.test(&v("3.4.5-alpha.9")));
}

#[test]
fn loose_and_prefixes() {
    assert!(Version::parse("=1.2.3", false).is_err());
    assert_eq!(Version::parse("=1.2.3", true).unwrap().to_string(), "1.2.3");
    assert_eq!(Version::parse("v1.2.3", false).unwrap().to_string(), "1.2.3");
    assert_eq!(Version::parse("1.2.3-beta.01", true).unwrap().to_string(), "1.2.3-beta.1");
    assert!(Version::parse("01.2.3", false).is_err());
    assert!(Version::parse("9007199254740992.0.0", false).is_err());
    assert!(Version::parse(&format!("1.2.3-{}", "a".repeat(300)), false).is_err());
}

#[test]
fn set_agrees_with_test_on_a_grid() {
    let ranges = [
        "^1.2.3", "^1.2.3-beta", "~1.2.3-beta.2", ">=1.2.3-alpha <1.2.4", "1.2.3-alpha - 2.0.0-rc.1", "<2.0.0-0", "1.x || ^0.2.1-rc",
        ">1.0.0-beta <=1.0.0", "*", "=1.2.3-beta", "<1.2.3", ">1.2.3-beta.1 || <0.1.0",
    ];
    let mut versions = Vec::new();
    for ma in 0..3 {
        for mi in 0..4 {
            for pa in 0..5 {
                for pre in ["", "-0", "-alpha", "-beta", "-beta.1", "-beta.2", "-rc", "-rc.1"] {
                    versions.push(v(&format!("{ma}.{mi}.{pa}{pre}")));
                }
            }
        }
    }
    for include_prerelease in [false, true] {
        for s in ranges {
            let range = Range::parse(s, Options { include_prerelease, loose: false }).unwrap();
            let set = range.to_set();
            for ver in &versions {
                assert_eq!(set.contains(ver), range.test(ver), "{s} ({include_prerelease}) vs {ver}: {set}");
            }
        }
    }
}

#[test]
fn hyphen_x_tilde_caret_rules() {
    for (input, want) in [
        ("1.2 - 2.3.4", ">=1.2.0 <=2.3.4"),
        ("1.2.3 - 2", ">=1.2.3 <3.0.0-0"),
        ("~1.2.3-beta.2", ">=1.2.3-beta.2 <1.3.0-0"),
        ("~>3.2.1", ">=3.2.1 <3.3.0-0"),
        ("^0.0.1-beta", ">=0.0.1-beta <0.0.2-0"),
        ("^1.x", ">=1.0.0 <2.0.0-0"),
        ("<=7.x", "<8.0.0-0"),
        (">*", "<0.0.0-0"),
        ("1.x.5", ""),
    ] {
        match Range::parse(input, Options::default()) {
            Ok(r) => assert_eq!(r.to_string(), want, "{input}"),
            Err(_) => assert_eq!(want, "", "{input} should parse"),
        }
    }
}

#[test]
fn gtr_and_ltr() {
    let range = r("~1.2.2");
    assert!(range.outside(&v("1.3.0"), std::cmp::Ordering::Greater));
    assert!(!range.outside(&v("1.2.5"), std::cmp::Ordering::Greater));
    assert!(range.outside(&v("1.2.1"), std::cmp::Ordering::Less));
    assert!(!range.outside(&v("1.3.0"), std::cmp::Ordering::Less));
}

#[test]
fn clean_strips_prefixes_and_build() {
    assert_eq!(clean("  =v1.2.3   ", false).as_deref(), Some("1.2.3"));
    assert_eq!(clean("0.12.0-dev.1150+3c22cecee", false).as_deref(), Some("0.12.0-dev.1150"));
    assert_eq!(clean("~1.2.3", false), None);
}

#[test]
fn compare_build_orders_metadata() {
    assert_eq!(v("1.0.0+2").cmp(&v("1.0.0+10")), std::cmp::Ordering::Equal);
    assert_eq!(v("1.0.0+2").compare_build(&v("1.0.0+10")), std::cmp::Ordering::Less);
    assert_eq!(v("1.0.0").compare_build(&v("1.0.0+0")), std::cmp::Ordering::Less);
}

#[test]
fn release_lane_is_canonical() {
    // (1.0.0, 1.0.1) holds no npm release: PubGrub must see it as empty.
    let not_one = VersionSet::singleton(v("1.0.0")).complement();
    let band = r(">=1.0.0 <1.0.1").to_set();
    assert_eq!(not_one.intersection(&band), VersionSet::empty());
    assert!(not_one.is_disjoint(&band));
    // Two spellings of the same set are equal.
    assert_eq!(r(">1.0.0").to_set(), r(">=1.0.1").to_set());
    assert_eq!(r("<=1.2.3").to_set(), r("<1.2.4").to_set());
    // A single release reads as itself.
    assert_eq!(r(">=1.0.0 <1.0.1").to_set(), VersionSet::singleton(v("1.0.0")));
    assert_eq!(r(">=1.0.0 <1.0.1").to_set().to_string(), "1.0.0");
}
