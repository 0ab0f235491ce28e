//! Loading manifests (files, directories, stdin; multi-document YAML or JSON, `kind: List`)
//! and checking them before anything is sent: unknown kinds, unknown or misspelled fields,
//! wrong types and missing required fields, against the `k8s-openapi` types (Kubernetes
//! 1.34), and custom resources against their CRD's `openAPIV3Schema` when the CRD is in the
//! input. Every problem names the file, the document index, the line and the field path.

use crate::input_limits::{MAX_FLOW_DEPTH, NoDuplicateKeys, bad_path_segment, duplicate_line, read_capped, too_deep};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One document of the input.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The file it came from (`-` for stdin, `flags` for generated ones).
    pub source: String,
    /// 1-based index of the document within its file.
    pub index: usize,
    /// 1-based line where the document starts.
    pub line: usize,
    pub text: String,
    pub value: Value,
}

impl Doc {
    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or("")
    }
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }
    pub fn location(&self) -> String {
        format!("{}:{} (document {})", self.source, self.line, self.index)
    }
}

/// A problem with the input, located.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: String,
    pub document: usize,
    pub line: usize,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}:{}: document {}: {}", self.file, self.line, self.document, self.message)
        } else {
            write!(f, "{}:{}: document {}: {}: {}", self.file, self.line, self.document, self.path, self.message)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path given with -f does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    /// A directory with no manifest files.
    #[error("no .yaml, .yml or .json files in {0}")]
    EmptyDir(String),
    /// Syntax errors and schema problems.
    #[error("{}", problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid { problems: Vec<Problem> },
}

/// Reads every `-f` argument: files, directories (their .yaml/.yml/.json files, sorted, not
/// recursive) and `-` for stdin.
pub fn load(paths: &[String], stdin: &mut dyn Read) -> Result<Vec<Doc>, LoadError> {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let mut files: Vec<(String, String)> = Vec::new();
        if p == "-" {
            let text = read_capped(&mut *stdin, "stdin").map_err(|e| LoadError::Read { path: "-".into(), source: e })?;
            files.push(("-".into(), text));
        } else {
            let path = PathBuf::from(p);
            let meta = std::fs::metadata(&path).map_err(|e| LoadError::Read { path: p.clone(), source: e })?;
            if meta.is_dir() {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                    .map_err(|e| LoadError::Read { path: p.clone(), source: e })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| is_manifest(f))
                    .collect();
                entries.sort();
                if entries.is_empty() {
                    return Err(LoadError::EmptyDir(p.clone()));
                }
                for f in entries {
                    let text = read_file_capped(&f).map_err(|e| LoadError::Read { path: f.display().to_string(), source: e })?;
                    files.push((f.display().to_string(), text));
                }
            } else {
                let text = read_file_capped(&path).map_err(|e| LoadError::Read { path: p.clone(), source: e })?;
                files.push((p.clone(), text));
            }
        }
        for (name, text) in files {
            parse_text(&name, &text, &mut docs, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid { problems });
    }
    Ok(docs)
}

fn read_file_capped(path: &Path) -> std::io::Result<String> {
    read_capped(std::fs::File::open(path)?, &path.display().to_string())
}

fn is_manifest(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
}

/// Splits a file into documents (on `---` lines) and parses each one.
pub fn parse_text(source: &str, text: &str, docs: &mut Vec<Doc>, problems: &mut Vec<Problem>) {
    let mut chunks: Vec<(usize, String)> = Vec::new();
    let mut cur = String::new();
    let mut start = 1;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") && (line.len() == 3 || line[3..].starts_with(char::is_whitespace)) {
            chunks.push((start, std::mem::take(&mut cur)));
            start = i + 2;
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
    }
    chunks.push((start, cur));
    let mut index = 0;
    for (line, chunk) in chunks {
        let meaningful = chunk.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        if !meaningful {
            continue;
        }
        index += 1;
        // Skip leading blank/comment lines so `line` points at the content.
        let skip = chunk.lines().take_while(|l| l.trim().is_empty() || l.trim().starts_with('#')).count();
        if let Some(deep) = too_deep(&chunk) {
            problems.push(Problem {
                file: source.into(),
                document: index,
                line: line + deep - 1,
                path: String::new(),
                message: format!("not valid YAML/JSON: nested deeper than {MAX_FLOW_DEPTH} levels"),
            });
            continue;
        }
        let parsed = serde_yaml::from_str::<Value>(&chunk).and_then(|v| serde_yaml::from_str::<NoDuplicateKeys>(&chunk).map(|_| v));
        let value: Value = match parsed {
            Ok(v) => v,
            Err(e) => {
                let mut l = e.location().map(|l| l.line()).unwrap_or(1);
                let message = e.to_string();
                if let Some(key) = message.split_once("duplicate key `").and_then(|(_, m)| m.split('`').next()) {
                    l = duplicate_line(&chunk, l, key).unwrap_or(l);
                }
                problems.push(Problem {
                    file: source.into(),
                    document: index,
                    line: line + l - 1,
                    path: String::new(),
                    message: format!("not valid YAML/JSON: {}", strip_location(&e.to_string())),
                });
                continue;
            }
        };
        if !value.is_object() {
            problems.push(Problem {
                file: source.into(),
                document: index,
                line: line + skip,
                path: String::new(),
                message: "a manifest must be a mapping with apiVersion, kind and metadata".into(),
            });
            continue;
        }
        if value["kind"].as_str().is_some_and(|k| k.ends_with("List")) && value["items"].is_array() {
            for item in value["items"].as_array().cloned().unwrap_or_default() {
                let text = serde_yaml::to_string(&item).unwrap_or_default();
                docs.push(Doc { source: source.into(), index, line: line + skip, text, value: item });
            }
            continue;
        }
        docs.push(Doc { source: source.into(), index, line: line + skip, text: chunk, value });
    }
}

fn strip_location(s: &str) -> String {
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Whether a kind is one of the built-in kinds tusk knows the schema of.
pub fn is_builtin(api_version: &str, kind: &str) -> bool {
    check_typed(api_version, kind, "").is_some()
}

/// All built-in (apiVersion, kind) pairs tusk validates.
pub const BUILTIN_KINDS: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "PersistentVolume"),
    ("v1", "Pod"),
    ("v1", "LimitRange"),
    ("v1", "ResourceQuota"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("policy/v1", "PodDisruptionBudget"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
];

macro_rules! typed {
    ($($av:literal, $kind:literal => $ty:ty;)*) => {
        fn check_typed(api_version: &str, kind: &str, text: &str) -> Option<Vec<(String, String, Option<usize>)>> {
            match (api_version, kind) {
                $(($av, $kind) => Some(if text.is_empty() { Vec::new() } else { check::<$ty>(text) }),)*
                _ => None,
            }
        }
    };
}

use k8s_openapi::api as k;
typed! {
    "v1", "Namespace" => k::core::v1::Namespace;
    "v1", "ConfigMap" => k::core::v1::ConfigMap;
    "v1", "Secret" => k::core::v1::Secret;
    "v1", "Service" => k::core::v1::Service;
    "v1", "ServiceAccount" => k::core::v1::ServiceAccount;
    "v1", "PersistentVolumeClaim" => k::core::v1::PersistentVolumeClaim;
    "v1", "PersistentVolume" => k::core::v1::PersistentVolume;
    "v1", "Pod" => k::core::v1::Pod;
    "v1", "LimitRange" => k::core::v1::LimitRange;
    "v1", "ResourceQuota" => k::core::v1::ResourceQuota;
    "apps/v1", "Deployment" => k::apps::v1::Deployment;
    "apps/v1", "StatefulSet" => k::apps::v1::StatefulSet;
    "apps/v1", "DaemonSet" => k::apps::v1::DaemonSet;
    "apps/v1", "ReplicaSet" => k::apps::v1::ReplicaSet;
    "batch/v1", "Job" => k::batch::v1::Job;
    "batch/v1", "CronJob" => k::batch::v1::CronJob;
    "autoscaling/v2", "HorizontalPodAutoscaler" => k::autoscaling::v2::HorizontalPodAutoscaler;
    "networking.k8s.io/v1", "Ingress" => k::networking::v1::Ingress;
    "networking.k8s.io/v1", "IngressClass" => k::networking::v1::IngressClass;
    "networking.k8s.io/v1", "NetworkPolicy" => k::networking::v1::NetworkPolicy;
    "rbac.authorization.k8s.io/v1", "Role" => k::rbac::v1::Role;
    "rbac.authorization.k8s.io/v1", "RoleBinding" => k::rbac::v1::RoleBinding;
    "rbac.authorization.k8s.io/v1", "ClusterRole" => k::rbac::v1::ClusterRole;
    "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" => k::rbac::v1::ClusterRoleBinding;
    "apiextensions.k8s.io/v1", "CustomResourceDefinition" => k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    "policy/v1", "PodDisruptionBudget" => k::policy::v1::PodDisruptionBudget;
    "storage.k8s.io/v1", "StorageClass" => k::storage::v1::StorageClass;
    "scheduling.k8s.io/v1", "PriorityClass" => k::scheduling::v1::PriorityClass;
}

fn fmt_ignored(p: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match p {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", fmt_ignored(parent)),
        P::Map { parent, key } => {
            let pre = fmt_ignored(parent);
            if pre.is_empty() { key.clone() } else { format!("{pre}.{key}") }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => fmt_ignored(parent),
    }
}

/// (path, message, line within the document if known). serde stops at the first type error,
/// so after one the offending field is removed and the document checked again (up to 20
/// times): every problem is reported, not just the first.
fn check<T: DeserializeOwned>(text: &str) -> Vec<(String, String, Option<usize>)> {
    let mut out: Vec<(String, String, Option<usize>)> = Vec::new();
    let mut value: Option<Value> = None;
    for _ in 0..20 {
        let mut unknown = Vec::new();
        let mut cb = |path: serde_ignored::Path| unknown.push(fmt_ignored(&path));
        let error = match &value {
            None => {
                let de = serde_yaml::Deserializer::from_str(text);
                let de = serde_ignored::Deserializer::new(de, &mut cb);
                let r: Result<T, _> = serde_path_to_error::deserialize(de);
                r.err().map(|e| {
                    let path = e.path().to_string();
                    let inner = e.into_inner();
                    (path, strip_location(&inner.to_string()), inner.location().map(|l| l.line()))
                })
            }
            Some(v) => {
                let de = serde_ignored::Deserializer::new(v.clone(), &mut cb);
                let r: Result<T, _> = serde_path_to_error::deserialize(de);
                r.err().map(|e| {
                    let path = e.path().to_string();
                    (path, e.into_inner().to_string(), None)
                })
            }
        };
        for u in unknown {
            if u == "status" || u.starts_with("status.") || out.iter().any(|(p, _, _)| *p == u) {
                continue;
            }
            out.push((u, "unknown field".to_string(), None));
        }
        let Some((path, msg, line)) = error else { break };
        let path = if path == "." { String::new() } else { path };
        let msg = msg.strip_prefix(&format!("{path}: ")).map(String::from).unwrap_or(msg);
        if path.is_empty() || out.iter().any(|(p, _, _)| *p == path) {
            out.push((path, msg, line));
            break;
        }
        out.push((path.clone(), msg, line));
        let mut v = match value.take() {
            Some(v) => v,
            None => match serde_yaml::from_str::<Value>(text) {
                Ok(v) => v,
                Err(_) => break,
            },
        };
        if !remove_at(&mut v, &split_path(&path)) {
            break;
        }
        value = Some(v);
    }
    out
}

fn remove_at(v: &mut Value, segs: &[Seg]) -> bool {
    match segs {
        [] => false,
        [Seg::Key(k)] => v.as_object_mut().is_some_and(|m| m.remove(k).is_some()),
        [Seg::Index(i)] => match v.as_array_mut() {
            Some(a) if *i < a.len() => {
                a[*i] = Value::Null;
                true
            }
            _ => false,
        },
        [Seg::Key(k), rest @ ..] => v.get_mut(k.as_str()).is_some_and(|c| remove_at(c, rest)),
        [Seg::Index(i), rest @ ..] => v.get_mut(*i).is_some_and(|c| remove_at(c, rest)),
    }
}

/// Finds the line (1-based, within `text`) of a field path like `spec.template.spec.containers[0].imagee`.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let segs = split_path(path);
    let lines: Vec<&str> = text.lines().collect();
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let mut start = 0usize;
    let mut parent: isize = -1;
    let mut found: Option<usize> = None;
    let mut inline_first = false;
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                let mut hit = None;
                for (i, l) in lines.iter().enumerate().skip(start) {
                    let t = l.trim_start();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    let mut ind = indent_of(l) as isize;
                    let mut body = t;
                    if i == start && inline_first {
                        body = t.trim_start_matches("- ").trim_start();
                        ind = (l.len() - body.len()) as isize;
                    } else if ind <= parent {
                        break;
                    } else if let Some(b) = t.strip_prefix("- ") {
                        if ind <= parent {
                            break;
                        }
                        let _ = b;
                        continue;
                    }
                    let bare = body.trim_start_matches('"');
                    if bare.starts_with(&format!("{k}:")) || bare.starts_with(&format!("{k}\":")) {
                        hit = Some((i, ind));
                        break;
                    }
                }
                let (i, ind) = hit?;
                found = Some(i + 1);
                start = i + 1;
                parent = ind;
                inline_first = false;
            }
            Seg::Index(n) => {
                let mut count = 0;
                let mut hit = None;
                let mut dash_indent: Option<usize> = None;
                for (i, l) in lines.iter().enumerate().skip(start) {
                    let t = l.trim_start();
                    if t.is_empty() || t.starts_with('#') {
                        continue;
                    }
                    let ind = indent_of(l);
                    if (ind as isize) < parent || (ind as isize == parent && !t.starts_with("- ")) {
                        break;
                    }
                    if t.starts_with("- ") || t == "-" {
                        match dash_indent {
                            None => dash_indent = Some(ind),
                            Some(d) if d != ind => continue,
                            _ => {}
                        }
                        if count == n {
                            hit = Some((i, ind));
                            break;
                        }
                        count += 1;
                    }
                }
                let (i, ind) = hit?;
                found = Some(i + 1);
                start = i;
                parent = ind as isize;
                inline_first = true;
            }
        }
    }
    found
}

enum Seg {
    Key(String),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        if part.is_empty() {
            continue;
        }
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            if b > 0 {
                out.push(Seg::Key(rest[..b].to_string()));
            }
            rest = &rest[b..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = stripped.get(end + 1..).unwrap_or("");
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// Checks every document. `extra_kinds` are (apiVersion, kind) known from the cluster.
pub fn validate(docs: &[Doc], extra_kinds: &[(String, String)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    // CRDs in the input: (group/version, kind) → schema for that version.
    let mut crd_schemas: Vec<(String, String, Value)> = Vec::new();
    for d in docs {
        if d.kind() == "CustomResourceDefinition" {
            let group = d.value["spec"]["group"].as_str().unwrap_or("");
            let kind = d.value["spec"]["names"]["kind"].as_str().unwrap_or("");
            for v in d.value["spec"]["versions"].as_array().cloned().unwrap_or_default() {
                let av = format!("{group}/{}", v["name"].as_str().unwrap_or(""));
                crd_schemas.push((av, kind.to_string(), v["schema"]["openAPIV3Schema"].clone()));
            }
        }
    }
    for d in docs {
        let mut push = |path: String, message: String, line: Option<usize>| {
            let line = line.or_else(|| line_of(&d.text, &path)).map(|l| l + d.line - 1 - leading(&d.text)).unwrap_or(d.line);
            problems.push(Problem { file: d.source.clone(), document: d.index, line, path, message });
        };
        let (av, kind) = (d.api_version().to_string(), d.kind().to_string());
        if av.is_empty() {
            push("apiVersion".into(), "missing field `apiVersion`".into(), None);
            continue;
        }
        if kind.is_empty() {
            push("kind".into(), "missing field `kind`".into(), None);
            continue;
        }
        if d.name().is_empty() {
            push("metadata.name".into(), "missing field `name`".into(), line_of(&d.text, "metadata"));
        }
        for field in ["name", "namespace"] {
            if let Some(why) = d.value["metadata"][field].as_str().and_then(bad_path_segment) {
                push(format!("metadata.{field}"), why, None);
            }
        }
        if let Some(found) = check_typed(&av, &kind, &d.text) {
            let typed_ok = found.is_empty();
            for (path, msg, line) in found {
                push(path, msg, line);
            }
            if typed_ok {
                for path in missing_required(&kind, &d.value) {
                    let (parent, field) = path.rsplit_once('.').unwrap_or(("", &path));
                    let line = line_of(&d.text, parent);
                    push(parent.to_string(), format!("missing field `{field}`"), line);
                }
            }
            continue;
        }
        if let Some((_, _, schema)) = crd_schemas.iter().find(|(a, k, _)| *a == av && *k == kind) {
            let mut errs = Vec::new();
            let mut body = d.value.clone();
            if let Some(m) = body.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
                m.remove("metadata");
            }
            check_schema(schema, &body, "", &mut errs, true);
            for (p, m) in errs {
                push(p, m, None);
            }
            continue;
        }
        if extra_kinds.iter().any(|(a, k)| *a == av && *k == kind) {
            continue;
        }
        let known: Vec<String> = BUILTIN_KINDS
            .iter()
            .map(|(_, k)| k.to_string())
            .chain(crd_schemas.iter().map(|(_, k, _)| k.clone()))
            .chain(extra_kinds.iter().map(|(_, k)| k.clone()))
            .collect();
        let by_kind = BUILTIN_KINDS.iter().find(|(_, k)| *k == kind);
        let msg = match by_kind {
            Some((right, _)) => format!("unknown kind {kind} in {av} (did you mean apiVersion: {right}?)"),
            None => {
                let s = tusk_registry::suggest(&kind, known);
                match s.first() {
                    Some(k) => format!("unknown kind {kind} (apiVersion {av}); did you mean {k}?"),
                    None => format!("unknown kind {kind} (apiVersion {av}): not a built-in kind, and no CRD for it in the input or on the cluster"),
                }
            }
        };
        push("kind".into(), msg, None);
    }
    problems
}

/// Required fields the API server would reject the object without. `k8s-openapi`'s
/// deserializers default missing required fields, so they are listed here (from the
/// Kubernetes 1.34 OpenAPI `required` lists, for the fields people leave out in practice).
const REQUIRED: &[(&str, &[&str])] = &[
    ("Deployment", &["spec", "spec.selector", "spec.template", "spec.template.spec.containers[*].name", "spec.template.spec.containers[*].image"]),
    ("StatefulSet", &["spec", "spec.selector", "spec.template", "spec.template.spec.containers[*].name", "spec.template.spec.containers[*].image"]),
    ("DaemonSet", &["spec", "spec.selector", "spec.template", "spec.template.spec.containers[*].name", "spec.template.spec.containers[*].image"]),
    ("ReplicaSet", &["spec", "spec.selector"]),
    ("Job", &["spec", "spec.template", "spec.template.spec.containers[*].name", "spec.template.spec.containers[*].image"]),
    ("CronJob", &["spec", "spec.schedule", "spec.jobTemplate", "spec.jobTemplate.spec.template.spec.containers[*].name"]),
    ("Pod", &["spec", "spec.containers", "spec.containers[*].name", "spec.containers[*].image"]),
    ("Service", &["spec.ports[*].port"]),
    ("HorizontalPodAutoscaler", &["spec", "spec.scaleTargetRef", "spec.scaleTargetRef.kind", "spec.scaleTargetRef.name", "spec.maxReplicas"]),
    ("RoleBinding", &["roleRef", "roleRef.kind", "roleRef.name", "roleRef.apiGroup", "subjects[*].kind", "subjects[*].name"]),
    ("ClusterRoleBinding", &["roleRef", "roleRef.kind", "roleRef.name", "roleRef.apiGroup", "subjects[*].kind", "subjects[*].name"]),
    ("Ingress", &["spec.rules[*].http.paths[*].pathType", "spec.rules[*].http.paths[*].backend"]),
    ("PersistentVolumeClaim", &["spec"]),
    ("CustomResourceDefinition", &["spec", "spec.group", "spec.names", "spec.names.kind", "spec.names.plural", "spec.scope", "spec.versions", "spec.versions[*].name", "spec.versions[*].served", "spec.versions[*].storage"]),
    ("PodDisruptionBudget", &["spec"]),
];

/// Concrete paths (`spec.template.spec.containers[1].image`) of required fields missing.
pub fn missing_required(kind: &str, v: &Value) -> Vec<String> {
    let Some((_, paths)) = REQUIRED.iter().find(|(k, _)| *k == kind) else { return vec![] };
    let mut out = Vec::new();
    for p in *paths {
        walk_required(v, p, String::new(), &mut out);
    }
    out
}

fn walk_required(v: &Value, rest: &str, prefix: String, out: &mut Vec<String>) {
    let (head, tail) = match rest.split_once('.') {
        Some((h, t)) => (h, Some(t)),
        None => (rest, None),
    };
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    if let Some(key) = head.strip_suffix("[*]") {
        let Some(arr) = v.get(key).and_then(Value::as_array) else { return };
        for (i, item) in arr.iter().enumerate() {
            if let Some(t) = tail {
                walk_required(item, t, format!("{}[{i}]", join(key)), out);
            }
        }
        return;
    }
    match (v.get(head), tail) {
        (None, _) | (Some(Value::Null), _) => {
            if v.is_object() {
                out.push(join(head));
            }
        }
        (Some(child), Some(t)) => walk_required(child, t, join(head), out),
        (Some(_), None) => {}
    }
}

fn leading(text: &str) -> usize {
    text.lines().take_while(|l| l.trim().is_empty() || l.trim().starts_with('#')).count()
}

/// A small structural check against a CRD's OpenAPI v3 schema: types, properties (unknown
/// fields are errors unless `x-kubernetes-preserve-unknown-fields`), required, items, enum.
pub fn check_schema(schema: &Value, v: &Value, path: &str, errs: &mut Vec<(String, String)>, root: bool) {
    if schema.is_null() {
        return;
    }
    let ty = schema["type"].as_str().unwrap_or("");
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    let type_ok = match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string() || schema["x-kubernetes-int-or-string"].as_bool() == Some(true),
        "integer" => v.is_i64() || v.is_u64() || (schema["x-kubernetes-int-or-string"].as_bool() == Some(true) && v.is_string()),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => true,
    };
    if !type_ok {
        errs.push((path.to_string(), format!("invalid type: expected {ty}, found {}", type_name(v))));
        return;
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(v) {
            errs.push((path.to_string(), format!("must be one of {}", e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))));
        }
    if let Some(obj) = v.as_object() {
        let props = schema["properties"].as_object();
        let preserve = schema["x-kubernetes-preserve-unknown-fields"].as_bool() == Some(true);
        for req in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(req) {
                errs.push((if path.is_empty() { String::new() } else { path.to_string() }, format!("missing field `{req}`")));
            }
        }
        for (k, child) in obj {
            if root && k == "status" {
                continue;
            }
            match props.and_then(|p| p.get(k)) {
                Some(s) => check_schema(s, child, &join(k), errs, false),
                None => {
                    if let Some(ap) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                        check_schema(ap, child, &join(k), errs, false);
                    } else if !preserve && props.is_some() {
                        errs.push((join(k), "unknown field".into()));
                    }
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check_schema(items, x, &format!("{path}[{i}]"), errs, false);
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn parse(name: &str, text: &str) -> (Vec<Doc>, Vec<Problem>) {
        let mut docs = Vec::new();
        let mut problems = Vec::new();
        parse_text(name, text, &mut docs, &mut problems);
        (docs, problems)
    }

    const BAD: &str = "# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: ok
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        imagePullPolicy: Always
      - name: side
        imagee: busybox
  replicas: three
";

    #[test]
    fn multi_doc_lines_and_indexes() {
        let (docs, problems) = parse("app.yaml", BAD);
        assert!(problems.is_empty());
        assert_eq!(docs.len(), 2);
        assert_eq!((docs[0].index, docs[0].line), (1, 2));
        assert_eq!((docs[1].index, docs[1].line), (2, 9));
    }

    #[test]
    fn validation_names_file_document_line_and_path() {
        let (docs, _) = parse("app.yaml", BAD);
        let problems = validate(&docs, &[]);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn unknown_kind_suggests_api_version() {
        let (docs, _) = parse("x.yaml", "apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMapp\nmetadata: {name: b}\n");
        let problems = validate(&docs, &[]);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn missing_required_field() {
        let (docs, _) = parse("x.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n      - image: b\n");
        let problems = validate(&docs, &[]);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn yaml_syntax_error_is_located() {
        let (_, problems) = parse("x.yaml", "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: [oops\n");
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn custom_resource_checked_against_crd_in_input() {
        let crd = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer}
              color: {type: string, enum: [red, blue]}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  color: green
  sise: 3
";
        let (docs, p) = parse("crd.yaml", crd);
        assert!(p.is_empty(), "{p:?}");
        let problems = validate(&docs, &[]);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn every_type_error_is_reported() {
        let (docs, _) = parse(
            "x.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: two\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n      - name: a\n        image: x\n        ports:\n        - containerPort: http\n        protocl: TCP\n      hostNetwork: maybe\n",
        );
        let problems = validate(&docs, &[]);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    #[test]
    fn json_and_lists() {
        let json = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}},
  {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}, "stringData": {"k": "v"}, "tpye": "Opaque"}
]}"#;
        let (docs, problems) = parse("list.json", json);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(docs.iter().map(|d| d.kind()).collect::<Vec<_>>(), ["ConfigMap", "Secret"]);
        let problems = validate(&docs, &[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "tpye");
        assert_eq!(problems[0].message, "unknown field");
        let (_, problems) = parse("bad.json", "{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\"\n \"metadata\": {}}\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3, "the missing comma is noticed where the next key starts: {problems:?}");
    }

    #[test]
    fn quantities_may_be_numbers() {
        let (docs, _) = parse("x.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: x\n    resources:\n      requests: {cpu: 1, memory: 128Mi}\n");
        assert_eq!(validate(&docs, &[]), vec![]);
    }
}
