//! Structured results. An operator returns data (for `-o json|yaml`, a documented, stable
//! shape) plus a human view made of a few block kinds that the CLI knows how to draw.
//! Operators never format for a terminal themselves: colour, widths and `NO_COLOR` are the
//! CLI's business.

use crate::exit::ExitStatus;
use serde::Serialize;

/// Emphasis a cell or line may carry; the CLI maps it to colour when colour is on, and the
/// text must make sense without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    #[default]
    Plain,
    Good,
    Warn,
    Bad,
    Dim,
    Bold,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell { text: text.into(), style }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Self {
        Cell { text: t.into(), style: Style::Plain }
    }
}

/// One piece of the human view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    /// A table with a header row; columns are padded by the CLI.
    Table { columns: Vec<String>, rows: Vec<Vec<Cell>> },
    /// Aligned `key: value` lines.
    KeyValue(Vec<(String, Cell)>),
    /// Lines printed as they are (a tree, a message, a rendered manifest).
    Text(Vec<Cell>),
    /// A unified diff; lines starting with `+`/`-` are coloured.
    Diff(String),
    /// A heading line before the blocks that follow it.
    Heading(String),
}

/// What a verb returns.
#[derive(Debug, Clone)]
pub struct Output {
    /// Machine output: printed as JSON or YAML with `-o json|yaml`. Stable and documented.
    pub data: serde_json::Value,
    /// Human output for `-o text`.
    pub view: Vec<Block>,
    /// Exit status. Success unless a verb answers "no" (1), partial (4), or forwards a code.
    pub status: ExitStatus,
    /// Text printed to stdout verbatim for `-o text`, in place of the view (manifests from
    /// `@kubernetes render`, log lines from `logs`). `-o json|yaml` still print `data`.
    pub raw_text: Option<String>,
}

impl Output {
    pub fn new(data: impl Serialize) -> Self {
        Output {
            data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
            view: Vec::new(),
            status: ExitStatus::Success,
            raw_text: None,
        }
    }
    pub fn empty() -> Self {
        Output { data: serde_json::Value::Null, view: Vec::new(), status: ExitStatus::Success, raw_text: None }
    }
    pub fn block(mut self, block: Block) -> Self {
        self.view.push(block);
        self
    }
    pub fn table(self, columns: &[&str], rows: Vec<Vec<Cell>>) -> Self {
        self.block(Block::Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows })
    }
    pub fn text(self, line: impl Into<Cell>) -> Self {
        self.block(Block::Text(vec![line.into()]))
    }
    pub fn lines<I, S>(self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cell>,
    {
        self.block(Block::Text(lines.into_iter().map(Into::into).collect()))
    }
    pub fn kv<K: Into<String>, V: Into<Cell>>(self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        self.block(Block::KeyValue(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect()))
    }
    pub fn with_status(mut self, status: ExitStatus) -> Self {
        self.status = status;
        self
    }
    /// Sets [`Output::raw_text`].
    pub fn with_raw_text(mut self, text: impl Into<String>) -> Self {
        self.raw_text = Some(text.into());
        self
    }
}
