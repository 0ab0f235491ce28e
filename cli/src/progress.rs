//! The CLI's progress display: one indicatif line per operator task on stderr, hidden when
//! stderr is not a terminal, with `-q` or `--no-progress`. Hidden tasks still log their
//! outcome at info level (`-v`), so CI logs can show them.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tusk_registry::{ProgressSink, TaskOutcome};

pub struct Bars {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<u64, (ProgressBar, String)>>,
    quiet: bool,
}

impl Bars {
    pub fn new(show: bool, quiet: bool) -> Self {
        let multi = show.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Bars { multi, bars: Mutex::new(HashMap::new()), quiet }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed:.dim}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:.bold} [{bar:30}] {pos}/{len} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl ProgressSink for Bars {
    fn start(&self, id: u64, label: &str, total: Option<u64>) {
        let Some(multi) = &self.multi else {
            tracing::debug!("{label}: started");
            if let Ok(mut b) = self.bars.lock() {
                b.insert(id, (ProgressBar::hidden(), label.to_string()));
            }
            return;
        };
        let pb = match total {
            Some(n) => multi.add(ProgressBar::new(n)).with_style(bar_style()),
            None => multi.add(ProgressBar::new_spinner()).with_style(spinner_style()),
        };
        pb.set_prefix(label.to_string());
        pb.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut b) = self.bars.lock() {
            b.insert(id, (pb, label.to_string()));
        }
    }

    fn message(&self, id: u64, message: &str) {
        if let Ok(b) = self.bars.lock()
            && let Some((pb, label)) = b.get(&id)
        {
            if self.multi.is_none() {
                tracing::debug!("{label}: {message}");
            }
            pb.set_message(message.to_string());
        }
    }

    fn advance(&self, id: u64, delta: u64) {
        if let Ok(b) = self.bars.lock()
            && let Some((pb, _)) = b.get(&id)
        {
            pb.inc(delta);
        }
    }

    fn finish(&self, id: u64, outcome: TaskOutcome, message: &str) {
        let Some((pb, label)) = self.bars.lock().ok().and_then(|mut b| b.remove(&id)) else { return };
        let mark = match outcome {
            TaskOutcome::Ok => "✓",
            TaskOutcome::Warn => "!",
            TaskOutcome::Failed => "✗",
            TaskOutcome::Skipped => "-",
        };
        if self.multi.is_some() {
            pb.set_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
            pb.finish_with_message(format!("{mark} {label} {message}"));
        } else {
            tracing::info!("{mark} {label} {message}");
        }
    }

    fn notice(&self, message: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(message);
            }
            None => eprintln!("{message}"),
        }
    }
}
