//! What the documentation shows is what tusk does.
//!
//! A fenced block in README.md or docs/*.md whose info string carries `{run}` is executed:
//!
//! ````markdown
//! ```console {run}
//! $ tusk @pip version compare 1.0 1.0.0
//! =
//! $ tusk @pip version satisfies '=>2.0' 2.0
//! error: invalid pypi range `=>2.0`: …
//! [exit 2]
//! ```
//! ````
//!
//! * Each `$ ` line is a command (a trailing `\` continues it on the next line), run with `sh -c`
//!   so quotes, pipes and `# comments` read as a reader's shell reads them; `tusk` is the binary
//!   under test. The lines up to the next `$ ` line are its expected output: stdout and stderr
//!   merged in the order they were written, compared exactly (trailing blank lines aside).
//! * A last line `[exit N]` is the expected exit status; without it the command must exit 0.
//! * Commands run in the repository root, or in `{run cwd=DIR}` (relative to it), with a fresh
//!   temporary HOME/XDG tree per block (the commands of one block share it, so a block can install
//!   a plugin and then run it) and a clean environment, as `tusk_tests::TestContext` sets it up.
//! * Before comparing, both sides are normalised: the temporary home is shown as `~` (as the
//!   pages write it), durations (`0.6s`, `500ms`) become `[TIME]`.
//!
//! Only hermetic commands may be marked: no network, no cluster, no cloud, nothing written
//! outside the temporary home (so no `@wasm compile` in the repository).
//!
//! The same module checks that the dependency diagram in docs/architecture.md is what
//! scripts/deps-diagram.py generates from `cargo metadata`.

// Test code: a setup step that fails (no temp dir, no pipe) ends the test with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tusk_tests::test_context;

fn repo() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(&p).unwrap_or(p)
}

/// README.md, then docs/*.md in name order.
fn pages() -> Vec<PathBuf> {
    let root = repo();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("read docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut all = vec![root.join("README.md")];
    all.extend(docs);
    all
}

/// One `$ ` command of a runnable block with what the page says it prints.
#[derive(Debug, PartialEq)]
struct Step {
    line: usize,
    command: String,
    output: String,
    exit: i32,
}

#[derive(Debug, PartialEq)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    cwd: Option<String>,
    steps: Vec<Step>,
}

/// The runnable blocks of one page. An error names the line of a malformed block.
fn parse(text: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let fence: String = trimmed.chars().take_while(|&c| c == '`' || c == '~').collect();
        if fence.len() < 3 {
            i += 1;
            continue;
        }
        let info = &trimmed[fence.len()..];
        let start = i;
        // The block ends at the first line that is the same fence (or longer) and nothing else.
        let mut end = i + 1;
        while end < lines.len() {
            let l = lines[end].trim();
            if l.starts_with(&fence) && l.chars().all(|c| c == fence.chars().next().unwrap_or('`')) {
                break;
            }
            end += 1;
        }
        if end == lines.len() {
            return Err(format!("line {}: the fence is never closed", start + 1));
        }
        if let Some(attrs) = run_attrs(info).map_err(|e| format!("line {}: {e}", start + 1))? {
            let cwd = attrs;
            let steps = parse_steps(&lines[start + 1..end], start + 2).map_err(|e| format!("line {}: {e}", start + 1))?;
            blocks.push(Block { line: start + 1, cwd, steps });
        }
        i = end + 1;
    }
    Ok(blocks)
}

/// `Some(cwd)` when the info string marks the block runnable (`{run}`, `{run cwd=DIR}`).
fn run_attrs(info: &str) -> Result<Option<Option<String>>, String> {
    let Some(open) = info.find('{') else { return Ok(None) };
    let Some(close) = info[open..].find('}') else { return Err(format!("unclosed `{{` in the info string `{info}`")) };
    let mut words = info[open + 1..open + close].split_whitespace();
    if words.next() != Some("run") {
        return Ok(None);
    }
    let mut cwd = None;
    for w in words {
        match w.split_once('=') {
            Some(("cwd", dir)) => cwd = Some(dir.to_string()),
            _ => return Err(format!("unknown attribute `{w}` in `{info}` (known: cwd=DIR)")),
        }
    }
    Ok(Some(cwd))
}

fn parse_steps(lines: &[&str], first_line: usize) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(cmd) = lines[i].strip_prefix("$ ") else {
            match steps.last_mut() {
                Some(step) => {
                    step.output.push_str(lines[i]);
                    step.output.push('\n');
                }
                None if lines[i].trim().is_empty() => {}
                None => return Err(format!("output before the first `$ ` command: `{}`", lines[i])),
            }
            i += 1;
            continue;
        };
        let line = first_line + i;
        let mut command = cmd.to_string();
        while command.ends_with('\\') && i + 1 < lines.len() {
            command.pop();
            i += 1;
            command.push_str(lines[i].trim_start());
        }
        steps.push(Step { line, command, output: String::new(), exit: 0 });
        i += 1;
    }
    if steps.is_empty() {
        return Err("a runnable block without a `$ ` command".to_string());
    }
    for step in &mut steps {
        let out = trim_blank_tail(&step.output);
        let (rest, last) = out.rsplit_once('\n').unwrap_or(("", out));
        let output = match last.strip_prefix("[exit ").and_then(|s| s.strip_suffix(']')) {
            Some(code) => {
                step.exit = code.parse().map_err(|_| format!("line {}: `{last}` is not `[exit N]`", step.line))?;
                trim_blank_tail(rest).to_string()
            }
            None => out.to_string(),
        };
        step.output = output;
    }
    Ok(steps)
}

fn trim_blank_tail(s: &str) -> &str {
    s.trim_end_matches(['\n', ' ', '\r'])
}

/// `12ms`, `0.6s`, `1.5s` → `[TIME]` (the same rule as `TestContext::filters`).
fn normalize_durations(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !word(b[i - 1])) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
                j += 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
            }
            let unit = if s[j..].starts_with("ms") { 2 } else if s[j..].starts_with('s') { 1 } else { 0 };
            if unit > 0 && (j + unit == b.len() || !word(b[j + unit])) {
                out.push_str("[TIME]");
                i = j + unit;
                continue;
            }
            out.push_str(&s[i..j]);
            i = j;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// A line diff (longest common subsequence) of expected vs actual, `-`/`+` marked.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, "   {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "  -{}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "  +{}", b[j]);
            j += 1;
        }
    }
    out
}

/// Runs one block in a fresh temporary home; returns a message per step that differs.
fn run_block(page: &str, block: &Block) -> Vec<String> {
    let ctx = test_context!();
    // `tusk` on PATH is the binary under test, alone in its folder: the cargo target dir also
    // holds `tusk-kube-fake`, which tusk would list as a process plugin.
    let shim = ctx.root().join("bin");
    std::fs::create_dir_all(&shim).expect("create shim dir");
    std::os::unix::fs::symlink(ctx.bin(), shim.join("tusk")).expect("link tusk");
    let cwd = match &block.cwd {
        Some(dir) => repo().join(dir),
        None => repo(),
    };
    let home = ctx.home();
    let home_canonical = std::fs::canonicalize(&home).unwrap_or_else(|_| home.clone());
    let normalize = |s: &str| {
        let s = s.replace(&home_canonical.display().to_string(), "~").replace(&home.display().to_string(), "~");
        normalize_durations(trim_blank_tail(&s))
    };
    let mut failures = Vec::new();
    for step in &block.steps {
        let base = ctx.command();
        let mut cmd = Command::new("sh");
        cmd.env_clear();
        for (k, v) in base.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env("PATH", format!("{}:{path}", shim.display()));
        cmd.arg("-c").arg(&step.command).current_dir(&cwd).stdin(Stdio::null());
        // One pipe for both streams keeps the order a terminal shows.
        let (mut reader, writer) = std::io::pipe().expect("pipe");
        cmd.stdout(writer.try_clone().expect("clone pipe")).stderr(writer);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{page}:{}: cannot run sh: {e}", step.line));
        drop(cmd);
        let mut raw = Vec::new();
        reader.read_to_end(&mut raw).expect("read output");
        let status = child.wait().expect("wait for the command");
        let actual = normalize(&String::from_utf8_lossy(&raw));
        let expected = normalize(&step.output);
        let code = status.code().unwrap_or(-1);
        if actual != expected || code != step.exit {
            let mut msg = format!("{page}:{}: `$ {}`\n", step.line, step.command);
            if code != step.exit {
                let _ = writeln!(msg, "  exit status {code}, the page says {}", step.exit);
            }
            if actual != expected {
                let _ = writeln!(msg, "  output differs (-page +tusk):");
                msg.push_str(&diff(&expected, &actual));
            }
            failures.push(msg);
        }
    }
    failures
}

#[test]
fn runnable_blocks_match_their_output() {
    let root = repo();
    let mut work = Vec::new();
    for path in pages() {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {rel}: {e}"));
        let blocks = parse(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        work.extend(blocks.into_iter().map(|b| (rel.clone(), b)));
    }
    let commands: usize = work.iter().map(|(_, b)| b.steps.len()).sum();
    // Guards against the marker silently matching nothing (a renamed info string, a moved page).
    assert!(work.len() >= 20, "only {} runnable blocks found in README.md and docs/*.md", work.len());
    // Two blocks at a time: the machine this runs on may have two cores.
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<_> = work.chunks(work.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || chunk.iter().flat_map(|(page, block)| run_block(page, block)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("block runner panicked")).collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {commands} documented commands ({} blocks) do not print what the page says:\n\n{}",
        failures.len(),
        work.len(),
        failures.join("\n")
    );
}

#[test]
fn parser_reads_commands_outputs_and_exit_codes() {
    let page = "text\n\n```console {run cwd=fixtures}\n$ tusk a \\\n  b\nout 1\n\nout 2\n\n$ tusk c   # comment\nerror: x\n[exit 2]\n```\n\n```console\n$ tusk not-run\n```\n";
    let blocks = parse(page).expect("parses");
    assert_eq!(
        blocks,
        vec![Block {
            line: 3,
            cwd: Some("fixtures".into()),
            steps: vec![
                Step { line: 4, command: "tusk a b".into(), output: "out 1\n\nout 2".into(), exit: 0 },
                Step { line: 10, command: "tusk c   # comment".into(), output: "error: x".into(), exit: 2 },
            ],
        }]
    );
    assert!(parse("```console {run}\nno command\n```\n").unwrap_err().contains("line 1"));
    assert!(parse("```console {run dir=x}\n$ tusk\n```\n").unwrap_err().contains("unknown attribute"));
    assert!(parse("```console {run}\n$ tusk\n").unwrap_err().contains("never closed"));
}

#[test]
fn durations_are_normalised_and_nothing_else() {
    assert_eq!(normalize_durations("in 0.6s, 500ms; 17.8 KiB v1.2 x2s 3 units"), "in [TIME], [TIME]; 17.8 KiB v1.2 x2s 3 units");
}

#[test]
fn diff_marks_page_lines_minus_and_tusk_lines_plus() {
    assert_eq!(diff("a\nb\nc", "a\nx\nc"), "   a\n  -b\n  +x\n   c\n");
}

/// docs/architecture.md embeds the crate graph; regenerate it with `scripts/deps-diagram.py --write`.
#[test]
fn architecture_diagram_is_current() {
    let root = repo();
    let out = Command::new("python3")
        .arg(root.join("scripts/deps-diagram.py"))
        .current_dir(&root)
        .output()
        .expect("run python3 scripts/deps-diagram.py");
    assert!(out.status.success(), "scripts/deps-diagram.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let page = std::fs::read_to_string(root.join("docs/architecture.md")).expect("read docs/architecture.md");
    let begin = "<!-- DEPS-DIAGRAM:BEGIN (generated by scripts/deps-diagram.py; do not edit) -->\n";
    let start = page.find(begin).expect("docs/architecture.md lacks the DEPS-DIAGRAM:BEGIN marker") + begin.len();
    let end = page.find("<!-- DEPS-DIAGRAM:END -->").expect("docs/architecture.md lacks the DEPS-DIAGRAM:END marker");
    assert!(
        page[start..end] == generated,
        "docs/architecture.md's dependency diagram is stale; run `scripts/deps-diagram.py --write`:\n{}",
        diff(&page[start..end], &generated)
    );
}
