//! `@packages resolve`: resolve against the live registries and print the chosen versions, or
//! (`--locked`) check without the network that tusk.lock still satisfies the inputs.

use crate::inputs::{Gathered, Inputs, display_path, gather};
use crate::render::render;
use crate::resolution::{read_lock, resolve_all};
use clap::Args;
use tusk_registry::{Cell, Context, Error, Output, Result, Style};
use tusk_resolver::{Ecosystem, RootReq};

const LONG_ABOUT: &str = "Resolves the requirements of every ecosystem given (specs, manifests or a directory of manifests) against its registry with PubGrub, all ecosystems at once, and prints the chosen versions.\nWith --locked, checks without the network that tusk.lock still satisfies the inputs and fails if it does not.\nWhen no solution exists, explains why in the ecosystem's terms.";

const EXAMPLES: &str = "Examples:\n  tusk @packages resolve crates:serde@1 crates:tokio[full]@1\n  tusk @packages resolve .                       # every manifest in the repository\n  tusk @packages resolve Cargo.toml --tree\n  tusk @packages resolve --locked                # does tusk.lock still match? (no network)\n  tusk @packages resolve --offline -o json crates:rand@0.8";

#[derive(Args, Debug)]
#[command(
    about = "Resolve dependencies against the live registries and print the chosen versions",
    long_about = LONG_ABOUT,
    after_long_help = EXAMPLES
)]
pub struct ResolveCommand {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Check tusk.lock against the inputs instead of resolving (no network).
    #[arg(long)]
    locked: bool,
    /// Print a dependency tree instead of a table.
    #[arg(long)]
    tree: bool,
}

impl ResolveCommand {
    pub async fn execute(self, ctx: &Context) -> Result<Output> {
        let gathered = gather(&self.inputs)?;
        if self.locked {
            return check_locked(&gathered);
        }
        let resolutions = resolve_all(&self.inputs, &gathered, ctx).await?;
        Ok(render(&resolutions, self.tree, None))
    }
}

fn check_locked(g: &Gathered) -> Result<Output> {
    let shown = display_path(&g.lock_path);
    let Some(lock) = read_lock(&g.lock_path)? else {
        return Err(Error::usage(format!("{shown} does not exist")).at(shown).with_hint("run `tusk @packages lock` to create it"));
    };
    let flat: Vec<(Ecosystem, RootReq)> = g.inputs.iter().flat_map(|(e, rs)| rs.iter().map(move |r| (*e, r.clone()))).collect();
    let problems = tusk_resolver::lock::check(&lock, &flat);
    if !problems.is_empty() {
        return Err(Error::failed(format!("{shown} does not satisfy the inputs:\n  {}", problems.join("\n  ")))
            .at(shown)
            .with_hint("run `tusk @packages lock` to update it"));
    }
    Ok(Output::new(serde_json::json!({"lockfile": shown, "satisfied": true, "requirements": flat.len(), "packages": lock.package.len()}))
        .text(Cell::styled(format!("{shown} satisfies {} requirements ({} packages)", flat.len(), lock.package.len()), Style::Good)))
}
