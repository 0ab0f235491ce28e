//! `@wasm inspect`: what a module or component is made of. The structure is read with
//! wasmparser; a component's function signatures need wasmtime's view of it, so a component
//! is also compiled (or mapped from the compiled-code cache).

use crate::config::WasmConfig;
use crate::error::convert;
use crate::options::{Grants, Limits, options};
use crate::runtime::{load, runtime};
use crate::size::human_size;
use clap::Args;
use std::path::PathBuf;
use tusk_registry::{Block, Cell, Context, Output, Style};
use tusk_wasm_runtime as rt;

const LONG_ABOUT: &str = "Shows what a module or component is made of: kind, size and digest, imports, exports, \
memories, tables, custom sections and producers.\n\n\
A core module is only parsed, never compiled. A component is also compiled (or loaded from the \
compiled-code cache, which it then fills like `run` does) so that its imports and exports can be \
shown with their function signatures. Code precompiled by `compile` (.cwasm) cannot be inspected: \
inspect the .wasm it came from.";

const EXAMPLES: &str = "Examples:\n  tusk @wasm inspect app.wasm\n  tusk @wasm -o json inspect app.wasm | jq '.imports[].name'";

#[derive(Debug, Args)]
#[command(
    about = "Show kind, imports, exports, memories, tables, custom sections and producers",
    long_about = LONG_ABOUT,
    after_long_help = EXAMPLES
)]
pub struct InspectCommand {
    /// A .wasm or .wat module or component
    file: PathBuf,
}

impl InspectCommand {
    pub fn execute(self, config: &WasmConfig, ctx: &Context) -> tusk_registry::Result<Output> {
        let file = self.file;
        let mut r = rt::inspect::inspect(&file).map_err(|e| convert(e, Some(&file)))?;
        if r.kind == "component" {
            // Signatures need wasmtime's view of the component: compile it (or map it from the cache).
            let opts = options(&Limits::default(), &Grants::default(), config, ctx, false)?;
            let runtime = runtime(&opts)?;
            if let rt::Loaded::Component(c) = &load(&runtime, &file, ctx)?.code {
                rt::inspect::component_signatures(runtime.engine(), c, &mut r);
            }
        }
        Ok(view(&file, &r))
    }
}

/// The human view of a report: a key/value head, then one table per section.
fn view(file: &std::path::Path, r: &rt::inspect::Report) -> Output {
    let mut out = Output::new(r).kv([
        ("file", Cell::from(file.display().to_string())),
        ("kind", Cell::from(format!("{} ({})", r.kind, r.encoding))),
        ("size", Cell::from(human_size(r.size))),
        ("sha256", Cell::from(r.sha256.clone())),
    ]);
    if let Some(n) = r.core_modules {
        out = out.kv([("core modules", Cell::from(n.to_string()))]);
    }
    let section = |out: Output, title: &str, empty: bool| {
        let o = out.block(Block::Heading(title.to_string()));
        if empty { o.text(Cell::styled("(none)", Style::Dim)) } else { o }
    };
    out = section(out, "imports", r.imports.is_empty());
    if !r.imports.is_empty() {
        let rows = r
            .imports
            .iter()
            .map(|i| {
                let name = if i.module.is_empty() { i.name.clone() } else { format!("{}::{}", i.module, i.name) };
                vec![Cell::from(name), Cell::from(i.kind.clone()), Cell::from(i.ty.clone())]
            })
            .collect();
        out = out.table(&["NAME", "KIND", "TYPE"], rows);
    }
    out = section(out, "exports", r.exports.is_empty());
    if !r.exports.is_empty() {
        let rows = r.exports.iter().map(|e| vec![Cell::from(e.name.clone()), Cell::from(e.kind.clone()), Cell::from(e.ty.clone())]).collect();
        out = out.table(&["NAME", "KIND", "TYPE"], rows);
    }
    if !r.kind.eq("component") {
        out = section(out, "memories", r.memories.is_empty());
        if !r.memories.is_empty() {
            let rows = r
                .memories
                .iter()
                .map(|m| {
                    let max = m.max_pages.map(|p| p.to_string()).unwrap_or_else(|| "-".into());
                    let mut flags = Vec::new();
                    if m.imported {
                        flags.push("imported");
                    }
                    if m.memory64 {
                        flags.push("memory64");
                    }
                    if m.shared {
                        flags.push("shared");
                    }
                    vec![Cell::from(m.index.to_string()), Cell::from(m.min_pages.to_string()), Cell::from(max), Cell::from(flags.join(","))]
                })
                .collect();
            out = out.table(&["INDEX", "MIN PAGES", "MAX PAGES", "FLAGS"], rows);
        }
        out = section(out, "tables", r.tables.is_empty());
        if !r.tables.is_empty() {
            let rows = r
                .tables
                .iter()
                .map(|t| {
                    vec![
                        Cell::from(t.index.to_string()),
                        Cell::from(t.element.clone()),
                        Cell::from(t.min.to_string()),
                        Cell::from(t.max.map(|m| m.to_string()).unwrap_or_else(|| "-".into())),
                    ]
                })
                .collect();
            out = out.table(&["INDEX", "ELEMENT", "MIN", "MAX"], rows);
        }
    }
    out = section(out, "custom sections", r.custom_sections.is_empty());
    if !r.custom_sections.is_empty() {
        let rows = r.custom_sections.iter().map(|c| vec![Cell::from(c.name.clone()), Cell::from(human_size(c.size))]).collect();
        out = out.table(&["NAME", "SIZE"], rows);
    }
    if !r.producers.is_empty() {
        out = out.block(Block::Heading("producers".into()));
        let rows = r
            .producers
            .iter()
            .map(|p| vec![Cell::from(p.field.clone()), Cell::from(p.name.clone()), Cell::from(p.version.clone())])
            .collect();
        out = out.table(&["FIELD", "NAME", "VERSION"], rows);
    }
    out
}
