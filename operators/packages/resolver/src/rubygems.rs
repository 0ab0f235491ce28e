//! RubyGems resolution, modelled on Bundler's choice.
//!
//! * A gem is one `Pkg::Base { name, copy: None }`: Bundler allows one version per gem.
//! * Versions are tried highest first (Bundler's rule), the Gemfile's gems decided before
//!   the gems they pull in (Bundler 2.3's order; see [`RubygemsAdapter::weigh_conflicts`]). A prerelease is a candidate only for a
//!   requirement that names a prerelease (`Gem::Dependency#match?`'s gate, the prerelease lane
//!   of [`tusk_rubygems::Requirement::to_lanes`]).
//! * Platforms: the compact index lists one line per version and platform. With a target
//!   platform (`x86_64-linux`) the variant built for it is taken where there is one, else the
//!   pure-Ruby `ruby` one; without a target only `ruby` variants are used. A version with no
//!   usable variant is not a candidate. This is Bundler's single-platform lock, not its
//!   multi-platform `PLATFORMS` list.
//! * `ruby:` requirements are checked against a target Ruby version when one is given (a
//!   version that needs another Ruby is unavailable, with the requirement as the reason);
//!   without one they are ignored, as Bundler 2.3 did for the fixture locks. `rubygems:`
//!   requirements are ignored.
//! * Dependencies are the runtime dependencies the info line lists (the index holds no
//!   development dependencies). A dependency on `bundler` (rails has one) is left to the
//!   Bundler that installs the bundle, as Bundler does: it is not resolved and not locked.

use crate::adapter::{Adapter, require};
use crate::provider::{self, DocCache};
use crate::{Ecosystem, Edge, Pkg, Resolution, ResolveError, ResolvedPackage, RootReq, SolveStats};
use pubgrub::Dependencies;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tusk_index::IndexError;
use tusk_index::rubygems::{GemRelease, RubyGemsClient};
use tusk_rubygems::{GemVersion, Requirement, Segment};
use tusk_versions::Lanes;

/// Options of a RubyGems resolution.
#[derive(Debug, Clone, Default)]
pub struct RubygemsOptions {
    /// Bundler's platform (`x86_64-linux`, `arm64-darwin`, `java`); `None`: `ruby` gems only.
    pub platform: Option<String>,
    /// The Ruby version `ruby:` requirements are checked against; `None`: not checked.
    pub ruby: Option<GemVersion>,
}

impl RubygemsOptions {
    /// From `--gem-platform` and `--ruby`; `Err` when the Ruby version does not parse.
    pub fn new(platform: Option<&str>, ruby: Option<&str>) -> Result<RubygemsOptions, String> {
        let ruby = ruby.map(|r| GemVersion::parse(r).map_err(|e| format!("`{r}` is not a Ruby version: {e}"))).transpose()?;
        Ok(RubygemsOptions { platform: platform.map(str::to_string), ruby })
    }
}

/// One version of a gem, with the platform variant chosen for the target.
#[derive(Debug)]
pub struct GemCandidate {
    pub version: GemVersion,
    pub release: GemRelease,
}

/// The usable versions of a gem, highest first.
#[derive(Debug)]
pub struct GemDoc {
    pub name: String,
    pub versions: Vec<GemCandidate>,
}

impl GemDoc {
    pub fn get(&self, v: &GemVersion) -> Option<&GemCandidate> {
        self.versions.iter().find(|c| &c.version == v)
    }
}

/// `cpu-os[-version]` as `Gem::Platform` splits it (`x86_64-linux-gnu`, `arm64-darwin-22`,
/// `java`, `x64-mingw-ucrt`).
fn split_gem_platform(p: &str) -> (Option<&str>, &str, Option<&str>) {
    let parts: Vec<&str> = p.splitn(3, '-').collect();
    match parts.as_slice() {
        [os] => (None, os, None),
        [cpu, os] => (Some(cpu), os, None),
        [cpu, os, ver] => (Some(cpu), os, Some(ver)),
        _ => (None, p, None),
    }
}

/// Whether a gem built for `gem` runs on `target` (`Gem::Platform#===`, with RubyGems 3.4's
/// linux rule: no libc version means glibc, so `x86_64-linux` takes `-gnu` gems, not `-musl`).
pub fn platform_matches(gem: &str, target: &str) -> bool {
    if gem == target {
        return true;
    }
    let (gcpu, gos, gver) = split_gem_platform(gem);
    let (tcpu, tos, tver) = split_gem_platform(target);
    let cpu_ok = gcpu == tcpu || gcpu == Some("universal") || tcpu == Some("universal") || (gcpu == Some("arm64") && tcpu == Some("aarch64")) || (gcpu == Some("aarch64") && tcpu == Some("arm64"));
    if !cpu_ok || gos != tos {
        return false;
    }
    if gos == "linux" {
        return gver.unwrap_or("gnu") == tver.unwrap_or("gnu");
    }
    gver.is_none() || tver.is_none() || gver == tver
}

impl GemDoc {
    /// One candidate per version: the variant for `platform` (an exact name first), else `ruby`.
    pub fn from_info(name: &str, releases: Vec<GemRelease>, platform: Option<&str>) -> GemDoc {
        let mut by_version: BTreeMap<GemVersion, Vec<GemRelease>> = BTreeMap::new();
        for r in releases {
            if let Ok(v) = GemVersion::parse(&r.version) {
                by_version.entry(v).or_default().push(r);
            }
        }
        let mut versions = Vec::new();
        for (version, variants) in by_version.into_iter().rev() {
            let rank = |r: &GemRelease| -> Option<u8> {
                match platform {
                    Some(t) if r.platform == t => Some(0),
                    Some(t) if r.platform != "ruby" && platform_matches(&r.platform, t) => Some(1),
                    _ if r.platform == "ruby" => Some(2),
                    _ => None,
                }
            };
            if let Some(best) = variants.into_iter().filter_map(|r| rank(&r).map(|k| (k, r))).min_by_key(|(k, _)| *k) {
                versions.push(GemCandidate { version, release: best.1 });
            }
        }
        GemDoc { name: name.to_string(), versions }
    }
}

/// The gem Bundler provides itself (`Bundler::Resolver` skips it the same way).
const BUNDLER: &str = "bundler";

type Deps = crate::adapter::Deps<GemVersion>;
type Docs = Arc<DocCache<RubygemsAdapter>>;

/// RubyGems' part of the shared provider ([`crate::provider`]).
pub struct RubygemsAdapter {
    client: RubyGemsClient,
    opts: RubygemsOptions,
    /// The gems the Gemfile names: decided before their dependencies, as Bundler does.
    direct: std::collections::BTreeSet<String>,
}

fn parse_req(req: &str, location: impl FnOnce() -> String) -> Result<Requirement, ResolveError> {
    let req = if req.trim().is_empty() || req.trim() == "*" { ">= 0" } else { req };
    Requirement::parse(req).map_err(|e| ResolveError::Input { location: location(), message: format!("invalid gem requirement `{req}`: {e}") })
}

impl RubygemsAdapter {
    /// Why `c` cannot be used with the target Ruby, if it cannot.
    fn ruby_mismatch(&self, c: &GemCandidate) -> Option<String> {
        let ruby = self.opts.ruby.as_ref()?;
        let need = c.release.ruby.as_deref()?;
        let req = Requirement::parse(need).ok()?;
        (!req.satisfied_by(ruby)).then(|| format!("it requires Ruby {need}, the target is Ruby {ruby}"))
    }
}

impl Adapter for RubygemsAdapter {
    type V = GemVersion;
    type Doc = GemDoc;
    type Round = ();

    const ECOSYSTEM: Ecosystem = Ecosystem::Rubygems;

    fn root_version(&self) -> Result<GemVersion, ResolveError> {
        GemVersion::parse("0").map_err(|e| ResolveError::Internal(e.to_string()))
    }

    async fn fetch(&self, name: &str) -> Result<GemDoc, IndexError> {
        let info = self.client.info(name).await?;
        Ok(GemDoc::from_info(name, info.versions, self.opts.platform.as_deref()))
    }

    /// The dependencies of the newest release.
    fn prefetch_likely(&self, docs: &Docs, doc: &GemDoc) {
        if let Some(newest) = doc.versions.iter().find(|c| !c.version.is_prerelease()) {
            for d in &newest.release.dependencies {
                docs.prefetch(&d.name);
            }
        }
    }

    /// Gemfile gems first (Bundler 2.3 sorts root requirements before the rest: with the
    /// fewest-versions order alone, casa's `rubocop` is fixed at its newest before `standard`,
    /// which then falls back to a years-old release instead of Bundler's `standard 1.54.0`).
    fn weigh_conflicts(&self, pkg: &Pkg, conflicts: u32) -> u32 {
        if self.direct.contains(pkg.name()) { conflicts.saturating_add(1 << 20) } else { conflicts }
    }

    fn candidates<'d>(&self, doc: &'d GemDoc, _pkg: &Pkg) -> impl Iterator<Item = &'d GemVersion> {
        doc.versions.iter().map(|c| &c.version)
    }

    fn root_deps(&self, _docs: &Docs, _round: &(), roots: &[RootReq]) -> Result<Deps, ResolveError> {
        let mut out = Deps::new();
        let platform = self.opts.platform.as_deref();
        for r in roots.iter().filter(|r| r.package_name() != BUNDLER && r.condition.as_deref().is_none_or(|c| bundler_platforms_match(c, platform))) {
            let req = parse_req(&r.req, || r.origin.clone())?;
            require(&mut out, Pkg::base(r.package_name(), None), &req.to_lanes());
        }
        Ok(out)
    }

    fn dependencies(&self, docs: &Docs, _round: &(), package: &Pkg, version: &GemVersion) -> Result<Dependencies<Pkg, Lanes<GemVersion>, String>, ResolveError> {
        let name = package.name();
        let doc = docs.doc(name)?;
        let Some(c) = doc.get(version) else {
            return Ok(Dependencies::Unavailable(format!("{name} {version} is not in the index")));
        };
        if let Some(why) = self.ruby_mismatch(c) {
            return Ok(Dependencies::Unavailable(why));
        }
        for d in &c.release.dependencies {
            docs.prefetch(&d.name);
        }
        let mut out = Deps::new();
        for d in c.release.dependencies.iter().filter(|d| d.name != BUNDLER) {
            let req = parse_req(&d.requirement(), || format!("{name} {version}'s dependency on `{}`", d.name))?;
            require(&mut out, Pkg::base(&d.name, None), &req.to_lanes());
        }
        Ok(Dependencies::Available(out.into_iter().collect()))
    }

    fn render(set: &Lanes<GemVersion>) -> String {
        gem_set(set)
    }
}

/// Whether `v` is the internal point under every prerelease of a release (a `~>` upper end).
fn is_lowest_point(v: &GemVersion) -> bool {
    v.canonical_segments().last() == Some(&Segment::Lowest)
}

/// The release an internal `~>` upper end stands for (`2.a`-point → `2`).
fn point_release(v: &GemVersion) -> String {
    v.as_str().strip_suffix(".a").unwrap_or(v.as_str()).to_string()
}

/// A Gemfile-style rendering of a version set: `= 7.0.0`, `~> 7.1.0`, `>= 7.1`, `>= 1, < 3`.
pub fn gem_set(set: &Lanes<GemVersion>) -> String {
    use std::ops::Bound::*;
    let r = if set.release.is_empty() { &set.pre } else { &set.release };
    let bound = |b: &GemVersion| if is_lowest_point(b) { point_release(b) } else { b.to_string() };
    let segs: Vec<String> = r
        .iter()
        .map(|(lo, hi)| match (lo, hi) {
            (Unbounded, Unbounded) => ">= 0".to_string(),
            (Included(a), Included(b)) if a == b => format!("= {a}"),
            (Included(a), Excluded(b)) if is_lowest_point(b) && GemVersion::lowest_prerelease_of(&a.bump()) == *b => format!("~> {a}"),
            (Included(a), Unbounded) => format!(">= {a}"),
            (Excluded(a), Unbounded) => format!("> {a}"),
            (Unbounded, Excluded(b)) => format!("< {}", bound(b)),
            (Unbounded, Included(b)) => format!("<= {b}"),
            (Included(a), Excluded(b)) => format!(">= {a}, < {}", bound(b)),
            (Included(a), Included(b)) => format!(">= {a}, <= {b}"),
            (Excluded(a), Excluded(b)) => format!("> {a}, < {}", bound(b)),
            (Excluded(a), Included(b)) => format!("> {a}, <= {b}"),
        })
        .collect();
    // A long run of exact pins (what PubGrub collects over the versions of a dependent that each
    // pin their own version, `= 7.0.0 or = 7.0.1 or …`) is shortened to its ends and count.
    let pins: Vec<&str> = segs.iter().filter_map(|s| s.strip_prefix("= ")).collect();
    if pins.len() == segs.len() && pins.len() > 4 {
        return format!("one of {}, {} … {} ({} versions)", pins[0], pins[1], pins[pins.len() - 1], pins.len());
    }
    if segs.is_empty() { "no version".to_string() } else { segs.join(" or ") }
}

/// Resolves `roots` against a compact index.
pub async fn resolve(client: RubyGemsClient, roots: Vec<RootReq>, opts: RubygemsOptions, cancel: CancellationToken) -> Result<Resolution, ResolveError> {
    let started = std::time::Instant::now();
    let direct = roots.iter().map(|r| r.package_name().to_string()).collect();
    let docs = DocCache::new(RubygemsAdapter { client, opts, direct });
    let (_, solution) = provider::solve(&docs, (), &roots, cancel).await?;
    let mut res = extract(&docs, &roots, &solution)?;
    res.stats = SolveStats { documents: docs.len() as u64, millis: started.elapsed().as_millis() as u64 };
    Ok(res)
}

/// Real packages with their edges. A platform gem's version is `VERSION-PLATFORM`, as
/// Bundler's lock writes it.
fn extract(docs: &Docs, roots: &[RootReq], solution: &pubgrub::SelectedDependencies<Pkg, GemVersion>) -> Result<Resolution, ResolveError> {
    let chosen: BTreeMap<&str, &GemVersion> = solution.iter().filter(|(p, _)| matches!(p, Pkg::Base { .. })).map(|(p, v)| (p.name(), v)).collect();
    let registry = docs.adapter.client.registry_url().to_string();
    // An edge names the locked version as the package does (`1.19.4-x86_64-linux-gnu`).
    let mut locked: BTreeMap<&str, String> = BTreeMap::new();
    for (name, version) in &chosen {
        let doc = docs.doc(name)?;
        let c = doc.get(version).ok_or_else(|| ResolveError::Internal(format!("{name} {version} vanished from the index")))?;
        locked.insert(name, c.release.full_version());
    }
    let edge = |name: &str, req: String| -> Result<Edge, ResolveError> {
        let v = locked.get(name).ok_or_else(|| ResolveError::Internal(format!("{name} is required but was not chosen")))?;
        Ok(Edge { name: name.to_string(), req, version: v.clone(), kind: String::new(), features: Vec::new() })
    };
    let mut packages = Vec::new();
    for (name, version) in &chosen {
        let doc = docs.doc(name)?;
        let c = doc.get(version).ok_or_else(|| ResolveError::Internal(format!("{name} {version} vanished from the index")))?;
        let mut dependencies = c.release.dependencies.iter().filter(|d| d.name != BUNDLER).map(|d| edge(&d.name, d.requirement())).collect::<Result<Vec<_>, _>>()?;
        dependencies.sort();
        packages.push(ResolvedPackage {
            ecosystem: Ecosystem::Rubygems,
            name: name.to_string(),
            version: c.release.full_version(),
            registry: registry.clone(),
            integrity: c.release.checksum.as_ref().map(|h| format!("sha256:{h}")),
            features: Vec::new(),
            path: None,
            dependencies,
            note: None,
        });
    }
    packages.sort();
    let mut root_edges = roots.iter().filter(|r| r.package_name() != BUNDLER && r.condition.as_deref().is_none_or(|c| bundler_platforms_match(c, docs.adapter.opts.platform.as_deref()))).map(|r| edge(r.package_name(), r.req.clone())).collect::<Result<Vec<_>, _>>()?;
    root_edges.sort();
    Ok(Resolution { ecosystem: Ecosystem::Rubygems, roots: roots.to_vec(), root_edges, packages, stats: SolveStats::default() })
}

/// What a Gemfile says, as far as resolution needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gemfile {
    pub requirements: Vec<RootReq>,
    /// `source "…"` lines (the session's registry is used; these are reported, not followed).
    pub sources: Vec<String>,
    /// The `ruby "…"` line's requirement.
    pub ruby: Option<String>,
}

/// The string literals at the start of `args` (`"a", 'b', key: v` → `["a", "b"]`), stopping at
/// the first argument that is not a literal (an option hash, a `#` comment). `None`: an
/// unterminated literal.
fn string_args(args: &str) -> Option<(Vec<String>, &str)> {
    let mut out = Vec::new();
    let mut rest = args.trim_start();
    loop {
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { return Some((out, rest)) };
        let end = rest[1..].find(q)? + 1;
        out.push(rest[1..end].to_string());
        rest = rest[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None => return Some((out, rest)),
        }
    }
}

/// The Bundler platform names of a `platforms:` option or `platforms … do` line
/// (`%i[mri mingw]`, `[:jruby]`, `:mri, :mingw`), comma-joined.
fn platform_list(text: &str) -> String {
    let text = text.split('#').next().unwrap_or("").replace("%i[", " ").replace("%w[", " ").replace(" do", " ");
    let names: Vec<&str> = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    names.join(",")
}

/// Whether a gem limited to Bundler `platforms` (`mri,mingw`, a [`RootReq::condition`]) is
/// part of a bundle for `target` (`None`: a plain MRI Ruby on a Unix).
pub fn bundler_platforms_match(list: &str, target: Option<&str>) -> bool {
    let t = target.unwrap_or("ruby");
    let windows = t.contains("mingw") || t.contains("mswin");
    let java = t == "java" || t.contains("jruby");
    list.split(',').any(|p| {
        let base = p.split('_').next().unwrap_or(p);
        match base {
            "ruby" | "mri" => !java && !windows,
            "mingw" | "mswin" | "x64" | "windows" | "mswin64" => windows,
            "jruby" => java,
            _ => false,
        }
    })
}

/// Reads a Gemfile: `source`, `gem "name", "req", …` (`platforms:` kept as the requirement's
/// condition; other options such as `require:` ignored; `path:`, `git:`, `github:` refused),
/// `ruby`, `group … do … end` blocks, whose gems all count (Bundler locks every group), and
/// `platforms … do … end` blocks, whose gems get the block's platforms. Anything else is an
/// error naming its line.
pub fn read_gemfile(text: &str, file: &str) -> Result<Gemfile, ResolveError> {
    let mut g = Gemfile::default();
    let err = |n: usize, m: String| ResolveError::Input { location: format!("{file}:{n}"), message: m };
    // The platforms of each open block (`None` for a group).
    let mut blocks: Vec<Option<String>> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "end" || line.starts_with("end ") {
            blocks.pop().ok_or_else(|| err(n, "`end` without an open `group` or `platforms` block".into()))?;
            continue;
        }
        let (word, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match word {
            "gem" => {
                let (strings, rest) = string_args(args).ok_or_else(|| err(n, "unterminated string".into()))?;
                let Some((name, reqs)) = strings.split_first() else {
                    return Err(err(n, "`gem` needs a quoted gem name".into()));
                };
                for opt in ["path:", "git:", "github:", "source:", ":path", ":git"] {
                    if rest.split('#').next().unwrap_or("").contains(opt) {
                        return Err(err(n, format!("gem `{name}`: `{}` sources are not supported; only the registry is", opt.trim_matches(':'))));
                    }
                }
                // The name becomes a path of the index (`info/<name>`): RubyGems' own name rule.
                if name.is_empty() || name.starts_with(['.', '-']) || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    return Err(err(n, format!("`{}` is not a valid gem name", name.escape_debug())));
                }
                let req = if reqs.is_empty() { ">= 0".to_string() } else { reqs.join(", ") };
                Requirement::parse(&req).map_err(|e| err(n, format!("gem `{name}`: {e}")))?;
                let mut r = RootReq::new(name.as_str(), req);
                r.origin = format!("{file}:{n}");
                let opts = rest.split('#').next().unwrap_or("");
                r.condition = match opts.split_once("platforms:").or_else(|| opts.split_once("platform:")) {
                    Some((_, list)) => Some(platform_list(list.split_once(": ").map_or(list, |(l, _)| l))),
                    None => blocks.iter().rev().flatten().next().cloned(),
                };
                g.requirements.push(r);
            }
            "source" => {
                let (s, _) = string_args(args).ok_or_else(|| err(n, "unterminated string".into()))?;
                g.sources.extend(s);
            }
            "ruby" => {
                let (s, _) = string_args(args).ok_or_else(|| err(n, "unterminated string".into()))?;
                g.ruby = Some(s.join(", "));
            }
            "group" if line.split('#').next().unwrap_or("").trim_end().ends_with(" do") => blocks.push(None),
            "platforms" | "platform" if line.split('#').next().unwrap_or("").trim_end().ends_with(" do") => blocks.push(Some(platform_list(args))),
            "git_source" | "gemspec" | "path" | "git" | "github" => return Err(err(n, format!("`{word}` is not supported by tusk's Gemfile reader (registry gems only)"))),
            _ => return Err(err(n, format!("`{}` is not a Gemfile statement tusk reads (gem, source, ruby, group … do, platforms … do)", word.escape_debug()))),
        }
    }
    Ok(g)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        assert!(platform_matches("x86_64-linux-gnu", "x86_64-linux"));
        assert!(platform_matches("x86_64-linux", "x86_64-linux"));
        assert!(!platform_matches("x86_64-linux-musl", "x86_64-linux"));
        assert!(!platform_matches("aarch64-linux", "x86_64-linux"));
        assert!(!platform_matches("java", "x86_64-linux"));
        assert!(platform_matches("arm64-darwin", "arm64-darwin-23"));
    }

    #[test]
    fn renders_gem_requirements() {
        let s = |r: &str| gem_set(&Requirement::parse(r).unwrap().to_lanes());
        assert_eq!(s("~> 7.1.0"), "~> 7.1.0");
        assert_eq!(s("= 7.0.0"), "= 7.0.0");
        assert_eq!(s(">= 7.1"), ">= 7.1");
        assert_eq!(s("~> 2.5, >= 2.5.4"), ">= 2.5.4, < 3");
    }

    #[test]
    fn gemfile_lines() {
        let g = read_gemfile("# c\nsource \"https://x\"\nruby '3.2.2'\ngem \"rails\", \"~> 7.1.0\" # hi\ngroup :test do\n  gem 'a', '>= 1', '< 3', require: false\nend\ngem \"b\"\n", "Gemfile").unwrap();
        let reqs: Vec<(&str, &str, &str)> = g.requirements.iter().map(|r| (r.name.as_str(), r.req.as_str(), r.origin.as_str())).collect();
        assert_eq!(reqs, [("rails", "~> 7.1.0", "Gemfile:4"), ("a", ">= 1, < 3", "Gemfile:6"), ("b", ">= 0", "Gemfile:8")]);
        assert_eq!((g.sources, g.ruby.as_deref()), (vec!["https://x".to_string()], Some("3.2.2")));
        let e = read_gemfile("gem 'x', path: '../x'\n", "Gemfile").unwrap_err().to_string();
        assert_eq!(e, "Gemfile:1: gem `x`: `path` sources are not supported; only the registry is");
        let e = read_gemfile("\nif ENV['X']\n", "Gemfile").unwrap_err().to_string();
        assert_eq!(e, "Gemfile:2: `if` is not a Gemfile statement tusk reads (gem, source, ruby, group … do, platforms … do)");
        assert!(read_gemfile("gem 'x', '~> one'\n", "G").unwrap_err().to_string().starts_with("G:1: gem `x`:"));
        let g = read_gemfile("gem 'tz', platforms: %i[mingw jruby] # w\nplatforms :mri do\n  gem 'b', require: false\nend\n", "G").unwrap();
        let conds: Vec<Option<&str>> = g.requirements.iter().map(|r| r.condition.as_deref()).collect();
        assert_eq!(conds, [Some("mingw,jruby"), Some("mri")]);
        assert!(!bundler_platforms_match("mingw,jruby", Some("x86_64-linux")) && bundler_platforms_match("mri,mingw", Some("x86_64-linux")));
        assert!(bundler_platforms_match("mingw", Some("x64-mingw-ucrt")) && !bundler_platforms_match("mri", Some("java")));
        assert_eq!(read_gemfile("end\n", "G").unwrap_err().to_string(), "G:1: `end` without an open `group` or `platforms` block");
        assert_eq!(read_gemfile("gem '../../x'\n", "G").unwrap_err().to_string(), "G:1: `../../x` is not a valid gem name");
        assert_eq!(read_gemfile("gem 'a\0b'\n", "G").unwrap_err().to_string(), "G:1: `a\\0b` is not a valid gem name");
    }
}
