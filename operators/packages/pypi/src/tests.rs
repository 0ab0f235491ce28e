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
