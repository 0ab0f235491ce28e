//! Test support for operator crates (cargo feature `testing`, enabled only from
//! dev-dependencies): a [`Context`] whose directories live under a test's temp root and an
//! [`Interaction`] that records what was shown and answers confirmations as the test says.
//!
//! ```ignore
//! let ui = TestUi::unattended();
//! let ctx = Context { ui: ui.clone(), dry_run: true, ..Context::for_tests(dir.path()) };
//! let out = operator.run(invocation, ctx).await;
//! assert!(!ui.shown().is_empty());
//! ```

use crate::config::Config;
use crate::error::{Error, Result};
use crate::operator::{Context, Interaction, OutputFormat};
use crate::output::Block;
use crate::paths::Paths;
use crate::progress::Progress;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

impl Context {
    /// A context for running an operator in-process from a test: empty config, text output,
    /// hidden progress, no dry run, and every directory (config, data, cache, state) under
    /// `root`, so a test never reads or writes the real user's directories. Its `ui` is
    /// [`TestUi::unattended`]; to read what was shown or to answer confirmations, build the
    /// context with your own [`TestUi`]: `Context { ui: ui.clone(), ..Context::for_tests(root) }`.
    pub fn for_tests(root: &Path) -> Context {
        Context {
            config: Arc::new(Config::empty()),
            output: OutputFormat::Text,
            dry_run: false,
            verbosity: 0,
            progress: Progress::hidden(),
            cancel: Default::default(),
            audit: Default::default(),
            paths: Paths::for_tests(root),
            ui: TestUi::unattended(),
        }
    }
}

impl Paths {
    /// `root/config`, `root/data`, `root/cache` and `root/state`.
    pub fn for_tests(root: &Path) -> Paths {
        Paths {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            cache_dir: root.join("cache"),
            state_dir: root.join("state"),
        }
    }
}

/// A non-interactive [`Interaction`]: records every block shown and every question asked,
/// and answers confirmations with what the test set.
#[derive(Debug, Default)]
pub struct TestUi {
    /// `None`: nobody answers, as when the CLI's stdin is not a terminal.
    answer: Mutex<Option<bool>>,
    shown: Mutex<Vec<Block>>,
    questions: Mutex<Vec<String>>,
}

impl TestUi {
    /// Nobody answers: `confirm` fails with the same usage error the CLI gives when stdin is
    /// not a terminal ("… confirmation needed, but stdin is not a terminal").
    pub fn unattended() -> Arc<TestUi> {
        Arc::new(TestUi::default())
    }

    /// `confirm` answers `yes`.
    pub fn answering(yes: bool) -> Arc<TestUi> {
        let ui = TestUi::default();
        ui.set_answer(Some(yes));
        Arc::new(ui)
    }

    /// Changes the answer for the next confirmations (`None`: nobody answers).
    pub fn set_answer(&self, answer: Option<bool>) {
        *lock(&self.answer) = answer;
    }

    /// Every block shown so far, in order.
    pub fn shown(&self) -> Vec<Block> {
        lock(&self.shown).clone()
    }

    /// Every question asked so far, in order.
    pub fn questions(&self) -> Vec<String> {
        lock(&self.questions).clone()
    }
}

impl Interaction for TestUi {
    fn show(&self, blocks: &[Block]) {
        lock(&self.shown).extend(blocks.iter().cloned());
    }

    fn confirm(&self, question: &str) -> Result<bool> {
        lock(&self.questions).push(question.to_string());
        match *lock(&self.answer) {
            Some(yes) => Ok(yes),
            None => Err(Error::usage(format!("{question} — confirmation needed, but stdin is not a terminal"))
                .with_hint("pass --yes to proceed without asking, or --dry-run to only see the plan")),
        }
    }
}

// A test that panicked while holding a lock must not hide what it recorded.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn records_and_answers() {
        let dir = std::path::Path::new("/tmp/tusk-test-root");
        let ctx = Context::for_tests(dir);
        assert_eq!(ctx.paths.cache("x-v1"), dir.join("cache/x-v1"));
        assert_eq!(ctx.paths.audit_log(), dir.join("state/audit.jsonl"));
        let e = ctx.ui.confirm("Apply?").expect_err("nobody answers");
        assert!(e.message.contains("confirmation needed"));

        let ui = TestUi::answering(true);
        let ctx = Context { ui: ui.clone(), ..Context::for_tests(dir) };
        ctx.ui.show(&[Block::Heading("plan".into())]);
        assert!(ctx.ui.confirm("Apply?").expect("answered"));
        ui.set_answer(Some(false));
        assert!(!ctx.ui.confirm("Delete?").expect("answered"));
        assert_eq!(ui.questions(), ["Apply?", "Delete?"]);
        assert_eq!(ui.shown().len(), 1);
    }
}
