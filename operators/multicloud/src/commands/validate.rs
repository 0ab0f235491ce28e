//! `tusk @multicloud validate`: the spec against every selected cloud's documented limits,
//! without a single call.

use super::Common;
use crate::validate;
use tusk_registry::{Cell, Context, Output, Result, Style};

#[derive(clap::Args, Debug)]
pub struct ValidateCommand {
    #[command(flatten)]
    pub common: Common,
}

impl ValidateCommand {
    pub fn run(self, ctx: &Context) -> Result<Output> {
        let (spec, clouds) = self.common.selected(ctx)?;
        validate::validate(&spec, &clouds, None)?;
        let names: Vec<&str> = clouds.iter().map(|c| c.name()).collect();
        Ok(Output::new(serde_json::json!({"valid": true, "function": spec.raw.name, "clouds": names}))
            .text(Cell::styled(format!("{}: valid for {}", self.common.file.display(), names.join(", ")), Style::Good)))
    }
}
