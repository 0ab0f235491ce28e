//! Converting the embedding's [`WasmError`] to tusk's [`Error`]: location, hint and exit code
//! (124 when a limit stops the guest, 134 on a trap).

use std::path::Path;
use tusk_registry::{Error, ExitStatus};
use tusk_wasm_runtime::{self as rt, WasmError};

/// Converts an embedding error to tusk's error, with location, hint and exit code.
pub fn convert(e: WasmError, file: Option<&Path>) -> Error {
    let at = |err: Error| match file {
        Some(f) => err.at(f.display().to_string()),
        None => err,
    };
    match e {
        WasmError::Read { ref path, .. } => {
            let p = path.display().to_string();
            Error::usage(e.to_string()).at(p).with_hint("check the path")
        }
        WasmError::NotWasm { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("expected a .wasm binary (\\0asm magic), WebAssembly text (.wat), or a .cwasm from `tusk @wasm compile`"),
        WasmError::Invalid { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("the file may be truncated or built for a proposal this engine does not enable; `tusk @wasm validate` shows the offset"),
        WasmError::Incompatible { ref path, .. } => Error::usage(e.to_string())
            .at(path.display().to_string())
            .with_hint("recompile it with this tusk: `tusk @wasm compile <the .wasm>` (add --fuel or --timeout if you run it with that limit), or run the .wasm itself"),
        WasmError::Link { ref path, .. } => Error::failed(e.to_string())
            .at(path.display().to_string())
            .with_hint("tusk provides WASI preview 1 to modules and WASI 0.2 to components; other imports cannot be satisfied"),
        WasmError::Trap { ref frames, ref message } => {
            let mut msg = format!("wasm trap: {message}");
            push_frames(&mut msg, frames);
            at(Error::failed(msg))
                .with_exit(ExitStatus::Code(rt::EXIT_TRAP))
                .with_hint(format!("the guest crashed; tusk exits with {} on a trap", rt::EXIT_TRAP))
        }
        WasmError::Limit { limit: rt::Limit::HostMemory { requested_bytes }, .. } => {
            at(Error::failed(e.to_string())).with_exit(ExitStatus::Code(rt::EXIT_LIMIT)).with_hint(format!(
                "the module's memory minimum ({requested_bytes} bytes) is more than this process may map (ulimit -v / -d, or the machine); \
                 run it where it may, or pass --max-memory to refuse such guests up front; tusk exits with {} when a limit stops a guest",
                rt::EXIT_LIMIT
            ))
        }
        WasmError::Limit { ref limit, ref frames } => {
            let mut msg = limit.to_string();
            push_frames(&mut msg, frames);
            at(Error::failed(msg)).with_exit(ExitStatus::Code(rt::EXIT_LIMIT)).with_hint(format!(
                "raise {} if the guest needs more; tusk exits with {} when a limit stops a guest",
                limit.flag(),
                rt::EXIT_LIMIT
            ))
        }
        WasmError::Interrupted => Error::interrupted(),
        WasmError::Usage(m) => at(Error::usage(m)),
        WasmError::Other(m) => at(Error::failed(m)),
    }
}

fn push_frames(msg: &mut String, frames: &[rt::Frame]) {
    if frames.is_empty() {
        return;
    }
    msg.push_str("\nwasm backtrace:");
    // Consecutive identical frames (deep recursion) are printed once with a count.
    let mut i = 0;
    while i < frames.len() {
        let mut j = i + 1;
        while j < frames.len() && frames[j] == frames[i] {
            j += 1;
        }
        msg.push_str(&format!("\n  {i:>3}: {}", frames[i]));
        if j - i > 1 {
            msg.push_str(&format!(" (repeated {} times)", j - i));
        }
        i = j;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// What a user sees when the host cannot map the memory a module declares, and for the
    /// `--dir` values refused as bad input.
    #[test]
    fn host_memory_and_dir_messages() {
        let e = convert(
            WasmError::Limit { limit: rt::Limit::HostMemory { requested_bytes: 1 << 32 }, frames: Vec::new() },
            Some(Path::new("x.wat")),
        );
        let mut out = vec![format!(
            "{}\n  --> {}\nhint: {}\n[exit {:?}]",
            e.message,
            e.location.unwrap(),
            e.hint.unwrap(),
            e.exit_override.unwrap()
        )];
        let d = tempfile::tempdir().unwrap();
        let host = d.path().display().to_string();
        for arg in [format!("{host}::../../x"), "d\u{1}::/x".to_string(), "::/x".to_string()] {
            out.push(crate::options::parse_dir(&arg, false).unwrap_err().replace(&host, "[DIR]"));
        }
        insta::assert_snapshot!(out.join("\n\n"));
    }
}
