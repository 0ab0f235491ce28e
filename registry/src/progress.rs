//! Progress reporting. The CLI hands operators a [`Progress`]; operators open one task per
//! target (a resource, a cloud, an ecosystem) and update it. Whether that becomes a live bar,
//! a log line or nothing is the CLI's decision (`-q`, `--no-progress`, non-terminal stderr).

use std::sync::Arc;

/// A sink for progress events, implemented by the CLI.
pub trait ProgressSink: Send + Sync {
    fn start(&self, id: u64, label: &str, total: Option<u64>);
    fn message(&self, id: u64, message: &str);
    fn advance(&self, id: u64, delta: u64);
    fn finish(&self, id: u64, outcome: TaskOutcome, message: &str);
    /// A one-off notice (printed above the bars on stderr; suppressed by `-q`).
    fn notice(&self, message: &str);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOutcome {
    Ok,
    Warn,
    Failed,
    Skipped,
}

/// The handle operators receive. Cheap to clone.
#[derive(Clone)]
pub struct Progress {
    sink: Arc<dyn ProgressSink>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl Progress {
    pub fn new(sink: Arc<dyn ProgressSink>) -> Self {
        Progress { sink, next: Arc::new(std::sync::atomic::AtomicU64::new(1)) }
    }
    /// A progress handle that drops every event (library use and tests).
    pub fn hidden() -> Self {
        Self::new(Arc::new(NoProgress))
    }
    pub fn task(&self, label: impl AsRef<str>) -> Task {
        self.task_with_total(label, None)
    }
    pub fn task_with_total(&self, label: impl AsRef<str>, total: Option<u64>) -> Task {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.sink.start(id, label.as_ref(), total);
        Task { id, sink: self.sink.clone(), done: false }
    }
    pub fn notice(&self, message: impl AsRef<str>) {
        self.sink.notice(message.as_ref());
    }
}

/// One line of progress. Finishing is explicit; a task dropped unfinished is marked skipped.
pub struct Task {
    id: u64,
    sink: Arc<dyn ProgressSink>,
    done: bool,
}

impl Task {
    pub fn set_message(&self, message: impl AsRef<str>) {
        self.sink.message(self.id, message.as_ref());
    }
    pub fn advance(&self, delta: u64) {
        self.sink.advance(self.id, delta);
    }
    pub fn finish(mut self, outcome: TaskOutcome, message: impl AsRef<str>) {
        self.done = true;
        self.sink.finish(self.id, outcome, message.as_ref());
    }
    pub fn ok(self, message: impl AsRef<str>) {
        self.finish(TaskOutcome::Ok, message)
    }
    pub fn fail(self, message: impl AsRef<str>) {
        self.finish(TaskOutcome::Failed, message)
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if !self.done {
            self.sink.finish(self.id, TaskOutcome::Skipped, "");
        }
    }
}

struct NoProgress;

impl ProgressSink for NoProgress {
    fn start(&self, _: u64, _: &str, _: Option<u64>) {}
    fn message(&self, _: u64, _: &str) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self, _: u64, _: TaskOutcome, _: &str) {}
    fn notice(&self, _: &str) {}
}
