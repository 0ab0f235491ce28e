//! The sandbox and limit flags `run` and `invoke` share, and how they combine with `[wasm]`
//! config into the runtime's [`Options`].

use crate::config::WasmConfig;
use crate::runtime::cache_dir;
use crate::size::parse_size;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use tusk_registry::{Context, Error};
use tusk_wasm_runtime::{self as rt, DirGrant, Options};

#[derive(Debug, Args, Default)]
pub struct Limits {
    /// Stop the guest after N units of fuel (roughly, wasm instructions)
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub fuel: Option<u64>,
    /// Maximum linear memory per memory (e.g. 64MiB)
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    pub max_memory: Option<String>,
    /// Stop the guest after this wall-clock time (e.g. 500ms, 2s, 1m30s)
    #[arg(long, value_name = "DURATION", help_heading = "Limits", value_parser = tusk_registry::duration::parse)]
    pub timeout: Option<Duration>,
    /// Maximum wasm stack (e.g. 1MiB; default 512KiB)
    #[arg(long, value_name = "SIZE", help_heading = "Limits")]
    pub max_stack: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct Grants {
    /// Give the guest a host directory, read-write: HOST[::GUEST]
    #[arg(long = "dir", value_name = "HOST[::GUEST]", help_heading = "Sandbox")]
    pub dirs: Vec<String>,
    /// Give the guest a host directory, read-only: HOST[::GUEST]
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]", help_heading = "Sandbox")]
    pub dirs_ro: Vec<String>,
    /// Set an environment variable in the guest
    #[arg(long = "env", value_name = "KEY=VALUE", help_heading = "Sandbox")]
    pub env: Vec<String>,
    /// Pass one of tusk's environment variables to the guest
    #[arg(long = "env-inherit", value_name = "KEY", help_heading = "Sandbox")]
    pub env_inherit: Vec<String>,
}

/// Resolved options from flags (first) and config.
pub fn options(limits: &Limits, grants: &Grants, config: &WasmConfig, ctx: &Context, no_cache: bool) -> tusk_registry::Result<Options> {
    let size = |flag: Option<&String>, cfg: Option<&String>, name: &str| -> tusk_registry::Result<Option<u64>> {
        match (flag, cfg) {
            (Some(v), _) => parse_size(v).map(Some).map_err(|e| Error::usage(e).at(format!("--{name}"))),
            (None, Some(v)) => parse_size(v).map(Some).map_err(|e| Error::usage(e).at(format!("[wasm] {}", name.replace('-', "_")))),
            (None, None) => Ok(None),
        }
    };
    let max_memory = size(limits.max_memory.as_ref(), config.max_memory.as_ref(), "max-memory")?;
    let max_stack = size(limits.max_stack.as_ref(), config.max_stack.as_ref(), "max-stack")?;
    let timeout = timeout(limits.timeout, config.timeout.as_deref())?;
    if let Some(s) = max_stack
        && s < 4096
    {
        return Err(Error::usage(format!("--max-stack {s} is too small")).at("--max-stack").with_hint("use at least 4KiB"));
    }
    let mut dirs = Vec::new();
    for d in &grants.dirs {
        dirs.push(parse_dir(d, false).map_err(|e| Error::usage(e).at("--dir"))?);
    }
    for d in &grants.dirs_ro {
        dirs.push(parse_dir(d, true).map_err(|e| Error::usage(e).at("--dir-ro"))?);
    }
    let mut env = Vec::new();
    for e in &grants.env {
        env.push(parse_env(e).map_err(|m| Error::usage(m).at("--env"))?);
    }
    for k in &grants.env_inherit {
        match std::env::var(k) {
            Ok(v) => env.push((k.clone(), v)),
            Err(_) => {
                return Err(Error::usage(format!("--env-inherit {k}: `{k}` is not set in tusk's environment"))
                    .at("--env-inherit")
                    .with_hint(format!("set it, or pass a value with --env {k}=VALUE")));
            }
        }
    }
    let cache_max_bytes = match &config.cache_max_size {
        Some(v) => parse_size(v).map_err(|e| Error::usage(e).at("[wasm] cache_max_size"))?,
        None => rt::DEFAULT_CACHE_MAX_BYTES,
    };
    let cache_on = !no_cache && config.cache.unwrap_or(true);
    Ok(Options {
        fuel: limits.fuel.or(config.fuel),
        max_memory,
        timeout,
        max_stack: max_stack.map(|s| s as usize),
        dirs,
        env,
        args: Vec::new(),
        argv0: None,
        cache_dir: cache_on.then(|| cache_dir(ctx)),
        cache_max_bytes,
    })
}

/// `--timeout` (parsed by clap), else `[wasm] timeout`, in the one duration grammar
/// (`500ms`, `90s`, `1h30m`).
fn timeout(flag: Option<Duration>, config: Option<&str>) -> tusk_registry::Result<Option<Duration>> {
    match (flag, config) {
        (Some(d), _) => Ok(Some(d)),
        (None, Some(v)) => tusk_registry::duration::parse(v).map(Some).map_err(|e| Error::usage(e).at("[wasm] timeout")),
        (None, None) => Ok(None),
    }
}

/// `HOST[::GUEST]`. GUEST defaults to HOST as written (so relative paths work in the
/// guest the way they do on the host).
pub fn parse_dir(s: &str, read_only: bool) -> Result<DirGrant, String> {
    use tusk_registry::plugin::shown;
    let (host, guest) = match s.split_once("::") {
        Some((h, g)) => (h, g),
        None => (s, s),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(format!("`{}` is not HOST[::GUEST]", shown(s)));
    }
    // The guest path is where the directory is mounted in the guest's file system: a `..`
    // component names no mount point (it would climb out of the guest's root).
    if guest.split(['/', '\\']).any(|c| c == "..") {
        return Err(format!(
            "guest path `{}` contains `..`: the guest path is the mount point in the guest, write it without `..`",
            shown(guest)
        ));
    }
    let path = PathBuf::from(host);
    if !path.is_dir() {
        return Err(format!("`{}` is not a directory", shown(host)));
    }
    Ok(DirGrant { host: path, guest: guest.to_string(), read_only })
}

/// `KEY=VALUE`.
pub fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn timeout_flag_beats_config_and_a_bad_config_value_names_its_key() {
        assert_eq!(timeout(Some(Duration::from_secs(90)), Some("2s")).unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(timeout(None, Some("1m30s")).unwrap(), Some(Duration::from_secs(90)));
        assert_eq!(timeout(None, None).unwrap(), None);
        let config = timeout(None, Some("soon")).unwrap_err();
        assert_eq!(config.location.as_deref(), Some("[wasm] timeout"));
    }

    #[test]
    fn dirs_and_env() {
        let d = tempfile::tempdir().unwrap();
        let host = d.path().to_string_lossy().to_string();
        let g = parse_dir(&format!("{host}::/data"), true).unwrap();
        assert_eq!(g.guest, "/data");
        assert!(g.read_only);
        assert_eq!(parse_dir(&host, false).unwrap().guest, host);
        assert!(parse_dir("/definitely/not/here", false).unwrap_err().contains("not a directory"));
        assert!(parse_dir("::/x", false).is_err());
        let up = parse_dir(&format!("{host}::../../x"), false).unwrap_err();
        assert!(up.contains("`../../x` contains `..`"), "{up}");
        assert!(parse_dir(&format!("{host}::/a/../b"), false).is_err());
        assert_eq!(parse_dir(&format!("{host}::/a..b"), false).unwrap().guest, "/a..b");
        let ctl = parse_dir("d\u{1}::/x", false).unwrap_err();
        assert!(ctl.contains("`d\\u{1}` is not a directory"), "{ctl}");
        assert_eq!(parse_env("A=b=c").unwrap(), ("A".into(), "b=c".into()));
        assert!(parse_env("=x").is_err());
        assert!(parse_env("NOVALUE").is_err());
    }
}
