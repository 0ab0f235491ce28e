//! The plugin directory: install, list and remove.

use super::{PluginDescription, PluginKind, PluginRecord, PluginSource, process};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Sidecar written next to an installed component plugin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComponentSidecar {
    pub description: PluginDescription,
    /// The capabilities the plugin declared (its manifest), as the component reported them.
    pub requested: serde_json::Value,
    /// The capabilities the user granted at install.
    pub grants: serde_json::Value,
    /// SHA-256 of the `.wasm`, checked before every run.
    pub sha256: String,
}

pub fn sidecar_path(plugin_dir: &Path, name: &str) -> PathBuf {
    plugin_dir.join(format!("{name}.plugin.json"))
}

pub fn component_path(plugin_dir: &Path, name: &str) -> PathBuf {
    plugin_dir.join(format!("{name}.wasm"))
}

/// Lists component plugins from their sidecars.
pub fn components(plugin_dir: &Path) -> Vec<PluginRecord> {
    let Ok(entries) = std::fs::read_dir(plugin_dir) else { return Vec::new() };
    let mut out: Vec<PluginRecord> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let name = file.strip_suffix(".plugin.json")?.to_string();
            let wasm = component_path(plugin_dir, &name);
            let sidecar: std::result::Result<ComponentSidecar, String> = std::fs::read(e.path())
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("invalid sidecar {}: {e}", file)));
            let (description, grants) = match sidecar {
                Ok(s) => (Ok(s.description), Some(s.grants)),
                Err(e) => (Err(e), None),
            };
            Some(PluginRecord { name, kind: PluginKind::Component, path: wasm, source: PluginSource::PluginDir, description, grants })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Installs a process plugin: it must describe itself; it is copied to
/// `<plugin_dir>/tusk-<name>` atomically. Returns the installed record.
pub fn install_process(source: &Path, plugin_dir: &Path) -> Result<PluginRecord> {
    if !source.is_file() {
        return Err(Error::usage(format!("{} is not a file", source.display())).at(source.display().to_string()));
    }
    let description = process::describe(source).map_err(|why| {
        Error::usage(format!("{} is not a tusk plugin: {why}", source.display()))
            .at(source.display().to_string())
            .with_hint("a plugin must print its JSON description for `--tusk-describe` (see docs/plugins.md)")
    })?;
    let file_name = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match (&description.name, file_name.strip_prefix(process::PREFIX)) {
        (Some(n), _) => n.clone(),
        (None, Some(n)) => n.to_string(),
        (None, None) => {
            return Err(Error::usage(format!("cannot tell the plugin's name from {file_name}"))
                .with_hint("name the file tusk-<name> or add \"name\" to its description"));
        }
    };
    std::fs::create_dir_all(plugin_dir)?;
    let dest = plugin_dir.join(format!("{}{name}", process::PREFIX));
    let bytes = std::fs::read(source)?;
    crate::fsutil::write_atomic(&dest, &bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(PluginRecord {
        name,
        kind: PluginKind::Process,
        path: dest,
        source: PluginSource::PluginDir,
        description: Ok(description),
        grants: None,
    })
}

/// Installs a component plugin with its sidecar (description, requested and granted
/// capabilities, digest).
pub fn install_component(
    source: &Path,
    plugin_dir: &Path,
    name: &str,
    description: PluginDescription,
    requested: serde_json::Value,
    grants: serde_json::Value,
) -> Result<PluginRecord> {
    let bytes = std::fs::read(source).map_err(|e| Error::usage(format!("cannot read {}: {e}", source.display())))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let wasm = component_path(plugin_dir, name);
    crate::fsutil::write_atomic(&wasm, &bytes)?;
    let sidecar = ComponentSidecar { description: description.clone(), requested, grants: grants.clone(), sha256 };
    let json = serde_json::to_vec_pretty(&sidecar).map_err(|e| Error::failed(e.to_string()))?;
    crate::fsutil::write_atomic(&sidecar_path(plugin_dir, name), &json)?;
    Ok(PluginRecord {
        name: name.to_string(),
        kind: PluginKind::Component,
        path: wasm,
        source: PluginSource::PluginDir,
        description: Ok(description),
        grants: Some(grants),
    })
}

/// Reads an installed component's sidecar.
pub fn read_sidecar(plugin_dir: &Path, name: &str) -> Result<ComponentSidecar> {
    let p = sidecar_path(plugin_dir, name);
    let bytes = std::fs::read(&p).map_err(|e| Error::failed(format!("cannot read {}: {e}", p.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::failed(format!("invalid plugin sidecar {}: {e}", p.display())))
}

/// Removes an installed plugin (either kind) from the plugin directory. Plugins found on
/// PATH are not ours to delete.
pub fn remove(plugin_dir: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let candidates = [
        plugin_dir.join(format!("{}{name}", process::PREFIX)),
        component_path(plugin_dir, name),
        sidecar_path(plugin_dir, name),
    ];
    let mut removed = Vec::new();
    for p in candidates {
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| Error::failed(format!("cannot remove {}: {e}", p.display())))?;
            removed.push(p);
        }
    }
    if removed.is_empty() {
        return Err(Error::usage(format!("no plugin named `{name}` is installed in {}", plugin_dir.display()))
            .with_hint("`tusk plugin list` shows installed plugins; plugins found on PATH are removed by deleting the file"));
    }
    Ok(removed)
}
