//! Rendering results. stdout carries data only: the human view for `-o text`, the data for
//! `-o json|yaml`. Colour is decoration: the text reads the same without it.

use crate::color::ColorWhen;
use anstyle::{AnsiColor, Style as Ansi};
use std::io::Write;
use tusk_registry::{Block, Cell, Error, Output, OutputFormat, Style};

pub fn stdout(color: ColorWhen) -> anstream::AutoStream<std::io::Stdout> {
    anstream::AutoStream::new(std::io::stdout(), color.choice())
}

/// Prints an operator's output in the chosen format.
pub fn print(output: &Output, format: OutputFormat, color: ColorWhen) -> Result<(), Error> {
    let text = match format {
        OutputFormat::Json => {
            if output.data.is_null() {
                String::new()
            } else {
                let mut s = serde_json::to_string_pretty(&output.data).map_err(|e| Error::failed(e.to_string()))?;
                s.push('\n');
                s
            }
        }
        OutputFormat::Yaml => {
            if output.data.is_null() {
                String::new()
            } else {
                serde_yaml::to_string(&output.data).map_err(|e| Error::failed(e.to_string()))?
            }
        }
        OutputFormat::Text => match &output.raw_text {
            Some(raw) => raw.clone(),
            None => render_blocks(&output.view),
        },
    };
    let mut out = stdout(color);
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`tusk … | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::failed(format!("cannot write to stdout: {e}"))),
    }
}

fn ansi(style: Style) -> Ansi {
    match style {
        Style::Plain => Ansi::new(),
        Style::Good => Ansi::new().fg_color(Some(AnsiColor::Green.into())),
        Style::Warn => Ansi::new().fg_color(Some(AnsiColor::Yellow.into())),
        Style::Bad => Ansi::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Style::Dim => Ansi::new().dimmed(),
        Style::Bold => Ansi::new().bold(),
    }
}

fn paint(cell: &Cell) -> String {
    if cell.style == Style::Plain {
        return cell.text.clone();
    }
    let a = ansi(cell.style);
    format!("{a}{}{a:#}", cell.text)
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Renders blocks as text with ANSI styles (stripped later when colour is off).
pub fn render_blocks(blocks: &[Block]) -> String {
    let mut s = String::new();
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 && matches!(b, Block::Heading(_)) {
            s.push('\n');
        }
        match b {
            Block::Heading(h) => {
                let a = Ansi::new().bold();
                s.push_str(&format!("{a}{h}{a:#}\n"));
            }
            Block::Text(lines) => {
                for l in lines {
                    s.push_str(&paint(l));
                    s.push('\n');
                }
            }
            Block::KeyValue(pairs) => {
                let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
                for (k, v) in pairs {
                    let pad = " ".repeat(w - width(k));
                    s.push_str(&format!("{k}:{pad} {}\n", paint(v)));
                }
            }
            Block::Table { columns, rows } => s.push_str(&render_table(columns, rows)),
            Block::Diff(d) => {
                for line in d.lines() {
                    let style = if line.starts_with("+++") || line.starts_with("---") {
                        Style::Bold
                    } else if line.starts_with('+') {
                        Style::Good
                    } else if line.starts_with('-') {
                        Style::Bad
                    } else if line.starts_with("@@") {
                        Style::Dim
                    } else {
                        Style::Plain
                    };
                    s.push_str(&paint(&Cell::styled(line, style)));
                    s.push('\n');
                }
            }
        }
    }
    s
}

pub fn render_table(columns: &[String], rows: &[Vec<Cell>]) -> String {
    let widths = table_widths(columns, rows);
    let mut s = render_header(columns, &widths);
    for r in rows {
        s.push_str(&render_row(&widths, r));
    }
    s
}

/// The width of each column: the widest of its header and its cells.
pub fn table_widths(columns: &[String], rows: &[Vec<Cell>]) -> Vec<usize> {
    let n = columns.len().max(rows.iter().map(|r| r.len()).max().unwrap_or(0));
    let mut widths = vec![0usize; n];
    for (i, c) in columns.iter().enumerate() {
        widths[i] = width(c);
    }
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(&c.text));
        }
    }
    widths
}

/// The bold header line of a table whose columns are `widths` wide.
pub fn render_header(columns: &[String], widths: &[usize]) -> String {
    let n = widths.len();
    let bold = Ansi::new().bold();
    let header: Vec<String> = (0..n)
        .map(|i| {
            let c = columns.get(i).map(String::as_str).unwrap_or("");
            if i + 1 == n { c.to_string() } else { format!("{c:<w$}", w = widths[i]) }
        })
        .collect();
    format!("{bold}{}{bold:#}\n", header.join("  ").trim_end())
}

/// One row of a table whose columns are `widths` wide; a cell wider than its column (a table
/// printed as it streams, whose widths came from its first rows) pushes the rest right.
pub fn render_row(widths: &[usize], r: &[Cell]) -> String {
    let n = widths.len();
    let mut line = String::new();
    for (i, w) in widths.iter().enumerate() {
        let empty = Cell::from("");
        let c = r.get(i).unwrap_or(&empty);
        line.push_str(&paint(c));
        if i + 1 < n {
            line.push_str(&" ".repeat(w.saturating_sub(width(&c.text)) + 2));
        }
    }
    let mut line = line.trim_end().to_string();
    line.push('\n');
    line
}
