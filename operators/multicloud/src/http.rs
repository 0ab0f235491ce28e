//! One HTTP client for all clouds, and small helpers to read answers.

use crate::error::McError;
use std::time::Duration;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .user_agent(concat!("tusk/", env!("CARGO_PKG_VERSION"), " (@multicloud)"))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// A read answer.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends a request. Transport errors drop the URL: SAS tokens and signed URLs carry secrets
/// in their query strings, and errors end up on the terminal and in CI logs.
pub async fn send(cloud: &'static str, operation: &str, req: reqwest::RequestBuilder) -> Result<Answer, McError> {
    let resp = req.send().await.map_err(|e| McError::Http { cloud, operation: operation.to_string(), source: e.without_url() })?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .map_err(|e| McError::Http { cloud, operation: operation.to_string(), source: e.without_url() })?
        .to_vec();
    Ok(Answer { status, headers, body })
}

/// Error text from a JSON error body: `{"error":{"code","message"}}` (ARM, Google),
/// `{"message"}`/`{"Message"}` + `Type`/`__type` (AWS), or the raw text.
pub fn error_message(a: &Answer) -> String {
    let j = a.json();
    if let Some(e) = j.get("error") {
        let code = e.get("code").map(|c| c.to_string().trim_matches('"').to_string()).unwrap_or_default();
        let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or_default();
        let status = e.get("status").and_then(|m| m.as_str()).unwrap_or_default();
        return [code.as_str(), status, msg].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(": ");
    }
    let ty = j
        .get("__type")
        .or_else(|| j.get("Type"))
        .and_then(|t| t.as_str())
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        .or_else(|| a.header("x-amzn-errortype").map(|t| t.split(':').next().unwrap_or_default().to_string()));
    let msg = j.get("message").or_else(|| j.get("Message")).and_then(|m| m.as_str());
    match (ty, msg) {
        (Some(t), Some(m)) => format!("{t}: {m}"),
        (None, Some(m)) => m.to_string(),
        (Some(t), None) => format!("{t} (HTTP {})", a.status),
        (None, None) => {
            let t = a.text();
            let t = t.trim();
            if let (Some(s), Some(e)) = (t.find("<Message>"), t.find("</Message>")) {
                return t[s + 9..e].to_string();
            }
            if t.is_empty() { format!("HTTP {}", a.status) } else { format!("HTTP {}: {}", a.status, t.chars().take(300).collect::<String>()) }
        }
    }
}

/// RFC 3986 percent-encoding (unreserved characters kept).
pub fn uri_encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (b == b'/' && !encode_slash);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sleeps, or returns Interrupted when cancelled.
pub async fn pause(cancel: &tokio_util::sync::CancellationToken, d: Duration) -> Result<(), McError> {
    tokio::select! {
        _ = cancel.cancelled() => Err(McError::Interrupted),
        _ = tokio::time::sleep(d) => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    #[tokio::test]
    async fn transport_errors_do_not_leak_signed_urls() {
        // Nothing listens on port 9 of loopback: the connection is refused.
        let req = super::client().put("http://127.0.0.1:9/container/blob.zip?sv=2021-12-02&sig=SECRETSIG");
        let Err(e) = super::send("azure", "put blob", req).await else { panic!("expected an error") };
        let text = format!("{e} {:?}", std::error::Error::source(&e).map(|s| s.to_string()));
        assert!(!text.contains("SECRETSIG"), "{text}");
        assert!(text.contains("put blob"), "{text}");
    }
}
