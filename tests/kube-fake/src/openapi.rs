//! The API's OpenAPI documents, from the official Kubernetes v1.36 OpenAPI v2 document in
//! `fixtures/kubernetes/openapi-v2/swagger.json` (compiled in, so nothing is read at run time):
//! `/openapi/v2` as is, and `/openapi/v3` (the index) plus one OpenAPI 3.0 document per
//! group-version derived from it the way kube-openapi's builder3 shapes them (see
//! kubernetes/kubernetes `api/openapi-spec/README.md`): `definitions` become
//! `components.schemas`, a `$ref` with sibling keys is wrapped in `allOf`, parameters carry a
//! `schema`, bodies become `requestBody`, responses carry `content` per media type.
//!
//! Also the schema look-ups strategic merge patch needs (patch strategy and merge key of a field).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

const SWAGGER: &str = include_str!("../../../fixtures/kubernetes/openapi-v2/swagger.json");

/// The v2 document as served (bytes exactly as in the fixture).
pub fn v2_text() -> &'static str {
    SWAGGER
}

pub fn v2() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| serde_json::from_str(SWAGGER).unwrap_or(Value::Null))
}

/// `api/v1`, `apis/apps/v1` … for a v2 path, `None` for discovery paths like `/apis/apps/`.
fn gv_of(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", v, ..] if !v.is_empty() => Some(format!("api/{v}")),
        ["apis", g, v, ..] if !v.is_empty() => Some(format!("apis/{g}/{v}")),
        _ => None,
    }
}

/// One served v3 document: its bytes and the hash the index names it by.
pub struct V3Doc {
    pub hash: String,
    pub body: Vec<u8>,
}

/// Every group-version's v3 document, built once.
pub fn v3_docs() -> &'static BTreeMap<String, V3Doc> {
    static D: OnceLock<BTreeMap<String, V3Doc>> = OnceLock::new();
    D.get_or_init(build_v3)
}

/// `GET /openapi/v3`: `{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`.
pub fn v3_index() -> Value {
    let mut paths = Map::new();
    for (gv, d) in v3_docs() {
        paths.insert(gv.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{gv}?hash={}", d.hash)}));
    }
    json!({"paths": paths})
}

fn build_v3() -> BTreeMap<String, V3Doc> {
    let doc = v2();
    let params = &doc["parameters"];
    let defs = doc["definitions"].as_object().cloned().unwrap_or_default();
    let mut by_gv: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let Some(gv) = gv_of(path) else { continue };
        by_gv.entry(gv).or_default().insert(path.clone(), convert_path_item(item, params));
    }
    let mut out = BTreeMap::new();
    for (gv, paths) in by_gv {
        // Only the schemas the paths reach, like the real per-group-version documents.
        let mut wanted = BTreeSet::new();
        let mut todo = Vec::new();
        collect_refs(&Value::Object(paths.clone()), &mut todo);
        while let Some(name) = todo.pop() {
            if wanted.insert(name.clone())
                && let Some(d) = defs.get(&name)
            {
                collect_refs(&convert_schema(d), &mut todo);
            }
        }
        let schemas: Map<String, Value> = wanted.iter().filter_map(|n| defs.get(n).map(|d| (n.clone(), convert_schema(d)))).collect();
        let v3 = json!({
            "openapi": "3.0.0",
            "info": doc["info"],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"BearerToken": {"type": "apiKey", "description": "Bearer Token authentication", "name": "authorization", "in": "header"}}
            }
        });
        let body = serde_json::to_vec(&v3).unwrap_or_default();
        let hash = hex::encode_upper(Sha512::digest(&body)).chars().take(128).collect();
        out.insert(gv, V3Doc { hash, body });
    }
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref"
                    && let Some(name) = x.as_str().and_then(|s| s.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_string());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// A v2 schema as v3: `#/definitions/` → `#/components/schemas/`, and a `$ref` that has
/// siblings (description, default…) wrapped in `allOf`, since OpenAPI 3.0 ignores a `$ref`'s siblings.
pub fn convert_schema(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                match k.as_str() {
                    "$ref" => {
                        out.insert(k.clone(), json!(x.as_str().unwrap_or("").replace("#/definitions/", "#/components/schemas/")));
                    }
                    // Maps of name → schema: the names are data, not keywords.
                    "properties" | "patternProperties" | "definitions" => {
                        let props: Map<String, Value> = x.as_object().into_iter().flatten().map(|(n, s)| (n.clone(), convert_schema(s))).collect();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), convert_schema(x));
                    }
                }
            }
            if out.len() > 1
                && let Some(r) = out.remove("$ref")
            {
                out.insert("allOf".into(), json!([{"$ref": r}]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(convert_schema).collect()),
        other => other.clone(),
    }
}

fn resolve_param<'a>(p: &'a Value, params: &'a Value) -> &'a Value {
    match p["$ref"].as_str().and_then(|r| r.strip_prefix("#/parameters/")) {
        Some(name) => &params[name],
        None => p,
    }
}

/// A v2 non-body parameter as v3: the type moves under `schema`.
fn convert_param(p: &Value) -> Value {
    let mut out = Map::new();
    let mut schema = Map::new();
    for (k, v) in p.as_object().into_iter().flatten() {
        match k.as_str() {
            "type" | "uniqueItems" | "format" | "items" | "enum" | "default" => {
                schema.insert(k.clone(), convert_schema(v));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out.insert("schema".into(), Value::Object(schema));
    Value::Object(out)
}

fn convert_path_item(item: &Value, params: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in item.as_object().into_iter().flatten() {
        if k == "parameters" {
            let ps: Vec<Value> = v.as_array().into_iter().flatten().map(|p| convert_param(resolve_param(p, params))).collect();
            out.insert(k.clone(), Value::Array(ps));
        } else if v.is_object() {
            out.insert(k.clone(), convert_operation(v, params));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn convert_operation(op: &Value, params: &Value) -> Value {
    let consumes: Vec<String> = op["consumes"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(String::from)).collect();
    let produces: Vec<String> = op["produces"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(String::from)).collect();
    let mut out = Map::new();
    for (k, v) in op.as_object().into_iter().flatten() {
        match k.as_str() {
            "consumes" | "produces" | "schemes" => {}
            "parameters" => {
                let mut ps = Vec::new();
                for p in v.as_array().into_iter().flatten() {
                    let p = resolve_param(p, params);
                    if p["in"] == "body" {
                        let schema = convert_schema(&p["schema"]);
                        let content: Map<String, Value> = consumes.iter().map(|c| (c.clone(), json!({"schema": schema}))).collect();
                        let mut rb = json!({"content": content});
                        if p["required"] == true {
                            rb["required"] = json!(true);
                        }
                        out.insert("requestBody".into(), rb);
                    } else {
                        ps.push(convert_param(p));
                    }
                }
                out.insert("parameters".into(), Value::Array(ps));
            }
            "responses" => {
                let mut rs = Map::new();
                for (code, r) in v.as_object().into_iter().flatten() {
                    let mut nr = json!({"description": r["description"]});
                    if let Some(s) = r.get("schema") {
                        let schema = convert_schema(s);
                        let content: Map<String, Value> = produces.iter().map(|c| (c.clone(), json!({"schema": schema}))).collect();
                        nr["content"] = Value::Object(content);
                    }
                    rs.insert(code.clone(), nr);
                }
                out.insert("responses".into(), Value::Object(rs));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The v2 definition of a built-in kind, found by its `x-kubernetes-group-version-kind`.
/// `None` for kinds the document does not have (custom resources).
pub fn definition(group: &str, version: &str, kind: &str) -> Option<&'static Value> {
    static IDX: OnceLock<HashMap<(String, String, String), String>> = OnceLock::new();
    let idx = IDX.get_or_init(|| {
        let mut m = HashMap::new();
        for (name, d) in v2()["definitions"].as_object().into_iter().flatten() {
            for gvk in d["x-kubernetes-group-version-kind"].as_array().into_iter().flatten() {
                let s = |k: &str| gvk[k].as_str().unwrap_or("").to_string();
                m.insert((s("group"), s("version"), s("kind")), name.clone());
            }
        }
        m
    });
    let name = idx.get(&(group.to_string(), version.to_string(), kind.to_string()))?;
    v2()["definitions"].get(name)
}

/// Follows a `$ref` into the definitions.
pub fn resolve(s: &'static Value) -> &'static Value {
    match s["$ref"].as_str().and_then(|r| r.strip_prefix("#/definitions/")) {
        Some(name) => v2()["definitions"].get(name).unwrap_or(s),
        None => s,
    }
}

/// The schema of field `key` of an object schema (the property itself, which carries the
/// patch extensions; resolve it to descend), or of a map's values.
pub fn field(s: Option<&'static Value>, key: &str) -> Option<&'static Value> {
    let r = resolve(s?);
    r["properties"].get(key).or_else(|| r.get("additionalProperties").filter(|a| a.is_object()))
}

/// The schema of a list's items.
pub fn items(s: Option<&'static Value>) -> Option<&'static Value> {
    resolve(s?).get("items")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn v3_index_and_documents_follow_the_builder3_shape() {
        let idx = v3_index();
        let url = idx["paths"]["apis/apps/v1"]["serverRelativeURL"].as_str().unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
        assert!(idx["paths"]["api/v1"].is_object());
        let doc: Value = serde_json::from_slice(&v3_docs()["apis/apps/v1"].body).unwrap();
        assert_eq!(doc["openapi"], "3.0.0");
        let dep = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(dep["properties"]["spec"], json!({"allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}], "description": dep["properties"]["spec"]["description"]}));
        // Referenced core schemas come along; unrelated ones do not.
        assert!(doc["components"]["schemas"]["io.k8s.api.core.v1.Container"].is_object());
        assert!(doc["components"]["schemas"].get("io.k8s.api.batch.v1.Job").is_none());
        let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation" && p["schema"]["type"] == "string"));
        assert!(patch["requestBody"]["content"]["application/strategic-merge-patch+json"]["schema"].is_object());
        assert!(!doc.to_string().contains("#/definitions/"));
    }
}
