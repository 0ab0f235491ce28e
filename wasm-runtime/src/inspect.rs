//! `inspect`: what is inside a module or component, read with wasmparser (no compilation);
//! [`component_signatures`] adds the function signatures only a compiled component knows.

use crate::{Kind, WasmError, detect};
use serde::Serialize;
use std::path::Path;
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub kind: String,
    pub encoding: String,
    pub size: u64,
    pub sha256: String,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub memories: Vec<Memory>,
    pub tables: Vec<Table>,
    pub custom_sections: Vec<CustomSection>,
    pub producers: Vec<Producer>,
    /// For components: the core modules embedded in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_modules: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub name: String,
    pub kind: String,
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    pub index: u32,
    pub min_pages: u64,
    pub max_pages: Option<u64>,
    pub memory64: bool,
    pub shared: bool,
    pub imported: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub index: u32,
    pub element: String,
    pub min: u64,
    pub max: Option<u64>,
    pub imported: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomSection {
    pub name: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Producer {
    pub field: String,
    pub name: String,
    pub version: String,
}

pub fn inspect(path: &Path) -> Result<Report, WasmError> {
    let bytes = std::fs::read(path).map_err(|source| WasmError::Read { path: path.to_path_buf(), source })?;
    let kind = detect(&bytes).map_err(|detail| WasmError::NotWasm { path: path.to_path_buf(), detail })?;
    let invalid = |detail: String| WasmError::Invalid { path: path.to_path_buf(), detail };
    let binary = match kind {
        Kind::ModuleText | Kind::ComponentText => crate::wat_to_binary(path, &bytes)?,
        Kind::Precompiled(_) => {
            return Err(WasmError::Usage(format!(
                "{} is precompiled native code; inspect the .wasm it was compiled from",
                path.display()
            )));
        }
        _ => bytes.clone(),
    };
    let mut r = Report {
        kind: kind.name().to_string(),
        encoding: kind.encoding().to_string(),
        size: bytes.len() as u64,
        sha256: crate::cache::sha256_hex(&binary),
        ..Report::default()
    };
    if kind.is_component() {
        component(&binary, &mut r).map_err(|e| invalid(e.to_string()))?;
    } else {
        module(&binary, &mut r).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(r)
}

fn module(bytes: &[u8], r: &mut Report) -> wasmparser::Result<()> {
    let mut types: Vec<String> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut globals: Vec<String> = Vec::new();
    let mut mem_count = 0u32;
    let mut table_count = 0u32;
    let mut tag_types: Vec<u32> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(s) => {
                for rec in s {
                    for sub in rec?.into_types() {
                        types.push(match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => func_sig(f),
                            other => format!("{other:?}").to_lowercase(),
                        });
                    }
                }
            }
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    let imp = imp?;
                    let (kind, ty) = match imp.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            func_types.push(t);
                            ("func", types.get(t as usize).cloned().unwrap_or_default())
                        }
                        TypeRef::Memory(m) => {
                            r.memories.push(memory(mem_count, &m, true));
                            mem_count += 1;
                            ("memory", mem_text(&m))
                        }
                        TypeRef::Table(t) => {
                            r.tables.push(table(table_count, &t, true));
                            table_count += 1;
                            ("table", format!("{} {}", t.element_type, limits(t.initial, t.maximum)))
                        }
                        TypeRef::Global(g) => {
                            let t = global_text(&g);
                            globals.push(t.clone());
                            ("global", t)
                        }
                        TypeRef::Tag(t) => {
                            tag_types.push(t.func_type_idx);
                            ("tag", types.get(t.func_type_idx as usize).cloned().unwrap_or_default())
                        }
                    };
                    r.imports.push(Import { module: imp.module.to_string(), name: imp.name.to_string(), kind: kind.into(), ty });
                }
            }
            Payload::FunctionSection(s) => {
                for t in s {
                    func_types.push(t?);
                }
            }
            Payload::MemorySection(s) => {
                for m in s {
                    let m = m?;
                    r.memories.push(memory(mem_count, &m, false));
                    mem_count += 1;
                }
            }
            Payload::TableSection(s) => {
                for t in s {
                    let t = t?;
                    r.tables.push(table(table_count, &t.ty, false));
                    table_count += 1;
                }
            }
            Payload::GlobalSection(s) => {
                for g in s {
                    globals.push(global_text(&g?.ty));
                }
            }
            Payload::TagSection(s) => {
                for t in s {
                    tag_types.push(t?.func_type_idx);
                }
            }
            Payload::ExportSection(s) => {
                for e in s {
                    let e = e?;
                    let (kind, ty) = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => (
                            "func",
                            func_types.get(e.index as usize).and_then(|t| types.get(*t as usize)).cloned().unwrap_or_default(),
                        ),
                        ExternalKind::Memory => ("memory", r.memories.get(e.index as usize).map(mem_of).unwrap_or_default()),
                        ExternalKind::Table => (
                            "table",
                            r.tables
                                .get(e.index as usize)
                                .map(|t| format!("{} {}", t.element, limits(t.min, t.max)))
                                .unwrap_or_default(),
                        ),
                        ExternalKind::Global => ("global", globals.get(e.index as usize).cloned().unwrap_or_default()),
                        ExternalKind::Tag => (
                            "tag",
                            tag_types.get(e.index as usize).and_then(|t| types.get(*t as usize)).cloned().unwrap_or_default(),
                        ),
                    };
                    r.exports.push(Export { name: e.name.to_string(), kind: kind.into(), ty });
                }
            }
            Payload::CustomSection(c) => custom(&c, r),
            _ => {}
        }
    }
    Ok(())
}

fn custom(c: &wasmparser::CustomSectionReader<'_>, r: &mut Report) {
    r.custom_sections.push(CustomSection { name: c.name().to_string(), size: c.data().len() as u64 });
    if c.name() == "producers"
        && let Ok(reader) = wasmparser::ProducersSectionReader::new(wasmparser::BinaryReader::new(c.data(), c.data_offset()))
    {
        for field in reader.into_iter().flatten() {
            for v in field.values.into_iter().flatten() {
                let p = Producer { field: field.name.to_string(), name: v.name.to_string(), version: v.version.to_string() };
                if !r.producers.iter().any(|q| q.field == p.field && q.name == p.name && q.version == p.version) {
                    r.producers.push(p);
                }
            }
        }
    }
}

/// Replaces a component's import and export types with their signatures as wasmtime sees
/// them (function signatures in WAVE/WIT notation, instances with their functions).
pub fn component_signatures(engine: &wasmtime::Engine, component: &wasmtime::component::Component, r: &mut Report) {
    use wasmtime::component::types::ComponentItem;
    fn describe(engine: &wasmtime::Engine, item: &ComponentItem) -> (String, String) {
        match item {
            ComponentItem::ComponentFunc(f) => ("func".into(), func_text(f)),
            ComponentItem::ComponentInstance(i) => {
                let funcs: Vec<String> = i
                    .exports(engine)
                    .filter_map(|(n, it)| match it.ty {
                        ComponentItem::ComponentFunc(f) => Some(format!("{n}: {}", func_text(&f))),
                        ComponentItem::Resource(_) => Some(format!("{n}: resource")),
                        _ => None,
                    })
                    .collect();
                ("instance".into(), funcs.join("; "))
            }
            ComponentItem::Type(t) => ("type".into(), wasmtime::component::wasm_wave::wasm::DisplayType(t).to_string()),
            ComponentItem::Resource(_) => ("resource".into(), String::new()),
            ComponentItem::CoreFunc(_) => ("core func".into(), String::new()),
            ComponentItem::Module(_) => ("module".into(), String::new()),
            ComponentItem::Component(_) => ("component".into(), String::new()),
        }
    }
    let ty = component.component_type();
    r.imports = ty
        .imports(engine)
        .map(|(name, item)| {
            let (kind, t) = describe(engine, &item.ty);
            Import { module: String::new(), name: name.to_string(), kind, ty: t }
        })
        .collect();
    r.exports = ty
        .exports(engine)
        .map(|(name, item)| {
            let (kind, t) = describe(engine, &item.ty);
            Export { name: name.to_string(), kind, ty: t }
        })
        .collect();
}

fn func_text(f: &wasmtime::component::types::ComponentFunc) -> String {
    use wasmtime::component::wasm_wave::wasm::DisplayType;
    let params: Vec<String> = f.params().map(|(n, t)| format!("{n}: {}", DisplayType(&t))).collect();
    let results: Vec<String> = f.results().map(|t| DisplayType(&t).to_string()).collect();
    match results.len() {
        0 => format!("func({})", params.join(", ")),
        _ => format!("func({}) -> {}", params.join(", "), results.join(", ")),
    }
}

fn component(bytes: &[u8], r: &mut Report) -> wasmparser::Result<()> {
    let mut depth = 0u32;
    let mut core_modules = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        match &payload {
            Payload::ModuleSection { .. } => {
                core_modules += 1;
                depth += 1;
                continue;
            }
            Payload::ComponentSection { .. } => {
                depth += 1;
                continue;
            }
            Payload::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if depth > 0 {
            // Producers of nested modules still describe the toolchain.
            if let Payload::CustomSection(c) = &payload
                && c.name() == "producers"
            {
                let mut scratch = Report::default();
                custom(c, &mut scratch);
                for p in scratch.producers {
                    if !r.producers.iter().any(|q| q.field == p.field && q.name == p.name && q.version == p.version) {
                        r.producers.push(p);
                    }
                }
            }
            continue;
        }
        match payload {
            Payload::ComponentImportSection(s) => {
                for imp in s {
                    let imp = imp?;
                    r.imports.push(Import {
                        module: String::new(),
                        name: imp.name.name.to_string(),
                        kind: comp_kind(&imp.ty).into(),
                        ty: format!("{:?}", imp.ty).to_lowercase(),
                    });
                }
            }
            Payload::ComponentExportSection(s) => {
                for e in s {
                    let e = e?;
                    r.exports.push(Export {
                        name: e.name.name.to_string(),
                        kind: format!("{:?}", e.kind).to_lowercase(),
                        ty: e.ty.map(|t| format!("{t:?}").to_lowercase()).unwrap_or_default(),
                    });
                }
            }
            Payload::CustomSection(c) => custom(&c, r),
            _ => {}
        }
    }
    r.core_modules = Some(core_modules);
    Ok(())
}

fn comp_kind(t: &wasmparser::ComponentTypeRef) -> &'static str {
    use wasmparser::ComponentTypeRef as C;
    match t {
        C::Module(_) => "module",
        C::Func(_) => "func",
        C::Value(_) => "value",
        C::Type(_) => "type",
        C::Instance(_) => "instance",
        C::Component(_) => "component",
    }
}

fn func_sig(f: &wasmparser::FuncType) -> String {
    let p: Vec<String> = f.params().iter().map(|t| t.to_string()).collect();
    let r: Vec<String> = f.results().iter().map(|t| t.to_string()).collect();
    format!("({}) -> ({})", p.join(", "), r.join(", "))
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(m) => format!("{min}..{m}"),
        None => format!("{min}.."),
    }
}

fn memory(index: u32, m: &wasmparser::MemoryType, imported: bool) -> Memory {
    Memory { index, min_pages: m.initial, max_pages: m.maximum, memory64: m.memory64, shared: m.shared, imported }
}

fn mem_text(m: &wasmparser::MemoryType) -> String {
    let mut s = format!("{} pages", limits(m.initial, m.maximum));
    if m.memory64 {
        s.push_str(" i64");
    }
    if m.shared {
        s.push_str(" shared");
    }
    s
}

fn mem_of(m: &Memory) -> String {
    let mut s = format!("{} pages", limits(m.min_pages, m.max_pages));
    if m.memory64 {
        s.push_str(" i64");
    }
    if m.shared {
        s.push_str(" shared");
    }
    s
}

fn table(index: u32, t: &wasmparser::TableType, imported: bool) -> Table {
    Table { index, element: t.element_type.to_string(), min: t.initial, max: t.maximum, imported }
}

fn global_text(g: &wasmparser::GlobalType) -> String {
    if g.mutable { format!("mut {}", g.content_type) } else { g.content_type.to_string() }
}
