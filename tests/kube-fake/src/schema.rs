//! What the API server does with an object's schema: pruning of unknown fields (reported for
//! `fieldValidation`), and for custom resources structural-schema validation and defaulting
//! from the CRD's `openAPIV3Schema`.
//!
//! Built-in kinds use the definitions of the v1.36 OpenAPI v2 document (see [`crate::openapi`]);
//! custom resources the schema of the served version in their CRD. Sources: "Field validation"
//! in https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation, and
//! "Specifying a structural schema", "Field pruning", "Defaulting and Nullable" and
//! "Validation" in https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/.
//! CEL rules (`x-kubernetes-validations`) are not evaluated.

use crate::openapi;
use serde_json::{Value, json};

/// The schema of one kind.
#[derive(Debug, Clone)]
pub enum Root {
    /// A built-in kind's v2 definition.
    Builtin(&'static Value),
    /// A custom resource's `openAPIV3Schema`.
    Crd(Value),
}

impl Root {
    pub fn schema(&self) -> &Value {
        match self {
            Root::Builtin(v) => v,
            Root::Crd(v) => v,
        }
    }
    pub fn is_crd(&self) -> bool {
        matches!(self, Root::Crd(_))
    }
}

/// Follows a v2 `$ref` (CRD schemas have none).
pub fn resolve(s: &Value) -> &Value {
    match s.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
        Some(name) => openapi::v2()["definitions"].get(name).unwrap_or(s),
        None => s,
    }
}

fn object_meta() -> &'static Value {
    &openapi::v2()["definitions"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
}

/// The schema of field `key` of object schema `s` (a property, or the values of a map).
pub fn child<'a>(s: &'a Value, key: &str) -> Option<&'a Value> {
    let r = resolve(s);
    r["properties"].get(key).or_else(|| r.get("additionalProperties").filter(|a| a.is_object()))
}

/// The schema of a list's items.
pub fn items(s: &Value) -> Option<&Value> {
    resolve(s).get("items")
}

/// How a list is merged and owned: `x-kubernetes-list-type` (`atomic`, `set`, `map`) with
/// `x-kubernetes-list-map-keys`. Lists without the extension are atomic, as in
/// structured-merge-diff (https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy).
pub enum ListType {
    Atomic,
    Set,
    Map(Vec<String>),
}

pub fn list_type(s: Option<&Value>) -> ListType {
    let Some(s) = s else { return ListType::Atomic };
    // The extensions sit on the property (beside a `$ref`) or on the resolved schema.
    let get = |k: &str| s.get(k).or_else(|| resolve(s).get(k));
    match get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => ListType::Set,
        Some("map") => {
            let keys = get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|k| k.as_str().map(String::from)).collect())
                .unwrap_or_default();
            ListType::Map(keys)
        }
        _ => ListType::Atomic,
    }
}

/// One step of a path into an object, for messages.
#[derive(Debug, Clone)]
pub enum Seg {
    Field(String),
    /// A list index, with the element's map keys as structured-merge-diff prints them
    /// (`name="web"`) when the list is a map.
    Index(usize, Option<String>),
}

/// `spec.template.spec.containers[0].foo`: the form of decoding errors and field errors.
pub fn dotted(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            Seg::Index(i, _) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// `.spec.template.spec.containers[name="web"].foo`: the form of structured-merge-diff errors.
pub fn smd(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Seg::Index(_, Some(k)) => s.push_str(&format!("[{k}]")),
            Seg::Index(i, None) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Removes every field the schema does not declare and returns their paths. Built-in types
/// whose schema declares no properties (RawExtension, FieldsV1, JSON) keep what they hold;
/// structural schemas prune everything undeclared unless `x-kubernetes-preserve-unknown-fields`.
/// For custom resources, `null` in a field that is not `nullable` is dropped and `default`s are
/// filled in ("Defaulting and Nullable").
pub fn prune(obj: &mut Value, root: &Root) -> Vec<Vec<Seg>> {
    let mut unknown = Vec::new();
    match root {
        Root::Builtin(s) => walk(obj, s, false, &mut Vec::new(), &mut unknown),
        Root::Crd(s) => {
            // apiVersion, kind and metadata (an ObjectMeta) are the API server's, not the CRD's.
            let Some(m) = obj.as_object_mut() else { return unknown };
            let mut meta = m.remove("metadata");
            let api = m.remove("apiVersion");
            let kind = m.remove("kind");
            walk(obj, s, true, &mut Vec::new(), &mut unknown);
            if let Some(meta) = meta.as_mut() {
                walk(meta, object_meta(), false, &mut vec![Seg::Field("metadata".into())], &mut unknown);
            }
            if let Some(m) = obj.as_object_mut() {
                for (k, v) in [("apiVersion", api), ("kind", kind), ("metadata", meta)] {
                    if let Some(v) = v {
                        m.insert(k.into(), v);
                    }
                }
            }
        }
    }
    unknown
}

fn walk(v: &mut Value, s: &Value, crd: bool, path: &mut Vec<Seg>, unknown: &mut Vec<Vec<Seg>>) {
    let r = resolve(s);
    match v {
        Value::Object(m) => {
            let props = r.get("properties").and_then(Value::as_object);
            let addl = r.get("additionalProperties");
            let preserve = r["x-kubernetes-preserve-unknown-fields"] == true;
            let embedded = r["x-kubernetes-embedded-resource"] == true;
            if !crd && props.is_none() && !addl.is_some_and(Value::is_object) {
                return;
            }
            if crd && let Some(props) = props {
                for (k, ps) in props {
                    if !m.contains_key(k)
                        && let Some(d) = resolve(ps).get("default")
                    {
                        m.insert(k.clone(), d.clone());
                    }
                }
            }
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let sub = props.and_then(|p| p.get(&k)).or_else(|| addl.filter(|a| a.is_object()));
                if crd && m.get(&k).is_some_and(Value::is_null) && !sub.is_some_and(|s| resolve(s)["nullable"] == true) {
                    m.remove(&k);
                    continue;
                }
                match sub {
                    Some(sub) => {
                        path.push(Seg::Field(k.clone()));
                        if let Some(c) = m.get_mut(&k) {
                            walk(c, sub, crd, path, unknown);
                        }
                        path.pop();
                    }
                    None if preserve || *addl.unwrap_or(&Value::Null) == true => {}
                    None if embedded && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") => {}
                    None => {
                        m.remove(&k);
                        let mut p = path.clone();
                        p.push(Seg::Field(k));
                        unknown.push(p);
                    }
                }
            }
        }
        Value::Array(a) => {
            let Some(is) = r.get("items") else { return };
            let keys = match list_type(Some(s)) {
                ListType::Map(keys) => Some(keys),
                _ => None,
            };
            for (i, item) in a.iter_mut().enumerate() {
                let k = keys.as_ref().map(|keys| {
                    keys.iter()
                        .filter_map(|k| item.get(k).map(|v| format!("{k}={}", v)))
                        .collect::<Vec<_>>()
                        .join(",")
                });
                path.push(Seg::Index(i, k));
                walk(item, is, crd, path, unknown);
                path.pop();
            }
        }
        _ => {}
    }
}

/// One field error, as `field.Error` renders: `spec.size: Invalid value: "x": …`.
pub struct FieldError {
    pub field: String,
    pub reason: &'static str,
    pub detail: String,
}

impl FieldError {
    pub fn message(&self) -> String {
        format!("{}: {}", self.field, self.detail)
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => format!("\"{}\"", type_name(v)),
        other => other.to_string(),
    }
}

/// Validates a custom resource's fields against its structural schema (OpenAPI v3 subset:
/// type, required, enum, minimum/maximum (exclusive too), minLength/maxLength, pattern,
/// minItems/maxItems, x-kubernetes-int-or-string, nullable). Messages are kube-openapi's as the
/// API server reports them (`spec.size in body must be of type integer: "string"`).
pub fn validate_cr(obj: &Value, root: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut body = obj.clone();
    if let Some(m) = body.as_object_mut() {
        for k in ["apiVersion", "kind", "metadata"] {
            m.remove(k);
        }
    }
    check(&body, root, "", &mut errs);
    errs
}

fn check(v: &Value, s: &Value, path: &str, errs: &mut Vec<FieldError>) {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    let invalid = |errs: &mut Vec<FieldError>, detail: String| {
        errs.push(FieldError { field: path.to_string(), reason: "FieldValueInvalid", detail: format!("Invalid value: {}: {detail}", shown(v)) });
    };
    if v.is_null() {
        return;
    }
    let int_or_string = s["x-kubernetes-int-or-string"] == true;
    if int_or_string {
        if !(v.is_string() || v.is_i64() || v.is_u64()) {
            invalid(errs, format!("{path} in body must be of type integer,string: {}", shown(v)));
            return;
        }
    } else if let Some(t) = s["type"].as_str() {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            invalid(errs, format!("{path} in body must be of type {t}: \"{}\"", type_name(v)));
            return;
        }
    }
    if let Some(e) = s["enum"].as_array()
        && !e.contains(v)
    {
        let supported: Vec<String> = e.iter().map(Value::to_string).collect();
        errs.push(FieldError {
            field: path.to_string(),
            reason: "FieldValueNotSupported",
            detail: format!("Unsupported value: {}: supported values: {}", v, supported.join(", ")),
        });
    }
    if let Some(n) = v.as_f64() {
        let excl_min = s["exclusiveMinimum"] == true;
        let excl_max = s["exclusiveMaximum"] == true;
        if let Some(min) = s["minimum"].as_f64()
            && (n < min || (excl_min && n == min))
        {
            let cmp = if excl_min { "greater than" } else { "greater than or equal to" };
            invalid(errs, format!("{path} in body should be {cmp} {}", s["minimum"]));
        }
        if let Some(max) = s["maximum"].as_f64()
            && (n > max || (excl_max && n == max))
        {
            let cmp = if excl_max { "less than" } else { "less than or equal to" };
            invalid(errs, format!("{path} in body should be {cmp} {}", s["maximum"]));
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if let Some(min) = s["minLength"].as_u64()
            && len < min
        {
            invalid(errs, format!("{path} in body should be at least {min} chars long"));
        }
        if let Some(max) = s["maxLength"].as_u64()
            && len > max
        {
            errs.push(FieldError { field: path.to_string(), reason: "FieldValueTooLong", detail: format!("Too long: may not be more than {max} bytes") });
        }
        if let Some(p) = s["pattern"].as_str() {
            match regex::Regex::new(p) {
                Ok(re) if !re.is_match(text) => invalid(errs, format!("{path} in body should match '{p}'")),
                _ => {}
            }
        }
    }
    match v {
        Value::Object(m) => {
            for r in s["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !m.contains_key(r) {
                    errs.push(FieldError { field: join(r), reason: "FieldValueRequired", detail: "Required value".into() });
                }
            }
            for (k, c) in m {
                if let Some(cs) = s["properties"].get(k).or_else(|| s.get("additionalProperties").filter(|a| a.is_object())) {
                    check(c, cs, &join(k), errs);
                }
            }
        }
        Value::Array(a) => {
            if let Some(min) = s["minItems"].as_u64()
                && (a.len() as u64) < min
            {
                invalid(errs, format!("{path} in body should have at least {min} items"));
            }
            if let Some(max) = s["maxItems"].as_u64()
                && (a.len() as u64) > max
            {
                errs.push(FieldError { field: path.to_string(), reason: "FieldValueTooMany", detail: format!("Too many: {}: must have at most {max} items", a.len()) });
            }
            if let Some(is) = s.get("items") {
                for (i, c) in a.iter().enumerate() {
                    check(c, is, &format!("{path}[{i}]"), errs);
                }
            }
        }
        _ => {}
    }
}

/// The API server's 422 for field errors: one error inline, several in brackets.
pub fn invalid_error(group: &str, kind: &str, name: &str, errs: &[FieldError]) -> crate::store::ApiError {
    let gk = if group.is_empty() { kind.to_string() } else { format!("{kind}.{group}") };
    let msgs: Vec<String> = errs.iter().map(FieldError::message).collect();
    let joined = if msgs.len() == 1 { msgs[0].clone() } else { format!("[{}]", msgs.join(", ")) };
    let causes: Vec<Value> = errs.iter().map(|e| json!({"reason": e.reason, "message": e.detail, "field": e.field})).collect();
    crate::store::ApiError {
        code: 422,
        reason: "Invalid",
        message: format!("{gk} \"{name}\" is invalid: {joined}"),
        details: json!({"name": name, "group": group, "kind": kind, "causes": causes}),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn prunes_unknown_fields_of_a_builtin_and_keeps_opaque_ones() {
        let root = Root::Builtin(openapi::definition("apps", "v1", "Deployment").unwrap());
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "labels": {"a": "b"}},
            "spec": {"replicas": 1, "foo": 1, "template": {"spec": {"containers": [{"name": "web", "imagee": "x", "ports": [{"containerPort": 80}]}]}}}});
        let unknown = prune(&mut d, &root);
        let u: Vec<String> = unknown.iter().map(|p| dotted(p)).collect();
        assert_eq!(u, ["spec.foo", "spec.template.spec.containers[0].imagee"]);
        assert_eq!(smd(&unknown[1]), ".spec.template.spec.containers[name=\"web\"].imagee");
        assert!(d["spec"].get("foo").is_none());
        assert_eq!(d["metadata"]["labels"]["a"], "b");
        assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 80);
    }

    #[test]
    fn structural_schema_prunes_defaults_and_validates() {
        let s = json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["size"],
            "properties": {"size": {"type": "integer", "minimum": 1, "maximum": 10}, "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                           "name": {"type": "string", "pattern": "^[a-z]+$"}, "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}});
        let root = Root::Crd(s.clone());
        let mut o = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "bogus": 1},
                           "spec": {"size": 3, "extra": 1, "free": {"x": {"y": 1}}}});
        let u: Vec<String> = prune(&mut o, &root).iter().map(|p| dotted(p)).collect();
        assert_eq!(u, ["spec.extra", "metadata.bogus"]);
        assert_eq!(o["spec"]["color"], "red");
        assert_eq!(o["spec"]["free"]["x"]["y"], 1);
        assert!(validate_cr(&o, &s).is_empty());
        let bad = json!({"spec": {"color": "green", "name": "A1"}});
        let msgs: Vec<String> = validate_cr(&bad, &s).iter().map(FieldError::message).collect();
        assert_eq!(msgs, [
            "spec.size: Required value",
            "spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\"",
            "spec.name: Invalid value: \"A1\": spec.name in body should match '^[a-z]+$'",
        ]);
        let msgs: Vec<String> = validate_cr(&json!({"spec": {"size": 11}}), &s).iter().map(FieldError::message).collect();
        assert_eq!(msgs, ["spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"]);
        let msgs: Vec<String> = validate_cr(&json!({"spec": {"size": "x"}}), &s).iter().map(FieldError::message).collect();
        assert_eq!(msgs, ["spec.size: Invalid value: \"x\": spec.size in body must be of type integer: \"string\""]);
    }
}

/// The paths of keys that occur twice in one JSON object of `text` (`spec.replicas`,
/// `spec.containers[0].name`), which a JSON parser silently resolves to the last value; the API
/// server's strict decoder reports them (`duplicate field "spec.replicas"`). `text` is known to
/// parse.
pub fn duplicate_fields(text: &str) -> Vec<String> {
    struct P<'a> {
        b: &'a [u8],
        i: usize,
        out: Vec<String>,
    }
    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn string(&mut self) -> String {
            let start = self.i;
            self.i += 1;
            while self.i < self.b.len() && self.b[self.i] != b'"' {
                self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
            }
            self.i += 1;
            let raw = std::str::from_utf8(self.b.get(start..self.i).unwrap_or(b"\"\"")).unwrap_or("\"\"");
            serde_json::from_str(raw).unwrap_or_default()
        }
        fn value(&mut self, path: &str) {
            self.ws();
            match self.b.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    let mut seen = std::collections::HashSet::new();
                    loop {
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b'"') => {
                                let k = self.string();
                                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                                if !seen.insert(k) {
                                    self.out.push(p.clone());
                                }
                                self.ws();
                                self.i += 1; // ':'
                                self.value(&p);
                            }
                            Some(b',') => self.i += 1,
                            _ => {
                                self.i += 1; // '}'
                                return;
                            }
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut n = 0;
                    loop {
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b']') | None => {
                                self.i += 1;
                                return;
                            }
                            Some(b',') => self.i += 1,
                            _ => {
                                self.value(&format!("{path}[{n}]"));
                                n += 1;
                            }
                        }
                    }
                }
                Some(b'"') => {
                    self.string();
                }
                _ => {
                    while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']') && !self.b[self.i].is_ascii_whitespace() {
                        self.i += 1;
                    }
                }
            }
        }
    }
    let mut p = P { b: text.as_bytes(), i: 0, out: Vec::new() };
    p.value("");
    p.out
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    #[test]
    fn finds_duplicate_keys_with_their_paths() {
        let t = r#"{"spec": {"replicas": 1, "a\"b": [1, {"x": "}", "x": 2}], "replicas": 2}, "kind": "D"}"#;
        assert_eq!(duplicate_fields(t), ["spec.a\"b[1].x", "spec.replicas"]);
        assert!(duplicate_fields(r#"{"a": {"b": 1}, "c": {"b": 2}}"#).is_empty());
    }
}
