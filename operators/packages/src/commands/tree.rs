//! `@packages tree`: the dependency tree, from tusk.lock when it exists, else by resolving.

use crate::inputs::Inputs;
use crate::render::render;
use crate::resolution::locked_or_resolved;
use clap::Args;
use tusk_registry::{Context, Output, Result};

#[derive(Args, Debug)]
#[command(
    about = "Print the dependency tree (from tusk.lock when it exists, else by resolving)",
    after_long_help = "Examples:\n  tusk @packages tree\n  tusk @packages tree --depth 1 crates:serde[derive]@1"
)]
pub struct TreeCommand {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Show at most this many levels below the roots.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,
}

impl TreeCommand {
    pub async fn execute(self, ctx: &Context) -> Result<Output> {
        let resolutions = locked_or_resolved(&self.inputs, ctx).await?;
        Ok(render(&resolutions, true, self.depth))
    }
}
