//! Server-side apply field sets, as structured-merge-diff builds them from the schema
//! (https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy and
//! "Field management"): maps recurse field by field, `x-kubernetes-map-type: atomic` maps and
//! lists without a list type are one field, `x-kubernetes-list-type: map` lists are owned
//! element by element by their `x-kubernetes-list-map-keys` (`k:{"name":"web"}`), `set` lists
//! value by value (`v:"x"`).
//!
//! A path is a list of segments: a field name, `k:{…}` (a map-list element, keys sorted, as
//! fieldsV1 writes them) or `v:…` (a set element). A path ending in an element is the element
//! itself (fieldsV1's `.`).

use crate::schema::{self, ListType};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub type FieldPath = Vec<String>;

fn is_elem(seg: &str) -> bool {
    seg.starts_with("k:") || seg.starts_with("v:")
}

/// Whether the path names a list element itself (no value of its own to conflict on).
pub fn is_element(p: &FieldPath) -> bool {
    p.last().is_some_and(|s| is_elem(s))
}

fn map_atomic(s: Option<&Value>) -> bool {
    s.is_some_and(|s| s["x-kubernetes-map-type"] == "atomic" || schema::resolve(s)["x-kubernetes-map-type"] == "atomic")
}

/// The value of a map key of an element, defaulted like the API server defaults the key
/// fields before building the field set (`protocol` of container and service ports
/// "Defaults to \"TCP\"").
fn key_value(item: &Value, k: &str) -> Value {
    match item.get(k) {
        Some(v) => v.clone(),
        None if k == "protocol" => json!("TCP"),
        None => Value::Null,
    }
}

/// `k:{"containerPort":80,"protocol":"TCP"}`: keys sorted by name, compact JSON.
fn key_seg(item: &Value, keys: &[String]) -> String {
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort();
    let mut m = Map::new();
    for k in sorted {
        m.insert(k.clone(), key_value(item, k));
    }
    format!("k:{}", Value::Object(m))
}

fn matches_key(item: &Value, seg: &str) -> bool {
    let Ok(Value::Object(want)) = serde_json::from_str::<Value>(&seg[2..]) else { return false };
    want.iter().all(|(k, v)| key_value(item, k) == *v)
}

fn matches_value(item: &Value, seg: &str) -> bool {
    serde_json::from_str::<Value>(&seg[2..]).is_ok_and(|v| *item == v)
}

fn list_kind(s: Option<&Value>, items: &[Value]) -> ListType {
    match schema::list_type(s) {
        // A map list whose items lack the keys cannot be keyed: atomic, like an invalid object would be refused.
        ListType::Map(keys) if keys.is_empty() || items.iter().any(|i| !i.is_object()) => ListType::Atomic,
        other => other,
    }
}

/// The field set of a value: every leaf, and every list element itself.
pub fn field_set(v: &Value, s: Option<&Value>) -> BTreeSet<FieldPath> {
    let mut out = BTreeSet::new();
    walk(v, s, &mut Vec::new(), &mut out);
    out
}

fn walk(v: &Value, s: Option<&Value>, prefix: &mut FieldPath, out: &mut BTreeSet<FieldPath>) {
    match v {
        Value::Object(m) if !m.is_empty() && !map_atomic(s) => {
            for (k, c) in m {
                prefix.push(k.clone());
                walk(c, s.and_then(|s| schema::child(s, k)), prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) if !a.is_empty() => match list_kind(s, a) {
            ListType::Map(keys) => {
                let is = s.and_then(schema::items);
                for item in a {
                    prefix.push(key_seg(item, &keys));
                    out.insert(prefix.clone());
                    walk(item, is, prefix, out);
                    prefix.pop();
                }
            }
            ListType::Set => {
                for item in a {
                    prefix.push(format!("v:{item}"));
                    out.insert(prefix.clone());
                    prefix.pop();
                }
            }
            ListType::Atomic => {
                out.insert(prefix.clone());
            }
        },
        _ => {
            out.insert(prefix.clone());
        }
    }
}

/// The set with every struct field on the way to a member made a member too
/// (structured-merge-diff's `EnsureNamedFieldsAreMembers`): removing a field a manager no
/// longer applies removes the whole struct it had filled, defaulted children included, while
/// map keys and list elements are removed one by one.
pub fn with_named_fields(set: &BTreeSet<FieldPath>, s: Option<&Value>) -> BTreeSet<FieldPath> {
    let mut out = set.clone();
    for p in set {
        let mut sch = s;
        for (i, seg) in p.iter().enumerate() {
            if is_elem(seg) {
                sch = sch.and_then(schema::items);
                continue;
            }
            let named = sch.is_none_or(|s| schema::resolve(s)["properties"].get(seg).is_some());
            if named && i + 1 < p.len() {
                out.insert(p[..=i].to_vec());
            }
            sch = sch.and_then(|s| schema::child(s, seg));
        }
    }
    out
}

pub fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path {
        cur = if seg.starts_with("k:") {
            cur.as_array()?.iter().find(|i| matches_key(i, seg))?
        } else if seg.starts_with("v:") {
            cur.as_array()?.iter().find(|i| matches_value(i, seg))?
        } else {
            cur.as_object()?.get(seg)?
        };
    }
    Some(cur)
}

/// Removes what the path names, with everything inside it.
pub fn remove(v: &mut Value, path: &[String]) {
    let Some((first, rest)) = path.split_first() else { return };
    match v {
        Value::Object(m) => {
            if rest.is_empty() {
                m.remove(first);
            } else if let Some(c) = m.get_mut(first) {
                remove(c, rest);
            }
        }
        Value::Array(a) => {
            let pos = if first.starts_with("k:") {
                a.iter().position(|i| matches_key(i, first))
            } else if first.starts_with("v:") {
                a.iter().position(|i| matches_value(i, first))
            } else {
                None
            };
            let Some(pos) = pos else { return };
            if rest.is_empty() {
                a.remove(pos);
            } else {
                remove(&mut a[pos], rest);
            }
        }
        _ => {}
    }
}

/// Merges an applied configuration into the live object: fields recurse, map lists merge
/// element by element (live order kept, new elements appended), sets are unioned, atomic
/// lists and scalars are replaced.
pub fn merge(live: &mut Value, applied: &Value, s: Option<&Value>) {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) if !map_atomic(s) => {
            for (k, av) in a {
                let cs = s.and_then(|s| schema::child(s, k));
                match l.get_mut(k) {
                    Some(lv) if (lv.is_object() && av.is_object()) || (lv.is_array() && av.is_array()) => merge(lv, av, cs),
                    _ => {
                        l.insert(k.clone(), av.clone());
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(a)) => match list_kind(s, a) {
            ListType::Map(keys) => {
                let is = s.and_then(schema::items);
                for ai in a {
                    let seg = key_seg(ai, &keys);
                    match l.iter_mut().find(|li| matches_key(li, &seg)) {
                        Some(li) => merge(li, ai, is),
                        None => l.push(ai.clone()),
                    }
                }
            }
            ListType::Set => {
                for ai in a {
                    if !l.contains(ai) {
                        l.push(ai.clone());
                    }
                }
            }
            ListType::Atomic => *l = a.clone(),
        },
        (l, a) => *l = a.clone(),
    }
}

/// The paths an update changed (or added): what its manager comes to own.
pub fn changed(old: &Value, new: &Value, s: Option<&Value>) -> BTreeSet<FieldPath> {
    field_set(new, s).into_iter().filter(|p| if is_element(p) { get(old, p).is_none() } else { get(old, p) != get(new, p) }).collect()
}

/// `.spec.template.spec.containers[name="web"].image`: a path as structured-merge-diff prints it
/// in conflicts.
pub fn display(p: &FieldPath) -> String {
    let mut s = String::new();
    for seg in p {
        if let Some(keys) = seg.strip_prefix("k:") {
            let m: Map<String, Value> = serde_json::from_str(keys).unwrap_or_default();
            let inner: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", inner.join(",")));
        } else if let Some(v) = seg.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        } else {
            s.push('.');
            s.push_str(seg);
        }
    }
    s
}

/// The `fieldsV1` tree of a field set: `f:<field>`, `k:{…}` and `v:…` entries, and `.` for a
/// map-list element that is owned itself.
pub fn fields_v1(paths: &BTreeSet<FieldPath>) -> Value {
    let mut root = Value::Object(Map::new());
    for p in paths {
        let mut names: Vec<String> = p.iter().map(|seg| if is_elem(seg) { seg.clone() } else { format!("f:{seg}") }).collect();
        if p.last().is_some_and(|s| s.starts_with("k:")) {
            names.push(".".into());
        }
        let mut cur = &mut root;
        for name in names {
            let Value::Object(m) = cur else { break };
            cur = m.entry(name).or_insert_with(|| Value::Object(Map::new()));
        }
    }
    root
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dep() -> &'static Value {
        crate::openapi::definition("apps", "v1", "Deployment").unwrap()
    }

    #[test]
    fn map_lists_are_owned_per_element_and_sets_per_value() {
        let v = json!({"metadata": {"finalizers": ["a"]}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}], "args": ["x"]}]}}}});
        let fs = field_set(&v, Some(dep()));
        let paths: Vec<String> = fs.iter().map(display).collect();
        assert_eq!(paths, [
            ".metadata.finalizers[=\"a\"]",
            ".spec.selector",
            ".spec.template.spec.containers[name=\"web\"]",
            ".spec.template.spec.containers[name=\"web\"].args",
            ".spec.template.spec.containers[name=\"web\"].image",
            ".spec.template.spec.containers[name=\"web\"].name",
            ".spec.template.spec.containers[name=\"web\"].ports[containerPort=80,protocol=\"TCP\"]",
            ".spec.template.spec.containers[name=\"web\"].ports[containerPort=80,protocol=\"TCP\"].containerPort",
        ]);
        let f = fields_v1(&fs);
        let c = &f["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
        assert_eq!(c["."], json!({}));
        assert!(c["f:ports"]["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]["f:containerPort"].is_object());
        assert_eq!(f["f:metadata"]["f:finalizers"]["v:\"a\""], json!({}));
    }

    #[test]
    fn merge_by_key_keeps_other_elements() {
        let mut live = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "a", "resources": {}}]}}}});
        let applied = json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "b"}]}}}});
        merge(&mut live, &applied, Some(dep()));
        assert_eq!(live["spec"]["template"]["spec"]["containers"], json!([{"name": "web", "image": "a", "resources": {}}, {"name": "side", "image": "b"}]));
        remove(&mut live, &["spec".into(), "template".into(), "spec".into(), "containers".into(), "k:{\"name\":\"web\"}".into()]);
        assert_eq!(live["spec"]["template"]["spec"]["containers"], json!([{"name": "side", "image": "b"}]));
    }
}
