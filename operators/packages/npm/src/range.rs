//! node-semver's `Range` and `Comparator`: the same desugaring pipeline (hyphen ranges,
//! carets, tildes, x-ranges, stars), built from the same regular expressions as node-semver's
//! `internal/re.js` (its "safe" variants), so that ranges desugar to exactly the comparators
//! node-semver prints.

use crate::version::{Version, VersionError, js_trim};
use regex::{Captures, Regex};
use std::cmp::Ordering;
use std::fmt;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

/// Parse options, as node-semver's `options` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Options {
    pub loose: bool,
    pub include_prerelease: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("invalid comparator `{0}`")]
    Comparator(String),
    #[error("invalid version in comparator `{comparator}`: {source}")]
    Version { comparator: String, source: VersionError },
    #[error("empty range")]
    Empty,
}

/// A comparator operator. `=` is stored as [`Op::Eq`] and printed without a sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
        }
    }
}

/// One comparator. `version: None` is node-semver's `ANY` (the empty comparator).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Comparator {
    pub op: Op,
    pub version: Option<Version>,
}

impl Comparator {
    pub const ANY: Comparator = Comparator { op: Op::Eq, version: None };

    /// `new Comparator(comp, options)`.
    pub fn parse(comp: &str, opts: Options) -> Result<Comparator, RangeError> {
        let comp = WS.split(js_trim(comp)).collect::<Vec<_>>().join(" ");
        let re = if opts.loose { &RE.comparator_loose } else { &RE.comparator };
        let caps = re.captures(&comp).ok_or_else(|| RangeError::Comparator(comp.clone()))?;
        let op = match caps.get(1).map(|m| m.as_str()).unwrap_or("") {
            "" | "=" => Op::Eq,
            ">" => Op::Gt,
            ">=" => Op::Gte,
            "<" => Op::Lt,
            "<=" => Op::Lte,
            _ => return Err(RangeError::Comparator(comp.clone())),
        };
        match caps.get(2) {
            None => Ok(Comparator::ANY),
            Some(m) if m.as_str().is_empty() => Ok(Comparator::ANY),
            Some(m) => {
                let version = Version::parse(m.as_str(), opts.loose).map_err(|source| RangeError::Version { comparator: comp.clone(), source })?;
                Ok(Comparator { op, version: Some(version) })
            }
        }
    }

    /// `Comparator.test` (no prerelease rule: that is the comparator set's business).
    pub fn test(&self, v: &Version) -> bool {
        let Some(c) = &self.version else { return true };
        let o = v.cmp(c);
        match self.op {
            Op::Eq => o == Ordering::Equal,
            Op::Gt => o == Ordering::Greater,
            Op::Gte => o != Ordering::Less,
            Op::Lt => o == Ordering::Less,
            Op::Lte => o != Ordering::Greater,
        }
    }

    fn is_null_set(&self) -> bool {
        self.op == Op::Lt && self.version.as_ref().is_some_and(|v| v.major == 0 && v.minor == 0 && v.patch == 0 && v.pre == [crate::Ident::Num(0)])
    }
}

/// `Comparator.value`.
impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            None => Ok(()),
            Some(v) => write!(f, "{}{v}", self.op.as_str()),
        }
    }
}

/// An npm range: a union (`||`) of comparator sets (intersections).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Range {
    pub set: Vec<Vec<Comparator>>,
    pub options: Options,
}

impl Range {
    /// `new Range(range, options)`. Like node-semver, recently parsed ranges are cached
    /// (desugaring runs node-semver's regex pipeline, ~20 µs; a cache hit is a lookup).
    pub fn parse(range: &str, opts: Options) -> Result<Range, RangeError> {
        const CAP: usize = 1000;
        type Cache = HashMap<(String, Options), Result<Range, RangeError>>;
        static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(HashMap::new()));
        let key = (range.to_string(), opts);
        if let Some(hit) = CACHE.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
            return hit;
        }
        let parsed = Range::parse_uncached(range, opts);
        if let Ok(mut cache) = CACHE.lock() {
            if cache.len() >= CAP {
                cache.clear();
            }
            cache.insert(key, parsed.clone());
        }
        parsed
    }

    /// [`Range::parse`] without the cache.
    pub fn parse_uncached(range: &str, opts: Options) -> Result<Range, RangeError> {
        let raw = WS.replace_all(js_trim(range), " ").into_owned();
        let mut set: Vec<Vec<Comparator>> = Vec::new();
        for part in raw.split("||") {
            let comps = parse_comparator_set(js_trim(part), opts)?;
            if !comps.is_empty() {
                set.push(comps);
            }
        }
        if set.is_empty() {
            return Err(RangeError::Empty);
        }
        if set.len() > 1 {
            let first = set[0].clone();
            set.retain(|c| !c[0].is_null_set());
            if set.is_empty() {
                set = vec![first];
            } else if set.len() > 1
                && let Some(any) = set.iter().find(|c| c.len() == 1 && c[0].version.is_none()).cloned() {
                    set = vec![any];
                }
        }
        Ok(Range { set, options: opts })
    }

    /// `Range.test`: some comparator set holds `v` under the prerelease rule.
    pub fn test(&self, v: &Version) -> bool {
        self.set.iter().any(|s| test_set(s, v, self.options))
    }

    /// `semver.outside(version, range, hilo)`: `Greater` is `gtr`, `Less` is `ltr`.
    pub fn outside(&self, v: &Version, dir: Ordering) -> bool {
        if self.test(v) {
            return false;
        }
        let any = Comparator { op: Op::Gte, version: Some(Version::new(0, 0, 0)) };
        let (comp, ecomp) = if dir == Ordering::Greater { (Op::Gt, Op::Gte) } else { (Op::Lt, Op::Lte) };
        for comps in &self.set {
            let mut high: Option<&Comparator> = None;
            let mut low: Option<&Comparator> = None;
            for c in comps {
                let c = if c.version.is_none() { &any } else { c };
                let h = *high.get_or_insert(c);
                let l = *low.get_or_insert(c);
                let (cv, hv, lv) = (ver(c), ver(h), ver(l));
                // gtfn / ltfn are flipped for `ltr`.
                if cv.cmp(hv) == dir {
                    high = Some(c);
                } else if cv.cmp(lv) == dir.reverse() {
                    low = Some(c);
                }
            }
            let (Some(high), Some(low)) = (high, low) else { continue };
            if high.op == comp || high.op == ecomp {
                return false;
            }
            let lv = ver(low);
            // ltefn(version, low) — `lte` for gtr, `gte` for ltr.
            let ltefn = v.cmp(lv) != dir;
            let ltfn = v.cmp(lv) == dir.reverse();
            if ((low.op == Op::Eq || low.op == comp) && ltefn) || (low.op == ecomp && ltfn) {
                return false;
            }
        }
        true
    }
}

fn ver(c: &Comparator) -> &Version {
    static ZERO: LazyLock<Version> = LazyLock::new(|| Version::new(0, 0, 0));
    c.version.as_ref().unwrap_or(&ZERO)
}

/// `testSet`: every comparator matches, and a prerelease needs a comparator with a prerelease
/// of the same `[major, minor, patch]` (unless `includePrerelease`).
pub fn test_set(set: &[Comparator], v: &Version, opts: Options) -> bool {
    if !set.iter().all(|c| c.test(v)) {
        return false;
    }
    if v.is_prerelease() && !opts.include_prerelease {
        return set.iter().any(|c| {
            c.version.as_ref().is_some_and(|a| a.is_prerelease() && a.major == v.major && a.minor == v.minor && a.patch == v.patch)
        });
    }
    true
}

/// `Range.range` (what `semver.validRange` returns, `*` when empty).
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, comps) in self.set.iter().enumerate() {
            if i > 0 {
                out.push_str("||");
            }
            for (k, c) in comps.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                out.push_str(js_trim(&c.to_string()));
            }
        }
        if out.is_empty() { f.write_str("*") } else { f.write_str(&out) }
    }
}

// ---- the desugaring pipeline (node-semver `classes/range.js`) ----

/// `Range.parseRange`.
fn parse_comparator_set(range: &str, opts: Options) -> Result<Vec<Comparator>, RangeError> {
    let hr = if opts.loose { &RE.hyphen_loose } else { &RE.hyphen };
    let range = hr.replacen(range, 1, |c: &Captures| hyphen_replace(c, opts.include_prerelease)).into_owned();
    let range = RE.comparator_trim.replace_all(&range, "${1}${2}${3}").into_owned();
    let range = RE.tilde_trim.replace_all(&range, "${1}~").into_owned();
    let range = RE.caret_trim.replace_all(&range, "${1}^").into_owned();
    let joined = range.split(' ').map(|c| parse_comparator(c, opts)).collect::<Vec<_>>().join(" ");
    let mut list: Vec<String> = WS.split(&joined).map(|c| replace_gte0(c, opts)).collect();
    if opts.loose {
        list.retain(|c| RE.comparator_loose.is_match(c));
    }
    let mut result: Vec<Comparator> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for c in &list {
        let comp = Comparator::parse(c, opts)?;
        if comp.is_null_set() {
            return Ok(vec![comp]);
        }
        let value = comp.to_string();
        if let Some(i) = values.iter().position(|v| *v == value) {
            result[i] = comp;
        } else {
            values.push(value);
            result.push(comp);
        }
    }
    if result.len() > 1
        && let Some(i) = values.iter().position(String::is_empty) {
            result.remove(i);
        }
    Ok(result)
}

fn parse_comparator(comp: &str, opts: Options) -> String {
    let comp = RE.build.replacen(comp, 1, "").into_owned();
    let comp = WS.split(js_trim(&comp)).map(|c| replace_caret(c, opts)).collect::<Vec<_>>().join(" ");
    let comp = WS.split(js_trim(&comp)).map(|c| replace_tilde(c, opts)).collect::<Vec<_>>().join(" ");
    let comp = WS.split(&comp).map(|c| replace_xrange(c, opts)).collect::<Vec<_>>().join(" ");
    RE.star.replacen(js_trim(&comp), 1, "").into_owned()
}

/// A number after a wildcard (`1.x.5`, `x.1`): node-semver rejects these x-ranges, so the
/// replacers leave them as they are and comparator parsing then fails.
fn x_then_number(m: Option<&str>, n: Option<&str>, p: Option<&str>) -> bool {
    let num = |s: Option<&str>| s.is_some_and(|s| !is_x(Some(s)));
    (is_x(m) && (num(n) || num(p))) || (is_x(n) && num(p))
}

fn is_x(id: Option<&str>) -> bool {
    match id {
        None => true,
        Some(s) => s.is_empty() || s.eq_ignore_ascii_case("x") || s == "*",
    }
}

/// `+id + 1` in JavaScript on a digit string (numbers beyond u64 saturate; they are rejected
/// later as too big anyway).
fn inc(id: Option<&str>) -> String {
    let n: u128 = id.and_then(|s| s.parse().ok()).unwrap_or(u128::MAX - 1);
    (n + 1).to_string()
}

fn g<'a>(c: &'a Captures, i: usize) -> Option<&'a str> {
    c.get(i).map(|m| m.as_str())
}

fn replace_tilde(comp: &str, opts: Options) -> String {
    let r = if opts.loose { &RE.tilde_loose } else { &RE.tilde };
    let z = if opts.include_prerelease { "-0" } else { "" };
    r.replacen(comp, 1, |c: &Captures| {
        let (mj, mi, pa, pr) = (g(c, 1), g(c, 2), g(c, 3), g(c, 4));
        let (sm, smi, sp) = (mj.unwrap_or(""), mi.unwrap_or(""), pa.unwrap_or(""));
        if x_then_number(mj, mi, pa) {
            c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default()
        } else if is_x(mj) {
            String::new()
        } else if is_x(mi) {
            format!(">={sm}.0.0{z} <{}.0.0-0", inc(mj))
        } else if is_x(pa) {
            format!(">={sm}.{smi}.0{z} <{sm}.{}.0-0", inc(mi))
        } else if let Some(pr) = pr.filter(|p| !p.is_empty()) {
            format!(">={sm}.{smi}.{sp}-{pr} <{sm}.{}.0-0", inc(mi))
        } else {
            format!(">={sm}.{smi}.{sp} <{sm}.{}.0-0", inc(mi))
        }
    })
    .into_owned()
}

fn replace_caret(comp: &str, opts: Options) -> String {
    let r = if opts.loose { &RE.caret_loose } else { &RE.caret };
    let z = if opts.include_prerelease { "-0" } else { "" };
    r.replacen(comp, 1, |c: &Captures| {
        let (mj, mi, pa, pr) = (g(c, 1), g(c, 2), g(c, 3), g(c, 4));
        let (sm, smi, sp) = (mj.unwrap_or(""), mi.unwrap_or(""), pa.unwrap_or(""));
        if x_then_number(mj, mi, pa) {
            c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default()
        } else if is_x(mj) {
            String::new()
        } else if is_x(mi) {
            format!(">={sm}.0.0{z} <{}.0.0-0", inc(mj))
        } else if is_x(pa) {
            if sm == "0" { format!(">={sm}.{smi}.0{z} <{sm}.{}.0-0", inc(mi)) } else { format!(">={sm}.{smi}.0{z} <{}.0.0-0", inc(mj)) }
        } else if let Some(pr) = pr.filter(|p| !p.is_empty()) {
            if sm == "0" {
                if smi == "0" {
                    format!(">={sm}.{smi}.{sp}-{pr} <{sm}.{smi}.{}-0", inc(pa))
                } else {
                    format!(">={sm}.{smi}.{sp}-{pr} <{sm}.{}.0-0", inc(mi))
                }
            } else {
                format!(">={sm}.{smi}.{sp}-{pr} <{}.0.0-0", inc(mj))
            }
        } else if sm == "0" {
            if smi == "0" { format!(">={sm}.{smi}.{sp} <{sm}.{smi}.{}-0", inc(pa)) } else { format!(">={sm}.{smi}.{sp} <{sm}.{}.0-0", inc(mi)) }
        } else {
            format!(">={sm}.{smi}.{sp} <{}.0.0-0", inc(mj))
        }
    })
    .into_owned()
}

fn replace_xrange(comp: &str, opts: Options) -> String {
    let comp = js_trim(comp);
    let r = if opts.loose { &RE.xrange_loose } else { &RE.xrange };
    r.replacen(comp, 1, |c: &Captures| {
        let whole = c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default();
        let mut gtlt = g(c, 1).unwrap_or("").to_string();
        let (mj, mi, pa) = (g(c, 2), g(c, 3), g(c, 4));
        let xm_ = is_x(mj);
        let xmi = xm_ || is_x(mi);
        let xp = xmi || is_x(pa);
        let any_x = xp;
        if gtlt == "=" && any_x {
            gtlt.clear();
        }
        let mut pr = if opts.include_prerelease { "-0" } else { "" };
        if x_then_number(mj, mi, pa) {
            whole
        } else if xm_ {
            if gtlt == ">" || gtlt == "<" { "<0.0.0-0".to_string() } else { "*".to_string() }
        } else if !gtlt.is_empty() && any_x {
            let mut m = mj.unwrap_or("").to_string();
            let mut n = if xmi { "0".to_string() } else { mi.unwrap_or("").to_string() };
            let mut p = "0".to_string();
            if gtlt == ">" {
                gtlt = ">=".into();
                if xmi {
                    m = inc(mj);
                    n = "0".into();
                    p = "0".into();
                } else {
                    n = inc(mi);
                    p = "0".into();
                }
            } else if gtlt == "<=" {
                gtlt = "<".into();
                if xmi {
                    m = inc(mj);
                } else {
                    n = inc(mi);
                }
            }
            if gtlt == "<" {
                pr = "-0";
            }
            let _ = &mut p;
            format!("{gtlt}{m}.{n}.{p}{pr}")
        } else if xmi {
            format!(">={}.0.0{pr} <{}.0.0-0", mj.unwrap_or(""), inc(mj))
        } else if xp {
            format!(">={}.{}.0{pr} <{}.{}.0-0", mj.unwrap_or(""), mi.unwrap_or(""), mj.unwrap_or(""), inc(mi))
        } else {
            whole
        }
    })
    .into_owned()
}

fn replace_gte0(comp: &str, opts: Options) -> String {
    let r = if opts.include_prerelease { &RE.gte0_pre } else { &RE.gte0 };
    r.replacen(js_trim(comp), 1, "").into_owned()
}

fn hyphen_replace(c: &Captures, inc_pr: bool) -> String {
    let from = g(c, 1).unwrap_or("");
    let (fm, fmi, fp, fpr) = (g(c, 2), g(c, 3), g(c, 4), g(c, 5));
    let to = g(c, 7).unwrap_or("");
    let (tm, tmi, tp, tpr) = (g(c, 8), g(c, 9), g(c, 10), g(c, 11));
    let z = if inc_pr { "-0" } else { "" };
    if x_then_number(fm, fmi, fp) || x_then_number(tm, tmi, tp) {
        return c.get(0).map(|m| m.as_str().to_string()).unwrap_or_default();
    }
    let from = if is_x(fm) {
        String::new()
    } else if is_x(fmi) {
        format!(">={}.0.0{z}", fm.unwrap_or(""))
    } else if is_x(fp) {
        format!(">={}.{}.0{z}", fm.unwrap_or(""), fmi.unwrap_or(""))
    } else if fpr.is_some_and(|p| !p.is_empty()) {
        format!(">={from}")
    } else {
        format!(">={from}{z}")
    };
    let to = if is_x(tm) {
        String::new()
    } else if is_x(tmi) {
        format!("<{}.0.0-0", inc(tm))
    } else if is_x(tp) {
        format!("<{}.{}.0-0", tm.unwrap_or(""), inc(tmi))
    } else if let Some(tpr) = tpr.filter(|p| !p.is_empty()) {
        format!("<={}.{}.{}-{tpr}", tm.unwrap_or(""), tmi.unwrap_or(""), tp.unwrap_or(""))
    } else if inc_pr {
        format!("<{}.{}.{}-0", tm.unwrap_or(""), tmi.unwrap_or(""), inc(tp))
    } else {
        format!("<={to}")
    };
    js_trim(&format!("{from} {to}")).to_string()
}

// ---- node-semver's regular expressions (internal/re.js, "safe" variants) ----

/// JavaScript `\s`.
const S: &str = r"[\t\n\x0B\x0C\r \u{A0}\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}]";

static WS: LazyLock<Regex> = LazyLock::new(|| re(&format!("{S}+")));

struct Res {
    build: Regex,
    comparator: Regex,
    comparator_loose: Regex,
    comparator_trim: Regex,
    tilde_trim: Regex,
    caret_trim: Regex,
    tilde: Regex,
    tilde_loose: Regex,
    caret: Regex,
    caret_loose: Regex,
    xrange: Regex,
    xrange_loose: Regex,
    hyphen: Regex,
    hyphen_loose: Regex,
    star: Regex,
    gte0: Regex,
    gte0_pre: Regex,
}

fn re(src: &str) -> Regex {
    // The patterns are constants; a failure here is a bug caught by every test.
    Regex::new(src).unwrap_or_else(|e| panic_free_fallback(src, e))
}

#[allow(clippy::panic)]
fn panic_free_fallback(src: &str, e: regex::Error) -> Regex {
    panic!("internal regex {src} does not compile: {e}")
}

/// node-semver `makeSafeRegex`: bounded repetition of `\s`, `\d` and `[a-zA-Z0-9-]`.
fn safe(src: &str) -> String {
    let mut v = src.to_string();
    // node-semver also bounds `[a-zA-Z0-9-]` repetition at 250, yet upstream strips build
    // metadata longer than that (range-parse fixtures), so only `\s` and `\d` are bounded.
    for (tok, max) in [(r"\s", 1usize), (r"\d", 256)] {
        v = v.split(&format!("{tok}*")).collect::<Vec<_>>().join(&format!("{tok}{{0,{max}}}"));
        v = v.split(&format!("{tok}+")).collect::<Vec<_>>().join(&format!("{tok}{{1,{max}}}"));
    }
    v.replace(r"\s", S).replace(r"\d", "[0-9]")
}

static RE: LazyLock<Res> = LazyLock::new(|| {
    let ldn = "[a-zA-Z0-9-]";
    let num = r"0|[1-9]\d*";
    let num_loose = r"\d+";
    let nonnum = format!(r"\d*[a-zA-Z-]{ldn}*");
    let main = format!(r"({num})\.({num})\.({num})");
    let main_loose = format!(r"({num_loose})\.({num_loose})\.({num_loose})");
    let pre_id = format!("(?:{nonnum}|{num})");
    let pre_id_loose = format!("(?:{nonnum}|{num_loose})");
    let pre = format!(r"(?:-({pre_id}(?:\.{pre_id})*))");
    let pre_loose = format!(r"(?:-?({pre_id_loose}(?:\.{pre_id_loose})*))");
    let build_id = format!("{ldn}+");
    let build = format!(r"(?:\+({build_id}(?:\.{build_id})*))");
    let full_plain = format!("v?{main}{pre}?{build}?");
    let loose_plain = format!(r"[v=\s]*{main_loose}{pre_loose}?{build}?");
    let gtlt = "((?:<|>)?=?)";
    let xid_loose = format!(r"{num_loose}|x|X|\*");
    let xid = format!(r"{num}|x|X|\*");
    let xplain = format!(r"[v=\s]*({xid})(?:\.({xid})(?:\.({xid})(?:{pre})?{build}?)?)?");
    let xplain_loose = format!(r"[v=\s]*({xid_loose})(?:\.({xid_loose})(?:\.({xid_loose})(?:{pre_loose})?{build}?)?)?");
    let lone_tilde = "(?:~>?)";
    let lone_caret = r"(?:\^)";
    let mk = |s: String| re(&safe(&s));
    Res {
        build: mk(build.clone()),
        comparator: mk(format!(r"^{gtlt}\s*({full_plain})$|^$")),
        comparator_loose: mk(format!(r"^{gtlt}\s*({loose_plain})$|^$")),
        comparator_trim: mk(format!(r"(\s*){gtlt}\s*({loose_plain}|{xplain})")),
        tilde_trim: mk(format!(r"(\s*){lone_tilde}\s+")),
        caret_trim: mk(format!(r"(\s*){lone_caret}\s+")),
        tilde: mk(format!("^{lone_tilde}{xplain}$")),
        tilde_loose: mk(format!("^{lone_tilde}{xplain_loose}$")),
        caret: mk(format!("^{lone_caret}{xplain}$")),
        caret_loose: mk(format!("^{lone_caret}{xplain_loose}$")),
        xrange: mk(format!(r"^{gtlt}\s*{xplain}$")),
        xrange_loose: mk(format!(r"^{gtlt}\s*{xplain_loose}$")),
        hyphen: mk(format!(r"^\s*({xplain})\s+-\s+({xplain})\s*$")),
        hyphen_loose: mk(format!(r"^\s*({xplain_loose})\s+-\s+({xplain_loose})\s*$")),
        star: mk(r"(<|>)?=?\s*\*".to_string()),
        gte0: mk(r"^\s*>=\s*0\.0\.0\s*$".to_string()),
        gte0_pre: mk(r"^\s*>=\s*0\.0\.0-0\s*$".to_string()),
    }
});
