//! Mid-operation interaction on stderr: showing a plan and asking for confirmation.

use crate::color::ColorWhen;
use std::io::{BufRead, IsTerminal, Write};
use tusk_registry::{Block, Error, Interaction};

pub struct Terminal {
    pub color: ColorWhen,
    pub quiet: bool,
}

impl Interaction for Terminal {
    fn show(&self, blocks: &[Block]) {
        if self.quiet {
            return;
        }
        let mut err = crate::diagnostics::stderr(self.color);
        let _ = err.write_all(crate::printer::render_blocks(blocks).as_bytes());
    }

    fn confirm(&self, question: &str) -> Result<bool, Error> {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage(format!("{question} — confirmation needed, but stdin is not a terminal"))
                .with_hint("pass --yes to proceed without asking, or --dry-run to only see the plan"));
        }
        let mut err = std::io::stderr();
        let _ = write!(err, "{question} [y/N] ");
        let _ = err.flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::failed(format!("cannot read the answer: {e}")))?;
        Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }
}
