//! The RubyGems compact index (<https://guides.rubygems.org/rubygems-org-compact-index-api/>),
//! as Bundler reads it: `versions` (every gem with its versions and the MD5 of its info file)
//! and `info/<gem>` (one line per version: runtime dependencies, checksum, required Ruby and
//! RubyGems versions).
//!
//! Every info body is checked against the MD5 that `versions` lists for it; a mismatch is an
//! error naming the URL (a cached info file older than a fresh `versions`: `--refresh` fetches
//! both again). Requirements and versions are validated with `tusk-rubygems` but kept as the
//! registry wrote them, for the resolver's provider.

use crate::{HttpCache, IndexError, RegistryEndpoint};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The cache directory of these documents.
const ECO: &str = "rubygems";

/// The `versions` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionsFile {
    /// The `created_at:` line's value.
    pub created_at: Option<String>,
    pub gems: BTreeMap<String, GemVersions>,
}

/// One gem in `versions`, after applying every line for it (the file is append-only: a later
/// line adds versions, removes yanked `-V` ones and carries the current MD5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GemVersions {
    /// `VERSION[-PLATFORM]`, in file order, without the yanked ones.
    pub versions: Vec<String>,
    /// Versions a later line yanked.
    pub yanked: Vec<String>,
    /// Hex MD5 of the whole current body of `info/<gem>`.
    pub info_md5: String,
}

/// `info/<gem>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemInfo {
    pub name: String,
    pub versions: Vec<GemRelease>,
}

/// One line of an info file: a version on one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemRelease {
    /// The version without the platform (`1.18.9`).
    pub version: String,
    /// `ruby` for a pure-Ruby gem, else the suffix (`x86_64-linux-gnu`, `java`, `x64-mingw32`).
    pub platform: String,
    /// Runtime dependencies.
    pub dependencies: Vec<GemDependency>,
    /// SHA-256 of the `.gem` (hex), when the index serves it.
    pub checksum: Option<String>,
    /// `required_ruby_version`, comma-joined (`>= 2.7, < 4`), when the index serves it.
    pub ruby: Option<String>,
    /// `required_rubygems_version`, comma-joined, when the index serves it.
    pub rubygems: Option<String>,
}

impl GemRelease {
    /// `VERSION` or `VERSION-PLATFORM`, as `versions` lists it.
    pub fn full_version(&self) -> String {
        if self.platform == "ruby" { self.version.clone() } else { format!("{}-{}", self.version, self.platform) }
    }
}

/// A runtime dependency: all requirements must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemDependency {
    pub name: String,
    /// Each `&`-separated requirement (`~> 1.0`, `>= 1.0.2`).
    pub requirements: Vec<String>,
}

impl GemDependency {
    /// The Gemfile spelling (`~> 1.0, >= 1.0.2`), what `tusk_rubygems::Requirement::parse` reads.
    pub fn requirement(&self) -> String {
        self.requirements.join(", ")
    }
}

fn parse_err(url: &str, line: usize, message: impl std::fmt::Display) -> IndexError {
    IndexError::Parse { url: url.to_string(), message: format!("line {line}: {message}") }
}

/// Hex MD5 of `bytes`.
pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(bytes))
}

/// Parses `versions`: `created_at: …`, `---`, then `NAME V1,V2,-V3 MD5` lines.
pub fn parse_versions(url: &str, text: &str) -> Result<VersionsFile, IndexError> {
    let mut out = VersionsFile::default();
    let mut in_body = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if !in_body {
            if line == "---" {
                in_body = true;
            } else if let Some(v) = line.strip_prefix("created_at:") {
                out.created_at = Some(v.trim().to_string());
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(name), Some(list), Some(md5), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(parse_err(url, n, format!("expected `NAME VERSIONS MD5`, got `{line}`")));
        };
        if md5.len() != 32 || !md5.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(parse_err(url, n, format!("`{md5}` is not an MD5 digest")));
        }
        let gem = out.gems.entry(name.to_string()).or_default();
        for v in list.split(',').filter(|v| !v.is_empty()) {
            if let Some(y) = v.strip_prefix('-') {
                gem.versions.retain(|x| x != y);
                gem.yanked.push(y.to_string());
            } else {
                check_version(url, n, v)?;
                gem.versions.push(v.to_string());
            }
        }
        gem.info_md5 = md5.to_ascii_lowercase();
    }
    if !in_body {
        return Err(IndexError::Parse { url: url.to_string(), message: "no `---` line: not a compact index `versions` file".into() });
    }
    Ok(out)
}

/// `1.18.9-x86_64-linux-gnu` → (`1.18.9`, `x86_64-linux-gnu`); Bundler splits at the first `-`.
pub fn split_platform(full: &str) -> (&str, &str) {
    full.split_once('-').unwrap_or((full, "ruby"))
}

fn check_version(url: &str, line: usize, full: &str) -> Result<(), IndexError> {
    let (v, _) = split_platform(full);
    tusk_rubygems::GemVersion::parse(v).map(|_| ()).map_err(|e| parse_err(url, line, format!("version `{full}`: {e}")))
}

fn check_requirement(url: &str, line: usize, what: &str, reqs: &[String]) -> Result<(), IndexError> {
    tusk_rubygems::Requirement::parse(&reqs.join(", ")).map(|_| ()).map_err(|e| parse_err(url, line, format!("{what}: {e}")))
}

/// Parses `info/<gem>`. The three line forms are accepted: `V deps|checksum:…,ruby:…,rubygems:…`,
/// `V deps|checksum:…`, and `V deps` without the `|` part.
pub fn parse_info(url: &str, name: &str, text: &str) -> Result<GemInfo, IndexError> {
    let mut versions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line == "---" || line.trim().is_empty() {
            continue;
        }
        let (full, rest) = line.split_once(' ').unwrap_or((line, ""));
        check_version(url, n, full)?;
        let (version, platform) = split_platform(full);
        let (deps, meta) = rest.split_once('|').unwrap_or((rest, ""));
        let mut dependencies = Vec::new();
        for dep in deps.split(',').filter(|d| !d.trim().is_empty()) {
            let Some((dname, reqs)) = dep.split_once(':') else {
                return Err(parse_err(url, n, format!("dependency `{dep}` has no `:REQUIREMENT`")));
            };
            let requirements: Vec<String> = reqs.split('&').map(|r| r.trim().to_string()).collect();
            check_requirement(url, n, &format!("dependency `{dname}`"), &requirements)?;
            dependencies.push(GemDependency { name: dname.to_string(), requirements });
        }
        let mut release = GemRelease { version: version.to_string(), platform: platform.to_string(), dependencies, checksum: None, ruby: None, rubygems: None };
        for field in meta.split(',').filter(|f| !f.trim().is_empty()) {
            let Some((key, value)) = field.split_once(':') else {
                return Err(parse_err(url, n, format!("`{field}` is not `key:value`")));
            };
            let reqs: Vec<String> = value.split('&').map(|r| r.trim().to_string()).collect();
            match key {
                "checksum" => release.checksum = Some(value.to_string()),
                "ruby" => {
                    check_requirement(url, n, "ruby requirement", &reqs)?;
                    release.ruby = Some(reqs.join(", "));
                }
                "rubygems" => {
                    check_requirement(url, n, "rubygems requirement", &reqs)?;
                    release.rubygems = Some(reqs.join(", "));
                }
                // Later index versions may add keys; Bundler ignores the ones it does not know.
                _ => {}
            }
        }
        versions.push(release);
    }
    Ok(GemInfo { name: name.to_string(), versions })
}

/// A compact-index client (rubygems.org, a mirror or a private gem server).
#[derive(Debug, Clone)]
pub struct RubyGemsClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
    versions: Arc<OnceCell<Arc<VersionsFile>>>,
}

impl RubyGemsClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        RubyGemsClient { http, endpoint, versions: Arc::default() }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    pub fn info_url(&self, name: &str) -> String {
        format!("{}/info/{name}", self.endpoint.url)
    }

    /// `versions`, fetched once per client.
    pub async fn versions(&self) -> Result<Arc<VersionsFile>, IndexError> {
        self.versions
            .get_or_try_init(|| async {
                let url = format!("{}/versions", self.endpoint.url);
                let f = self.http.get(ECO, &url, "text/plain, */*", self.endpoint.token.as_ref()).await?;
                if f.is_not_found() {
                    return Err(IndexError::Parse { url, message: "no `versions` file: not a compact index".into() });
                }
                let text = std::str::from_utf8(&f.body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
                Ok(Arc::new(parse_versions(&url, text)?))
            })
            .await
            .cloned()
    }

    /// `info/<name>`, checked against the MD5 in `versions`. A gem `versions` does not list is
    /// [`IndexError::NotFound`] without a request for its info file.
    pub async fn info(&self, name: &str) -> Result<GemInfo, IndexError> {
        let versions = self.versions().await?;
        let not_found = || IndexError::NotFound { ecosystem: "rubygems", name: name.to_string(), registry: self.endpoint.url.clone() };
        let Some(listed) = versions.gems.get(name) else { return Err(not_found()) };
        let url = self.info_url(name);
        let f = self.http.get(ECO, &url, "text/plain, */*", self.endpoint.token.as_ref()).await?;
        if f.is_not_found() {
            return Err(not_found());
        }
        let actual = md5_hex(&f.body);
        if actual != listed.info_md5 {
            let message = format!(
                "the body's MD5 is {actual} but `versions` lists {} for it ({}; run with --refresh to fetch both again)",
                listed.info_md5,
                if f.from_cache { "the cached copy is older than `versions`" } else { "the registry served an inconsistent index" }
            );
            return Err(IndexError::Parse { url, message });
        }
        let text = std::str::from_utf8(&f.body).map_err(|e| IndexError::Parse { url: url.clone(), message: e.to_string() })?;
        parse_info(&url, name, text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn versions_lines_append_and_yank() {
        let text = "created_at: 2024-01-01T00:00:00Z\n---\na 1.0.0,1.1.0 0123456789abcdef0123456789abcdef\nb 2.0-java 00000000000000000000000000000000\na 1.2.0,-1.1.0 ffffffffffffffffffffffffffffffff\n";
        let v = parse_versions("u", text).unwrap();
        assert_eq!(v.created_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(v.gems["a"].versions, ["1.0.0", "1.2.0"]);
        assert_eq!(v.gems["a"].yanked, ["1.1.0"]);
        assert_eq!(v.gems["a"].info_md5, "ffffffffffffffffffffffffffffffff");
        assert_eq!(v.gems["b"].versions, ["2.0-java"]);
        let e = parse_versions("u", "---\na 1.0 nothex\n").unwrap_err().to_string();
        assert!(e.contains("u: ") && e.contains("line 2"), "{e}");
        assert!(parse_versions("u", "a 1.0 x\n").is_err());
    }

    #[test]
    fn info_line_forms() {
        let text = "---\n1.0 a:~> 1.0&>= 1.0.2,b:>= 0|checksum:ab12,ruby:>= 2.7&< 4,rubygems:>= 1.3.5\n1.1 |checksum:cd34\n1.2-x86_64-linux-gnu c:= 1\n1.3 \n";
        let info = parse_info("u", "g", text).unwrap();
        let r = &info.versions;
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].dependencies[0].requirement(), "~> 1.0, >= 1.0.2");
        assert_eq!(r[0].ruby.as_deref(), Some(">= 2.7, < 4"));
        assert_eq!(r[0].rubygems.as_deref(), Some(">= 1.3.5"));
        assert!(r[1].dependencies.is_empty());
        assert_eq!(r[1].checksum.as_deref(), Some("cd34"));
        assert_eq!((r[2].version.as_str(), r[2].platform.as_str(), r[2].checksum.as_ref()), ("1.2", "x86_64-linux-gnu", None));
        assert_eq!(r[2].full_version(), "1.2-x86_64-linux-gnu");
        assert_eq!((r[3].platform.as_str(), r[3].dependencies.len()), ("ruby", 0));
        let e = parse_info("u", "g", "---\n1.0 a:~> one\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("`a`"), "{e}");
        assert!(parse_info("u", "g", "---\n1.0 a\n").is_err());
    }
}
