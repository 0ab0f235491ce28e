//! A small PEP 440 matcher used where `tusk-pypi` is not wired in yet: release segments,
//! pre/post/dev parts, and the specifier operators `== != <= >= < > ~= ===` with `.*`.

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V {
    epoch: u64,
    release: Vec<u64>,
    /// (kind: a=0 b=1 rc=2, n)
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Option<String>,
}

impl V {
    pub fn parse(s: &str) -> Option<V> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix('v').unwrap_or(&s);
        let (s, local) = match s.split_once('+') {
            Some((a, l)) => (a, Some(l.to_string())),
            None => (s, None),
        };
        let (epoch, s) = match s.split_once('!') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, s),
        };
        let rel_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
        let release: Vec<u64> = s[..rel_end].trim_end_matches('.').split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        let mut rest = &s[rel_end..];
        let mut pre = None;
        let mut post = None;
        let mut dev = None;
        let num = |r: &mut &str| -> u64 {
            let r2 = r.trim_start_matches(['.', '-', '_']);
            let end = r2.find(|c: char| !c.is_ascii_digit()).unwrap_or(r2.len());
            let n = r2[..end].parse().unwrap_or(0);
            *r = &r2[end..];
            n
        };
        loop {
            rest = rest.trim_start_matches(['.', '-', '_']);
            if rest.is_empty() {
                break;
            }
            let tags: [(&str, u8); 7] = [("alpha", 0), ("beta", 1), ("preview", 2), ("pre", 2), ("rc", 2), ("a", 0), ("b", 1)];
            if let Some((t, k)) = tags.iter().find(|(t, _)| rest.starts_with(*t)) {
                rest = &rest[t.len()..];
                pre = Some((*k, num(&mut rest)));
            } else if rest.starts_with('c') {
                rest = &rest[1..];
                pre = Some((2, num(&mut rest)));
            } else if let Some(r) = rest.strip_prefix("post").or_else(|| rest.strip_prefix("rev")).or_else(|| rest.strip_prefix('r')) {
                rest = r;
                post = Some(num(&mut rest));
            } else if let Some(r) = rest.strip_prefix("dev") {
                rest = r;
                dev = Some(num(&mut rest));
            } else if rest.starts_with(|c: char| c.is_ascii_digit()) && pre.is_none() {
                post = Some(num(&mut rest));
            } else {
                return None;
            }
        }
        Some(V { epoch, release, pre, post, dev, local })
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    #[allow(clippy::type_complexity)]
    fn key(&self) -> (u64, Vec<u64>, (i8, u8, u64), (i8, u64), (i8, u64)) {
        let mut rel = self.release.clone();
        while rel.len() > 1 && rel.last() == Some(&0) {
            rel.pop();
        }
        // dev-only releases sort before pre-releases; post-less before post.
        let pre = match (self.pre, self.post, self.dev) {
            (Some((k, n)), _, _) => (0, k, n),
            (None, None, Some(_)) => (-1, 0, 0),
            _ => (1, 0, 0),
        };
        let post = match self.post {
            Some(n) => (1, n),
            None => (-1, 0),
        };
        let dev = match self.dev {
            Some(n) => (0, n),
            None => (1, 0),
        };
        (self.epoch, rel, pre, post, dev)
    }
}

impl PartialOrd for V {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for V {
    fn cmp(&self, o: &Self) -> Ordering {
        self.key().cmp(&o.key()).then_with(|| self.local.cmp(&o.local))
    }
}

fn trim(r: &[u64]) -> &[u64] {
    let mut end = r.len();
    while end > 1 && r[end - 1] == 0 {
        end -= 1;
    }
    &r[..end]
}

/// Whether `version` satisfies a comma-separated specifier set. `None` if unparseable.
pub fn matches(spec: &str, version: &str) -> Option<bool> {
    let v = V::parse(version)?;
    let spec = spec.trim();
    if spec.is_empty() || spec == "*" {
        return Some(true);
    }
    for clause in spec.split(',') {
        let c = clause.trim();
        let ops = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];
        let op = ops.iter().find(|o| c.starts_with(**o))?;
        let target = c[op.len()..].trim();
        let ok = match *op {
            "===" => version == target,
            "==" | "!=" => {
                let eq = if let Some(prefix) = target.strip_suffix(".*") {
                    let p = V::parse(prefix)?;
                    let mut vr = v.release.clone();
                    vr.resize(vr.len().max(p.release.len()), 0);
                    v.epoch == p.epoch && vr[..p.release.len()] == p.release[..]
                } else {
                    let t = V::parse(target)?;
                    let mut vv = v.clone();
                    if t.local.is_none() {
                        vv.local = None;
                    }
                    vv == t || vv.cmp(&t) == Ordering::Equal
                };
                if *op == "==" { eq } else { !eq }
            }
            "~=" => {
                let t = V::parse(target)?;
                if t.release.len() < 2 {
                    return None;
                }
                let prefix = &t.release[..t.release.len() - 1];
                let mut vr = v.release.clone();
                vr.resize(vr.len().max(prefix.len()), 0);
                v >= t && vr[..prefix.len()] == prefix[..]
            }
            "<=" => v <= V::parse(target)?,
            ">=" => v >= V::parse(target)?,
            "<" => {
                let t = V::parse(target)?;
                v < t && !(!t.is_prerelease() && v.is_prerelease() && trim(&v.release) == trim(&t.release))
            }
            ">" => {
                let t = V::parse(target)?;
                v > t && !(t.post.is_none() && v.post.is_some() && trim(&v.release) == trim(&t.release))
            }
            _ => return None,
        };
        if !ok {
            return Some(false);
        }
    }
    Some(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn specifiers() {
        assert_eq!(matches(">=2.31,<3", "2.32.3"), Some(true));
        assert_eq!(matches(">=2.31,<3", "3.0.0"), Some(false));
        assert_eq!(matches("~=2.2", "2.9"), Some(true));
        assert_eq!(matches("~=2.2", "3.0"), Some(false));
        assert_eq!(matches("==1.4.*", "1.4.9"), Some(true));
        assert_eq!(matches("!=1.5.7,>=1.5.6", "1.5.7"), Some(false));
        assert_eq!(matches("<3", "3.0a1"), Some(false));
        assert!(V::parse("1.0a1").unwrap() < V::parse("1.0").unwrap());
        assert!(V::parse("1.0.dev1").unwrap() < V::parse("1.0a1").unwrap());
        assert!(V::parse("1.0.post1").unwrap() > V::parse("1.0").unwrap());
    }
}
