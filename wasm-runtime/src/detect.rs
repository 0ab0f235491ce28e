//! What a file is, from its bytes.

/// The kind of a program file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A core WebAssembly module (binary).
    Module,
    /// A WebAssembly component (binary).
    Component,
    /// WebAssembly text of a module.
    ModuleText,
    /// WebAssembly text of a component.
    ComponentText,
    /// Code precompiled by wasmtime (`tusk @wasm compile`).
    Precompiled(Precompiled),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precompiled {
    Module,
    Component,
}

impl Kind {
    pub fn is_component(self) -> bool {
        matches!(self, Kind::Component | Kind::ComponentText | Kind::Precompiled(Precompiled::Component))
    }
    /// `module` or `component`.
    pub fn name(self) -> &'static str {
        if self.is_component() { "component" } else { "module" }
    }
    /// `binary`, `text` or `precompiled`.
    pub fn encoding(self) -> &'static str {
        match self {
            Kind::Module | Kind::Component => "binary",
            Kind::ModuleText | Kind::ComponentText => "text",
            Kind::Precompiled(_) => "precompiled",
        }
    }
}

const MAGIC: &[u8; 4] = b"\0asm";

/// Detects the kind of `bytes`. The error says what the bytes look like instead.
pub fn detect(bytes: &[u8]) -> Result<Kind, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.starts_with(MAGIC) {
        if bytes.len() < 8 {
            return Err(format!("the file is truncated: {} bytes, shorter than the 8-byte header", bytes.len()));
        }
        return match (bytes[4], bytes[5], bytes[6], bytes[7]) {
            (1, 0, 0, 0) => Ok(Kind::Module),
            (_, _, 1, 0) => Ok(Kind::Component),
            (a, b, c, d) => Err(format!("unknown WebAssembly version/layer {a:#04x} {b:#04x} {c:#04x} {d:#04x}")),
        };
    }
    if bytes.starts_with(b"\x7fELF") {
        return match wasmtime::Engine::detect_precompiled(bytes) {
            Some(wasmtime::Precompiled::Module) => Ok(Kind::Precompiled(Precompiled::Module)),
            Some(wasmtime::Precompiled::Component) => Ok(Kind::Precompiled(Precompiled::Component)),
            None => Err("an ELF file that is not code precompiled by wasmtime".into()),
        };
    }
    // Text: skip whitespace and comments, expect `(module` or `(component`.
    let Ok(text) = std::str::from_utf8(bytes) else {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(format!("binary data starting with {} (expected the \\0asm magic or WebAssembly text)", head.join(" ")));
    };
    let rest = skip_trivia(text);
    if rest.starts_with("(component") {
        Ok(Kind::ComponentText)
    } else if rest.starts_with("(module") || rest.starts_with('(') {
        // A module may also be written as bare fields `(func …)`.
        Ok(Kind::ModuleText)
    } else {
        let first = rest.lines().next().unwrap_or("").chars().take(40).collect::<String>();
        Err(format!("text that is not WebAssembly text (starts with `{first}`)"))
    }
}

fn skip_trivia(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        if let Some(r) = t.strip_prefix(";;") {
            s = r.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(r) = t.strip_prefix("(;") {
            s = r.split_once(";)").map(|(_, r)| r).unwrap_or("");
        } else {
            return t;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(detect(b"\0asm\x01\0\0\0").unwrap(), Kind::Module);
        assert_eq!(detect(b"\0asm\x0d\0\x01\0").unwrap(), Kind::Component);
        assert_eq!(detect(b";; hi\n(module)").unwrap(), Kind::ModuleText);
        assert_eq!(detect(b"(; c ;) (component)").unwrap(), Kind::ComponentText);
        assert!(detect(b"").unwrap_err().contains("empty"));
        assert!(detect(b"\0asm\x01").unwrap_err().contains("truncated"));
        assert!(detect(b"\x89PNG\r\n").unwrap_err().contains("89 50 4e 47"));
        assert!(detect(b"hello world").unwrap_err().contains("hello world"));
        assert!(detect(b"\x7fELF\x02\x01\x01").unwrap_err().contains("ELF"));
    }
}
