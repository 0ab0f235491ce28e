//! `tusk @multicloud package`: each cloud's deterministic zip and its content hash, without a
//! single call; `--out` writes the zips.

use super::Common;
use crate::{orchestrate, validate};
use std::path::PathBuf;
use tusk_registry::{Cell, Context, Output, Result};

#[derive(clap::Args, Debug)]
pub struct PackageCommand {
    #[command(flatten)]
    pub common: Common,
    /// Write the zips (<name>-<cloud>.zip) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl PackageCommand {
    pub fn run(self, ctx: &Context) -> Result<Output> {
        let (spec, clouds) = self.common.selected(ctx)?;
        validate::validate(&spec, &clouds, None)?;
        let pkgs = orchestrate::packages(&spec, &clouds)?;
        let mut rows = Vec::new();
        let mut data = Vec::new();
        for (c, p) in &pkgs {
            let mut written = None;
            if let Some(dir) = &self.out {
                std::fs::create_dir_all(dir)?;
                let path = dir.join(format!("{}-{}.zip", spec.raw.name, c.name()));
                tusk_registry::fsutil::write_atomic(&path, &p.bytes)?;
                written = Some(path.display().to_string());
            }
            rows.push(vec![Cell::from(c.name()), Cell::from(p.files.to_string()), Cell::from(p.bytes.len().to_string()), Cell::from(p.sha256.clone())]);
            data.push(serde_json::json!({"cloud": c, "files": p.files, "bytes": p.bytes.len(), "sha256": p.sha256, "path": written,
                "entries": crate::package::list(&p.bytes).into_iter().map(|(n, _)| n).collect::<Vec<_>>()}));
        }
        Ok(Output::new(serde_json::json!({"function": spec.raw.name, "packages": data})).table(&["CLOUD", "FILES", "BYTES", "SHA256"], rows))
    }
}
