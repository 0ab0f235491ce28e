//! `@packages lock`: resolve and write tusk.lock (deterministic TOML with integrity hashes and
//! edges).

use crate::inputs::{Inputs, display_path, gather};
use crate::resolution::resolve_all;
use clap::Args;
use tusk_registry::{Cell, Context, Error, Output, Result, Style};
use tusk_resolver::lock::Lockfile;

#[derive(Args, Debug)]
#[command(
    about = "Resolve and write tusk.lock (deterministic TOML with integrity hashes and edges)",
    after_long_help = "Examples:\n  tusk @packages lock\n  tusk @packages lock backend/ frontend/ --lock-file tusk.lock\n  tusk @packages lock crates:serde[derive]@1"
)]
pub struct LockCommand {
    #[command(flatten)]
    pub inputs: Inputs,
}

impl LockCommand {
    pub async fn execute(self, ctx: &Context) -> Result<Output> {
        let gathered = gather(&self.inputs)?;
        let resolutions = resolve_all(&self.inputs, &gathered, ctx).await?;
        let lock = Lockfile::from_resolutions(&resolutions);
        let text = lock.to_toml();
        let path = &gathered.lock_path;
        let changed = std::fs::read_to_string(path).map(|old| old != text).unwrap_or(true);
        tusk_registry::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| Error::failed(format!("cannot write {}: {e}", path.display())).at(path.display().to_string()))?;
        let counts: Vec<String> = resolutions.iter().map(|r| format!("{} {}", r.ecosystem, r.packages.len())).collect();
        let total: usize = resolutions.iter().map(|r| r.packages.len()).sum();
        let shown = display_path(path);
        Ok(Output::new(serde_json::json!({
            "lockfile": shown,
            "changed": changed,
            "packages": total,
            "ecosystems": resolutions.iter().map(|r| serde_json::json!({"ecosystem": r.ecosystem, "packages": r.packages.len()})).collect::<Vec<_>>(),
        }))
        .text(Cell::styled(
            format!("{} {shown}: {total} packages ({})", if changed { "wrote" } else { "unchanged" }, counts.join(", ")),
            Style::Good,
        )))
    }
}
