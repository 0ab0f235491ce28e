//! Test-only fakes of the cloud control planes that have no emulator, following the clouds'
//! published REST API references (Azure Resource Manager `Microsoft.Web`/`Microsoft.Storage`,
//! Kudu OneDeploy, Cloud Functions v2, Cloud Run Admin v2, Cloud Logging v2):
//!
//! - [`gcf`]: Cloud Functions v2 (`generateUploadUrl` + signed-URL upload, create/patch/
//!   get/delete with long-running operations, error bodies), the OAuth token endpoint of the
//!   JWT bearer grant, the Cloud Run services behind the functions (traffic splits) and the
//!   Cloud Logging entries each invocation writes.
//! - [`arm`]: Azure Resource Manager (resource groups, plans, sites with
//!   `Azure-AsyncOperation` polling, app settings, tags, storage listKeys, 429 throttling
//!   with `Retry-After`), the Entra ID client-credentials token endpoint, and Kudu's
//!   OneDeploy `/api/publish` pull deployment that really downloads the package URL.
//!
//! Both record every request (`log()`) and can be told to fail the next deployment.

pub mod arm;
pub mod gcf;

use std::sync::{Arc, Mutex};

/// A running fake: its base URL; stops when dropped.
pub struct Server {
    pub base: String,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

pub(crate) async fn serve(router: axum::Router) -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Server { base: format!("http://{addr}"), handle })
}

pub(crate) type Shared<T> = Arc<Mutex<T>>;

pub(crate) fn json_response(status: u16, body: serde_json::Value) -> axum::response::Response {
    let mut r = axum::response::Response::new(axum::body::Body::from(body.to_string()));
    *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert("content-type", axum::http::HeaderValue::from_static("application/json"));
    r
}

pub(crate) fn query_param(uri: &axum::http::Uri, key: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| percent_decode(v))
    })
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a zip holds an entry called `name` (entry names are stored uncompressed, so a byte
/// search finds them): a cheap structural check, not a zip reader.
pub fn zip_has(zip: &[u8], name: &str) -> bool {
    zip.starts_with(b"PK\x03\x04") && zip.windows(name.len()).any(|w| w == name.as_bytes())
}
