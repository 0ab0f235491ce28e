//! The human view of resolutions: a table of packages, or one tree per ecosystem.

use tusk_registry::{Cell, Output, Style};
use tusk_resolver::Resolution;

/// The resolutions as a table (or trees, at most `depth` levels below the roots).
pub fn render(resolutions: &[Resolution], tree: bool, depth: Option<usize>) -> Output {
    let data = serde_json::json!({ "ecosystems": resolutions });
    let mut out = Output::new(data);
    if tree {
        for r in resolutions {
            out = out.block(tusk_registry::Block::Heading(tusk_resolver::view::heading(r.ecosystem, r)));
            out = out.lines(tusk_resolver::view::tree(r, depth));
        }
    } else {
        let mut rows = Vec::new();
        for r in resolutions {
            for p in &r.packages {
                let direct = r.root_edges.iter().any(|e| e.name == p.name && e.version == p.version);
                rows.push(vec![
                    Cell::from(r.ecosystem.name()),
                    Cell::styled(p.name.clone(), if direct { Style::Bold } else { Style::Plain }),
                    Cell::from(p.version.clone()),
                    Cell::styled(p.features.join(","), Style::Dim),
                    Cell::from(p.note.clone().unwrap_or_default()),
                ]);
            }
        }
        let total: usize = resolutions.iter().map(|r| r.packages.len()).sum();
        out = out.table(&["ECOSYSTEM", "PACKAGE", "VERSION", "FEATURES", "NOTE"], rows);
        let counts: Vec<String> = resolutions.iter().map(|r| format!("{} {}", r.ecosystem, r.packages.len())).collect();
        out = out.text(Cell::styled(format!("{total} packages ({})", counts.join(", ")), Style::Dim));
    }
    out
}
