use super::*;
use pubgrub::VersionSet as _;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

#[test]
fn normalises() {
    for (i, o) in [("1.0dev", "1.0.dev0"), ("v1.0-ALPHA.1", "1.0a1"), ("1.0-1", "1.0.post1"), ("1!2.0rev3", "1!2.0.post3"), ("1.0+AbC-01", "1.0+abc.1"), (" 1.0c1 ", "1.0rc1")] {
        assert_eq!(v(i).to_string(), o, "{i}");
    }
    assert!(Version::parse("1.0+_x").is_err());
    assert!(Version::parse("french toast").is_err());
}

#[test]
fn orders() {
    let seq = ["1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0a1.post1", "1.0b1", "1.0rc1", "1.0", "1.0+abc", "1.0+5", "1.0.post1.dev1", "1.0.post1", "1.0.1", "1!0.1"];
    for w in seq.windows(2) {
        assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
    }
    assert_eq!(v("1.0"), v("1.0.0"));
}

#[test]
fn exclusive_ordering_rules() {
    let set = |s: &str| SpecifierSet::parse(s).unwrap();
    let f = PrereleaseFlags::default();
    assert!(!set(">1.7").contains(&v("1.7.post1"), f));
    assert!(!set(">1.7").contains(&v("1.7+local"), f));
    assert!(set(">1.7").contains(&v("1.7.1"), f));
    assert!(set(">1.7.post2").contains(&v("1.7.post3"), f));
    assert!(!set("<1.7").contains(&v("1.7.dev0"), f));
    assert!(set("<1.7").contains(&v("1.6.dev0"), f));
    assert!(!set("<1.7.post1").contains(&v("1.7.post1.dev0"), f));
    assert!(set("<1.7.post1").contains(&v("1.7.dev0"), f));
    assert!(set(">1.7a1").contains(&v("1.7.post1"), f));
    assert!(!set(">1.7a1").contains(&v("1.7a1.post1"), f));
    assert!(set("<1.7.post1").contains(&v("1.7"), f));
}

#[test]
fn set_agrees_with_contains_on_a_grid() {
    let specs = [">1.7", ">1.7a1", ">1.7.post1", "<1.7", "<1.7.post1", "<1.7a2", ">=1.7", "<=1.7", "==1.7", "==1.7+loc", "!=1.7", "==1.*", "!=1.7.*", "~=1.7", "~=1.7.1", ">=1.0,<2.0,!=1.5.*", "~=1!1.0", ""];
    let mut versions = Vec::new();
    for rel in ["1.6", "1.7", "1.7.0", "1.7.1", "1.8", "2.0", "1!1.0", "1!1.5"] {
        for suf in ["", "a1", "a2", "rc1", ".dev0", ".dev3", "a1.dev1", ".post1", ".post1.dev0", "a1.post1", ".post2"] {
            for loc in ["", "+loc", "+1"] {
                versions.push(v(&format!("{rel}{suf}{loc}")));
            }
        }
    }
    for s in specs {
        let set = SpecifierSet::parse(s).unwrap();
        for allow in [true, false] {
            let flags = PrereleaseFlags { set: Some(allow), ..Default::default() };
            let pep = set.to_set(allow).unwrap();
            for ver in &versions {
                assert_eq!(pep.contains(ver), set.contains(ver, flags), "{s:?} allow={allow} {ver}: {pep}");
            }
        }
    }
}

#[test]
fn prefix_and_compatible_release() {
    let f = PrereleaseFlags::default();
    let set = |s: &str| SpecifierSet::parse(s).unwrap();
    assert!(set("==1.2.*").contains(&v("1.2.post3"), f));
    assert!(set("==1.2.*").contains(&v("1.2a1"), f));
    assert!(!set("==1.2.*").contains(&v("1.20"), f));
    assert!(set("==1.0.0.*").contains(&v("1"), f));
    assert!(set("~=2.2").contains(&v("2.9"), f));
    assert!(!set("~=2.2").contains(&v("3.0"), f));
    assert!(!set("~=1.4.5a4").contains(&v("1.5"), f));
    assert!(set("==1.0").contains(&v("1.0+local"), f));
    assert!(!set("==1.0+a").contains(&v("1.0+b"), f));
    assert!(SpecifierSet::parse("~=1").is_err());
    assert!(SpecifierSet::parse("==1.0a1.*").is_err());
    assert!(SpecifierSet::parse(">=1.0+local").is_err());
}

#[test]
fn arbitrary_equality_compares_text() {
    let s = SpecifierSet::parse("===1.01").unwrap();
    let f = PrereleaseFlags::default();
    assert!(s.contains_item("1.01", Version::parse("1.01").ok().as_ref(), f));
    assert!(!s.contains_item("1.1", Version::parse("1.1").ok().as_ref(), f));
    assert!(SpecifierSet::parse("===foobar").unwrap().contains_str("FooBar"));
    assert!(s.to_set(true).is_none());
}

#[test]
fn prerelease_switches_and_filter() {
    let s = SpecifierSet::parse(">=1.0").unwrap();
    let pre = v("2.0rc1");
    assert!(s.contains(&pre, PrereleaseFlags::default()));
    assert!(!s.contains(&pre, PrereleaseFlags { set: Some(false), ..Default::default() }));
    assert!(s.contains(&pre, PrereleaseFlags { set: Some(false), installed: true, ..Default::default() }));
    let items: Vec<String> = ["1.5", "2.0rc1"].map(String::from).to_vec();
    assert_eq!(s.filter(&items, PrereleaseFlags::default()), vec![&items[0]]);
    let only_pre: Vec<String> = vec!["2.0rc1".into()];
    assert_eq!(s.filter(&only_pre, PrereleaseFlags::default()), vec![&only_pre[0]]);
}

#[test]
fn canonicalize() {
    assert_eq!(v("1.4.0.0").canonical(true), "1.4");
    assert_eq!(v("100!0.0").canonical(true), "100!0");
    assert_eq!(v("1.0a0").canonical(true), "1a0");
    assert_eq!(v("1.4.0").canonical(false), "1.4.0");
    assert!(Version::parse("1.0.99999999999999999999").is_err());
}
