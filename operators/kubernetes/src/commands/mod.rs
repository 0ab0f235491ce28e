//! One file per verb, each with its clap arguments, help text and `run`:
//! `@kubernetes rollback` is `commands/rollback.rs`. What several verbs share lives beside
//! this folder: `client` (connecting), `input` (the documents to work on), `plan` (server-side
//! dry run and the change table), `wait` (readiness and failure explanations), `deployment`
//! (one Deployment: read, wait, revisions), `render`, `manifest`, `table`.

pub mod delete;
pub mod deploy;
pub mod diff;
pub mod get;
pub mod history;
pub mod logs;
pub mod render;
pub mod restart;
pub mod rollback;
pub mod scale;
pub mod status;
