//! `@packages why`: the paths from your requirements to a package.

use crate::inputs::Inputs;
use crate::resolution::locked_or_resolved;
use clap::Args;
use tusk_registry::{Cell, Context, Error, Output, Result};
use tusk_resolver::{Ecosystem, Resolution};

#[derive(Args, Debug)]
#[command(
    about = "Show why a package is in the resolution: the paths from your requirements to it",
    after_long_help = "Examples:\n  tusk @packages why syn\n  tusk @packages why crates:libc crates:rand@0.8"
)]
pub struct WhyCommand {
    /// The package (`name`, or `<eco>:name` to pick an ecosystem).
    package: String,
    #[command(flatten)]
    pub inputs: Inputs,
}

impl WhyCommand {
    pub async fn execute(self, ctx: &Context) -> Result<Output> {
        let resolutions = locked_or_resolved(&self.inputs, ctx).await?;
        why(&resolutions, &self.package)
    }
}

fn why(resolutions: &[Resolution], package: &str) -> Result<Output> {
    let (eco, name) = match package.split_once(':') {
        Some((e, n)) if e.parse::<Ecosystem>().is_ok() => (e.parse::<Ecosystem>().ok(), n),
        _ => (None, package),
    };
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for r in resolutions.iter().filter(|r| eco.is_none_or(|e| e == r.ecosystem)) {
        for path in tusk_resolver::view::why(r, name, 20) {
            let mut rev = path.clone();
            rev.reverse();
            lines.push(Cell::from(format!("{}: {} ← your requirements", r.ecosystem, rev.join(" ← "))));
            data.push(serde_json::json!({"ecosystem": r.ecosystem, "path": path}));
        }
    }
    if lines.is_empty() {
        return Err(Error::usage(format!("`{package}` is not in the resolution")).at(package.to_string()).with_hint("check the name; `tusk @packages tree` shows every package"));
    }
    Ok(Output::new(serde_json::json!({"package": package, "paths": data})).lines(lines))
}
