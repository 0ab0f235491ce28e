//! A Maven 2 repository (`https://repo.maven.apache.org/maven2` or a private one): the
//! version list of an artifact (`G/A/maven-metadata.xml`, [`metadata`]), its POM
//! (`G/A/V/A-V.pom`, [`pom`]) and the effective model built from the POM, its parents and
//! imported BOMs ([`effective`]).
//!
//! Every file is checked against the `.sha1` the repository serves next to it; a mismatch is
//! an error naming the URL. A repository that serves no `.sha1` for a file (404) is accepted,
//! as Maven's default `warn` checksum policy does; the file's own SHA-1 is still what the lock
//! records. Both documents go through the shared [`HttpCache`] (cache directory `maven`).

pub mod effective;
pub mod metadata;
pub mod pom;

use crate::{HttpCache, IndexError, RegistryEndpoint};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

pub use effective::Effective;

/// groupId:artifactId:version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gav {
    pub group_id: String,
    pub artifact_id: String,
    pub version: String,
}

impl Gav {
    pub fn new(group_id: impl Into<String>, artifact_id: impl Into<String>, version: impl Into<String>) -> Gav {
        Gav { group_id: group_id.into(), artifact_id: artifact_id.into(), version: version.into() }
    }
}

impl fmt::Display for Gav {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.group_id, self.artifact_id, self.version)
    }
}

/// A POM as fetched: parsed, with where it came from and the SHA-1 of its bytes.
#[derive(Debug, Clone)]
pub struct RawPom {
    pub pom: pom::Pom,
    pub url: String,
    pub sha1: String,
}

type Cell<T> = Arc<OnceCell<Arc<T>>>;

/// A Maven repository client. Cheap to clone; clones share the parsed POMs and effective
/// models, so a parent or BOM reached from many artifacts is read and built once.
#[derive(Clone)]
pub struct MavenClient {
    http: Arc<HttpCache>,
    endpoint: RegistryEndpoint,
    poms: Arc<Mutex<HashMap<Gav, Cell<RawPom>>>>,
    models: Arc<Mutex<HashMap<Gav, Cell<Effective>>>>,
}

impl fmt::Debug for MavenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MavenClient").field("endpoint", &self.endpoint).finish()
    }
}

/// `org.apache.commons` → `org/apache/commons`.
pub fn group_path(group_id: &str) -> String {
    group_id.replace('.', "/")
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}

fn cell<T>(map: &Mutex<HashMap<Gav, Cell<T>>>, gav: &Gav) -> Cell<T> {
    map.lock().unwrap_or_else(|p| p.into_inner()).entry(gav.clone()).or_default().clone()
}

impl MavenClient {
    pub fn new(http: Arc<HttpCache>, endpoint: RegistryEndpoint) -> Self {
        MavenClient { http, endpoint, poms: Arc::default(), models: Arc::default() }
    }

    pub fn registry_url(&self) -> &str {
        &self.endpoint.url
    }

    pub fn pom_url(&self, gav: &Gav) -> String {
        format!("{}/{}/{}/{}/{}-{}.pom", self.endpoint.url, group_path(&gav.group_id), gav.artifact_id, gav.version, gav.artifact_id, gav.version)
    }

    pub fn metadata_url(&self, group_id: &str, artifact_id: &str) -> String {
        format!("{}/{}/{}/maven-metadata.xml", self.endpoint.url, group_path(group_id), artifact_id)
    }

    /// GET `url` and its `.sha1`; `None` when the file is not there (404/410).
    async fn fetch_verified(&self, url: &str) -> Result<Option<(Arc<Vec<u8>>, String)>, IndexError> {
        let token = self.endpoint.token.as_ref();
        let f = self.http.get("maven", url, "*/*", token).await?;
        if f.is_not_found() {
            return Ok(None);
        }
        let actual = sha1_hex(&f.body);
        let sums_url = format!("{url}.sha1");
        let sums = self.http.get("maven", &sums_url, "*/*", token).await?;
        if !sums.is_not_found() {
            // `<hex>` or `<hex>  <file name>` (older deploy tools).
            let text = String::from_utf8_lossy(&sums.body);
            let expected = text.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
            if expected != actual {
                return Err(IndexError::Checksum { url: url.to_string(), expected, actual });
            }
        }
        Ok(Some((f.body, actual)))
    }

    /// The versions the repository lists for `groupId:artifactId`.
    pub async fn metadata(&self, group_id: &str, artifact_id: &str) -> Result<metadata::Metadata, IndexError> {
        let url = self.metadata_url(group_id, artifact_id);
        let Some((body, _)) = self.fetch_verified(&url).await? else {
            return Err(IndexError::NotFound { ecosystem: "maven", name: format!("{group_id}:{artifact_id}"), registry: self.endpoint.url.clone() });
        };
        metadata::parse(&String::from_utf8_lossy(&body)).map_err(|message| IndexError::Parse { url, message })
    }

    /// The POM of `gav`, as written (parsed once per client).
    pub async fn raw_pom(&self, gav: &Gav) -> Result<Arc<RawPom>, IndexError> {
        let cell = cell(&self.poms, gav);
        cell.get_or_try_init(|| async {
            let url = self.pom_url(gav);
            let Some((body, sha1)) = self.fetch_verified(&url).await? else {
                return Err(IndexError::NotFound { ecosystem: "maven", name: gav.to_string(), registry: self.endpoint.url.clone() });
            };
            let pom = pom::parse(&String::from_utf8_lossy(&body)).map_err(|message| IndexError::Parse { url: url.clone(), message })?;
            Ok(Arc::new(RawPom { pom, url, sha1 }))
        })
        .await
        .cloned()
    }

    /// The effective model of a published artifact (built once per client).
    pub async fn effective(&self, gav: &Gav) -> Result<Arc<Effective>, IndexError> {
        self.effective_in(gav, &[]).await
    }

    async fn effective_in(&self, gav: &Gav, importing: &[Gav]) -> Result<Arc<Effective>, IndexError> {
        let cell = cell(&self.models, gav);
        if let Some(m) = cell.get() {
            return Ok(m.clone());
        }
        let raw = self.raw_pom(gav).await?;
        let built = effective::build(self, &raw.pom, &gav.to_string(), false, importing).await?;
        let m = Arc::new(Effective { sha1: Some(raw.sha1.clone()), ..built });
        Ok(cell.get_or_init(|| async { m }).await.clone())
    }

    /// The effective model of a local POM (a project's pom.xml): its parents and imported
    /// BOMs come from the repository. Every dependency must resolve (`location` names the file
    /// in errors).
    pub async fn effective_of_file(&self, pom: &pom::Pom, location: &str) -> Result<Effective, IndexError> {
        effective::build(self, pom, location, true, &[]).await
    }
}
