//! Explanations of "no solution" from PubGrub's derivation tree, in uv's style:
//! "Because flask>=3.0 depends on werkzeug>=3.0 and you require werkzeug<3, flask>=3.0 cannot
//! be used. And because you require flask>=3, we can conclude that your requirements are
//! unsatisfiable."
//!
//! The tree is reduced first ([`reduce`]: PubGrub's `collapse_no_versions`, then runs of
//! "x 1.0 depends on y ^1.0", "x 1.1 depends on y ^1.1", … merged into one), the root is
//! spoken of as "you", virtual packages are named the ecosystem's way (`serde[derive]` for a
//! Cargo feature, `requests[socks]` for an extra) and a dependency of a feature on its own
//! base package is left out of the sentence that would state it.

use crate::{Ecosystem, Pkg};
use pubgrub::{DefaultStringReporter, DerivationTree, Derived, External, Map, ReportFormatter, Reporter, Term, VersionSet};
use std::fmt::Display;
use std::sync::Arc;

/// Simplifies a derivation tree before it is explained: drops "no versions" leaves PubGrub
/// can fold away, and merges every pair of facts "x in r1 depends on y in s1" and "x in r2
/// depends on y in s2" into "x in r1|r2 depends on y in s1|s2". Without the merge a package
/// whose every release needs the one before's minor (react-dom 19.x on react ^19.x) is
/// explained one release per line; with it, in one sentence, which is equally true.
pub fn reduce<VS: VersionSet>(tree: &mut DerivationTree<Pkg, VS, String>) {
    tree.collapse_no_versions();
    *tree = merge_dependency_runs(tree);
}

fn merge_dependency_runs<VS: VersionSet>(tree: &DerivationTree<Pkg, VS, String>) -> DerivationTree<Pkg, VS, String> {
    let DerivationTree::Derived(derived) = tree else {
        return tree.clone();
    };
    let cause1 = merge_dependency_runs(&derived.cause1);
    let cause2 = merge_dependency_runs(&derived.cause2);
    if let (
        DerivationTree::External(External::FromDependencyOf(p1, r1, d1, s1)),
        DerivationTree::External(External::FromDependencyOf(p2, r2, d2, s2)),
    ) = (&cause1, &cause2)
        && p1 == p2
        && d1 == d2
        && !matches!(p1, Pkg::Root)
        // Only where the derived fact is about exactly these two packages, so the merged
        // sentence says what the derived one did.
        && derived.terms.len() == 2
        && derived.terms.contains_key(p1)
        && derived.terms.contains_key(d1)
    {
        return DerivationTree::External(External::FromDependencyOf(p1.clone(), r1.union(r2), d1.clone(), s1.union(s2)));
    }
    DerivationTree::Derived(Derived { terms: derived.terms.clone(), shared_id: derived.shared_id, cause1: Arc::new(cause1), cause2: Arc::new(cause2) })
}

/// The explanation for a derivation tree, one sentence per line.
/// `set_fmt` renders the versions of a package that a sentence talks about (narrowed to the
/// versions that exist); `raw_fmt` renders a requirement as written (dependency targets and
/// your own requirements).
pub fn explain<VS>(
    tree: &DerivationTree<Pkg, VS, String>,
    eco: Ecosystem,
    set_fmt: &dyn Fn(&Pkg, &VS) -> String,
    raw_fmt: &dyn Fn(&VS) -> String,
) -> String
where
    VS: VersionSet + Display,
{
    let text = match tree {
        // A lone external fact ("you require x 9", "there is no version of x 9"): say it as
        // a whole sentence.
        DerivationTree::External(External::FromDependencyOf(Pkg::Root, _, d, s)) => {
            let w = Words { eco, set_fmt, raw_fmt };
            format!("No usable version of {} exists, and you require it.", w.raw_term(d, s))
        }
        DerivationTree::External(e) => {
            let w = Words { eco, set_fmt, raw_fmt };
            let fact = w.format_external(e);
            let mut chars = fact.chars();
            let fact = match chars.next() {
                Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
                None => fact,
            };
            format!("{fact}, so your requirements are unsatisfiable.")
        }
        _ => DefaultStringReporter::report_with_formatter(tree, &Words { eco, set_fmt, raw_fmt }),
    };
    // The default reporter numbers shared steps "(1)"; keep them, but end with one newline.
    text.trim_end().to_string()
}

struct Words<'a, VS> {
    eco: Ecosystem,
    set_fmt: &'a dyn Fn(&Pkg, &VS) -> String,
    raw_fmt: &'a dyn Fn(&VS) -> String,
}

impl<VS: VersionSet + Display> Words<'_, VS> {
    fn sep(&self) -> &'static str {
        match self.eco {
            Ecosystem::Pypi => "",
            _ => " ",
        }
    }

    /// `serde ^1` / `flask>=3.0` / `all versions of x`.
    fn term(&self, p: &Pkg, set: &VS) -> String {
        self.term_text(p, (self.set_fmt)(p, set))
    }

    fn raw_term(&self, p: &Pkg, set: &VS) -> String {
        self.term_text(p, (self.raw_fmt)(set))
    }

    fn term_text(&self, p: &Pkg, s: String) -> String {
        if s == "*" || s.starts_with("* ") {
            format!("all versions of {p}")
        } else if s == "∅" {
            format!("no version of {p}")
        } else if !s.contains(['<', '>', ',', '|', '!', '=', '~', '^']) {
            // A single version.
            match self.eco {
                Ecosystem::Pypi => format!("{p}=={s}"),
                _ => format!("{p} {s}"),
            }
        } else {
            format!("{p}{}{s}", self.sep())
        }
    }
}

impl<VS: VersionSet + Display> ReportFormatter<Pkg, VS, String> for Words<'_, VS> {
    type Output = String;

    fn format_external(&self, external: &External<Pkg, VS, String>) -> String {
        match external {
            External::NotRoot(_, _) => "you require the packages you listed".into(),
            External::NoVersions(p, set) => {
                if (self.set_fmt)(p, set) == "*" {
                    format!("there is no usable version of {p}")
                } else {
                    format!("there is no version of {}", self.raw_term(p, set))
                }
            }
            External::Custom(p, set, reason) => format!("{} cannot be used ({reason})", self.term(p, set)),
            External::FromDependencyOf(p, s1, d, s2) => {
                if matches!(p, Pkg::Root) {
                    format!("you require {}", self.raw_term(d, s2))
                } else if let (Pkg::Feature { name, .. }, true) = (p, d.name() == p.name()) {
                    format!("{} needs {name} at the same version", self.term(p, s1))
                } else {
                    format!("{} depends on {}", self.term(p, s1), self.raw_term(d, s2))
                }
            }
        }
    }

    fn format_terms(&self, terms: &Map<Pkg, Term<VS>>) -> String {
        // "you and x are incompatible" is "x cannot be used".
        let mut list: Vec<(&Pkg, &Term<VS>)> = terms.iter().collect();
        if list.len() > 1 {
            list.retain(|(p, t)| !(matches!(p, Pkg::Root) && matches!(t, Term::Positive(_))));
        }
        match list.as_slice() {
            [] => "version solving failed".into(),
            [(Pkg::Root, Term::Positive(_))] => "we can conclude that your requirements are unsatisfiable".into(),
            [(p, Term::Positive(r))] => format!("{} cannot be used", self.term(p, r)),
            [(p, Term::Negative(r))] => format!("{} must be used", self.term(p, r)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))] | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => {
                self.format_external(&External::<Pkg, VS, String>::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()))
            }
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .filter(|(p, _)| !matches!(p, Pkg::Root))
                    .map(|(p, t)| match t {
                        Term::Positive(r) => self.term(p, r),
                        Term::Negative(r) => format!("not {}", self.term(p, r)),
                    })
                    .collect();
                format!("{} are incompatible", parts.join(", "))
            }
        }
    }

    fn explain_both_external(&self, e1: &External<Pkg, VS, String>, e2: &External<Pkg, VS, String>, current: &Map<Pkg, Term<VS>>) -> String {
        format!("Because {} and {}, {}.", self.format_external(e1), self.format_external(e2), self.format_terms(current))
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Pkg, VS, String>,
        id2: usize,
        d2: &Derived<Pkg, VS, String>,
        current: &Map<Pkg, Term<VS>>,
    ) -> String {
        format!("Because {} ({id1}) and {} ({id2}), {}.", self.format_terms(&d1.terms), self.format_terms(&d2.terms), self.format_terms(current))
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<Pkg, VS, String>,
        e: &External<Pkg, VS, String>,
        current: &Map<Pkg, Term<VS>>,
    ) -> String {
        format!("Because {} ({id}) and {}, {}.", self.format_terms(&d.terms), self.format_external(e), self.format_terms(current))
    }

    fn and_explain_external(&self, e: &External<Pkg, VS, String>, current: &Map<Pkg, Term<VS>>) -> String {
        format!("And because {}, {}.", self.format_external(e), self.format_terms(current))
    }

    fn and_explain_ref(&self, id: usize, d: &Derived<Pkg, VS, String>, current: &Map<Pkg, Term<VS>>) -> String {
        format!("And because {} ({id}), {}.", self.format_terms(&d.terms), self.format_terms(current))
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &External<Pkg, VS, String>,
        e: &External<Pkg, VS, String>,
        current: &Map<Pkg, Term<VS>>,
    ) -> String {
        format!("And because {} and {}, {}.", self.format_external(prior), self.format_external(e), self.format_terms(current))
    }
}


/// Narrows a set to the versions that exist, as uv does before printing: each run of known
/// versions inside the set becomes `[first, first version after the run)`, the last run is
/// open-ended. `>=3.0, <3.1 | >3.1, <3.1.1 | …` over releases 3.0.0…3.1.3 reads `>=3.0.0`.
/// Returns the set unchanged when no known version is in it.
pub fn narrow<V: tusk_versions::LaneVersion>(set: &tusk_versions::Lanes<V>, known: &[V]) -> tusk_versions::Lanes<V> {
    use pubgrub::Ranges;
    use tusk_versions::Lane;
    let lane = |r: &Ranges<V>, which: Lane| -> Ranges<V> {
        let mut vs: Vec<&V> = known.iter().filter(|v| v.lane() == which).collect();
        vs.sort();
        vs.dedup();
        let mut out = Ranges::empty();
        // (first, count) of the current run.
        let mut run: Option<(&V, usize)> = None;
        for v in vs {
            if r.contains(v) {
                run = Some(match run {
                    Some((s, n)) => (s, n + 1),
                    None => (v, 1),
                });
            } else if let Some((s, n)) = run.take() {
                let seg = if n == 1 { Ranges::singleton(s.clone()) } else { Ranges::between(s.clone(), v.clone()) };
                out = out.union(&seg);
            }
        }
        if let Some((s, n)) = run {
            let seg = if n == 1 { Ranges::singleton(s.clone()) } else { Ranges::higher_than(s.clone()) };
            out = out.union(&seg);
        }
        out
    };
    let narrowed = tusk_versions::Lanes::new(lane(&set.release, Lane::Release), lane(&set.pre, Lane::Prerelease));
    if narrowed.is_empty() { set.clone() } else { narrowed }
}
