//! `tusk @multicloud init`: a commented `tusk-function.toml` and, when there is no code yet,
//! a starter Python handler.

use crate::{spec, validate};
use std::path::PathBuf;
use tusk_registry::{Cell, Error, Output, Result, Style};

#[derive(clap::Args, Debug)]
pub struct InitCommand {
    /// Function name (default: the current directory's name).
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, short = 'f', default_value = spec::SPEC_FILE, value_name = "PATH")]
    pub file: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

const STARTER_HANDLER: &[u8] = b"import json\nimport os\n\n\ndef handler(event, context=None):\n    \"\"\"Entry point on every cloud (tusk maps it to each cloud's handler setting).\"\"\"\n    return {\"greeting\": os.environ.get(\"GREETING\", \"hello\"), \"event\": event}\n";

impl InitCommand {
    pub fn run(self) -> Result<Output> {
        let InitCommand { name, file, force } = self;
        if file.exists() && !force {
            return Err(Error::usage(format!("{} already exists", file.display())).at(file.display().to_string()).with_hint("pass --force to overwrite"));
        }
        let name = name.unwrap_or_else(|| {
            std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()))
                .map(|n| n.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect())
                .unwrap_or_else(|| "my-function".into())
        });
        if let Err(m) = validate::check_name_aws(&name).and_then(|_| validate::check_name_gcp(&name)).and_then(|_| validate::check_name_azure(&name)) {
            return Err(Error::usage(m).at("--name").with_hint("a name valid on every cloud: 4-60 of a-z 0-9 -, starting with a letter"));
        }
        let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
        }
        tusk_registry::fsutil::write_atomic(&file, spec::example(&name).as_bytes())?;
        let mut written = vec![file.display().to_string()];
        // A starter handler, unless there is code already.
        let src = dir.map(|d| d.join("src")).unwrap_or_else(|| PathBuf::from("src"));
        if !src.exists() {
            std::fs::create_dir_all(&src)?;
            let main = src.join("main.py");
            tusk_registry::fsutil::write_atomic(&main, STARTER_HANDLER)?;
            written.push(main.display().to_string());
        }
        Ok(Output::new(serde_json::json!({"written": written, "name": name}))
            .lines(written.iter().map(|w| Cell::styled(format!("wrote {w}"), Style::Good)).collect::<Vec<_>>())
            .text("next: edit the cloud sections, then `tusk @multicloud validate` and `tusk @multicloud deploy`"))
    }
}
