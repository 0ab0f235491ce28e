//! The documents a verb works on: generated from flags (`NAME --image …`) or loaded from
//! `-f FILE|DIR|-`, validated before anything is sent; then checked against what the cluster
//! serves (custom resources against their CRD's schema), and, for a Deployment generated
//! from flags, given the live replica count when `--replicas` was not passed.

use crate::client::{Kube, api_err};
use crate::manifest::{self, Doc, LoadError};
use crate::render::{self, RenderError, RenderFlags};
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, ListParams};
use serde_json::{Value, json};
use tusk_registry::Error;

fn load_error(e: LoadError) -> Error {
    match e {
        LoadError::Invalid { problems } => {
            let loc = problems.first().map(|p| format!("{}:{}", p.file, p.line));
            let n = problems.len();
            let mut err = Error::usage(format!(
                "{} problem{} in the manifests:\n{}",
                n,
                if n == 1 { "" } else { "s" },
                problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
            ))
            .with_hint("fix the fields named above; nothing was sent to the cluster");
            if let Some(l) = loc {
                err = err.at(l);
            }
            err
        }
        LoadError::Read { path, source } => Error::usage(format!("cannot read {path}: {source}")).at("-f"),
        LoadError::EmptyDir(d) => Error::usage(format!("no .yaml, .yml or .json files in {d}")).at("-f"),
    }
}

/// The documents to work on: generated from flags (NAME + --image …) or loaded from -f.
pub fn input_docs(name: Option<&str>, files: &[String], flags: &RenderFlags, app: Option<&str>, namespace: Option<&str>) -> Result<Vec<Doc>, Error> {
    // The namespace becomes a URL path segment of every request, like metadata.namespace.
    if let Some(why) = namespace.and_then(crate::input_limits::bad_path_segment) {
        return Err(Error::usage(format!("--namespace: {why}")).at("--namespace"));
    }
    if !files.is_empty() {
        if name.is_some() || flags.image.is_some() {
            return Err(Error::usage("give either NAME --image … or -f FILE, not both").at("-f"));
        }
        let mut stdin = std::io::stdin();
        let mut docs = manifest::load(files, &mut stdin).map_err(load_error)?;
        if docs.is_empty() {
            return Err(Error::usage("the manifests contain no documents").at("-f"));
        }
        let problems = manifest::validate(&docs, &[]);
        // Unknown kinds may still be served by the cluster: those are checked after connecting.
        let hard: Vec<_> = problems.into_iter().filter(|p| !(p.path == "kind" && p.message.starts_with("unknown kind") && !p.message.contains("did you mean"))).collect();
        if !hard.is_empty() {
            return Err(load_error(LoadError::Invalid { problems: hard }));
        }
        if let Some(ns) = namespace {
            for d in docs.iter_mut() {
                d.value["metadata"]["namespace"] = json!(ns);
            }
        }
        return Ok(docs);
    }
    let Some(name) = name else {
        return Err(Error::usage("nothing to deploy").with_hint("pass NAME --image IMAGE, or -f FILE|DIR|-"));
    };
    let values = render::render(name, namespace, app, flags).map_err(|e| match e {
        RenderError::Bad { flag, message, hint } => Error::usage(format!("{flag}: {message}")).at(flag).with_hint(hint),
    })?;
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, v)| Doc { source: "flags".into(), index: i + 1, line: 1, text: serde_yaml::to_string(&v).unwrap_or_default(), value: v })
        .collect())
}

/// Kinds that are neither built in nor defined by a CRD in the input must be served by the
/// cluster (a CRD installed earlier).
pub async fn check_cluster_kinds(k: &Kube, docs: &[Doc]) -> Result<(), Error> {
    let in_input: Vec<(String, String)> = docs
        .iter()
        .filter(|d| d.kind() == "CustomResourceDefinition")
        .flat_map(|d| {
            let g = d.value["spec"]["group"].as_str().unwrap_or("").to_string();
            let kind = d.value["spec"]["names"]["kind"].as_str().unwrap_or("").to_string();
            d.value["spec"]["versions"].as_array().cloned().unwrap_or_default().into_iter().map(move |v| (format!("{g}/{}", v["name"].as_str().unwrap_or("")), kind.clone()))
        })
        .collect();
    let mut problems = Vec::new();
    for d in docs {
        if manifest::is_builtin(d.api_version(), d.kind()) || in_input.iter().any(|(a, kd)| a == d.api_version() && kd == d.kind()) {
            continue;
        }
        match k.resource(d.api_version(), d.kind()).await {
            Ok(Some(_)) => {
                // Check it against the schema of the CRD installed on the cluster.
                if let Some(schema) = cluster_crd_schema(k, d.api_version(), d.kind()).await {
                    let mut body = d.value.clone();
                    if let Some(m) = body.as_object_mut() {
                        m.remove("apiVersion");
                        m.remove("kind");
                        m.remove("metadata");
                    }
                    let mut errs = Vec::new();
                    manifest::check_schema(&schema, &body, "", &mut errs, true);
                    for (path, message) in errs {
                        let line = manifest::line_of(&d.text, &path).map(|l| l + d.line - 1).unwrap_or(d.line);
                        problems.push(manifest::Problem { file: d.source.clone(), document: d.index, line, path, message });
                    }
                }
            }
            Ok(None) => problems.push(manifest::Problem {
                file: d.source.clone(),
                document: d.index,
                line: d.line,
                path: "kind".into(),
                message: format!("unknown kind {} (apiVersion {}): not a built-in kind, and no CRD for it in the input or on the cluster", d.kind(), d.api_version()),
            }),
            Err(e) => return Err(api_err("discovery", e)),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(load_error(LoadError::Invalid { problems })) }
}

/// The `openAPIV3Schema` of the cluster's CRD for a kind, if the CRD can be read.
async fn cluster_crd_schema(k: &Kube, api_version: &str, kind: &str) -> Option<Value> {
    let (group, version) = api_version.split_once('/')?;
    let api: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> = Api::all(k.client.clone());
    let list = api.list(&ListParams::default()).await.ok()?;
    let crd = list.items.into_iter().find(|c| c.spec.group == group && c.spec.names.kind == kind)?;
    let v = crd.spec.versions.into_iter().find(|v| v.name == version)?;
    let schema = v.schema?.open_api_v3_schema?;
    serde_json::to_value(schema).ok()
}

/// A Deployment generated from flags carries `replicas: 1` when `--replicas` was not given:
/// right for a new Deployment, but on an existing one it would undo every `tusk scale`,
/// `kubectl scale` or earlier `--replicas N`. So when the Deployment exists, the live count is
/// applied instead (a no-op for that field). Leaving `replicas` out would not do: under
/// server-side apply a field that tusk alone owns and stops sending is removed, and the API
/// server then defaults it to 1 — the very scale-down this prevents.
pub async fn keep_live_replicas(k: &Kube, docs: &mut [Doc], flags: &RenderFlags) -> Result<(), Error> {
    // --autoscale leaves the count to the HPA: the generated Deployment has no replicas.
    if flags.replicas.is_some() || flags.autoscale.is_some() {
        return Ok(());
    }
    for d in docs.iter_mut().filter(|d| d.kind() == "Deployment") {
        let ns = d.value["metadata"]["namespace"].as_str().unwrap_or(&k.namespace).to_string();
        let name = d.name().to_string();
        let api: Api<Deployment> = Api::namespaced(k.client.clone(), &ns);
        let live = api.get_opt(&name).await.map_err(|e| api_err(&format!("reading deployment/{name}"), e))?;
        if let Some(replicas) = live.and_then(|l| l.spec).and_then(|s| s.replicas) {
            d.value["spec"]["replicas"] = json!(replicas);
        }
    }
    Ok(())
}
