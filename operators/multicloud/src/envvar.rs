//! Environment lookups go through here so tests can give one deploy its own environment
//! (credentials, endpoints) without mutating the process environment. Setting one
//! (`scoped`) needs the `testing` feature (dev-dependencies only): outside tests every
//! lookup reads the process environment.

use std::collections::BTreeMap;

tokio::task_local! {
    static OVERRIDE: BTreeMap<String, String>;
}

/// The value of `key`: from the scoped override when one is set (then the process
/// environment is not consulted at all), else from the process environment.
pub fn var(key: &str) -> Result<String, std::env::VarError> {
    match OVERRIDE.try_with(|m| m.get(key).cloned()) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(std::env::VarError::NotPresent),
        Err(_) => std::env::var(key),
    }
}

/// The scoped environment, when one is set (the AWS SDK's credential chain reads it).
#[cfg(feature = "testing")]
pub fn overridden() -> Option<BTreeMap<String, String>> {
    OVERRIDE.try_with(|m| m.clone()).ok()
}

pub fn var_os_path() -> Option<std::ffi::OsString> {
    match OVERRIDE.try_with(|m| m.get("PATH").cloned()) {
        Ok(v) => v.map(Into::into),
        Err(_) => std::env::var_os("PATH"),
    }
}

/// Runs `fut` with `env` as its whole environment.
#[cfg(feature = "testing")]
pub async fn scoped<F: std::future::Future>(env: BTreeMap<String, String>, fut: F) -> F::Output {
    OVERRIDE.scope(env, fut).await
}
