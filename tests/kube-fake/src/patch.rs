//! JSON patch (RFC 6902) and strategic merge patch, as the API server applies them.
//!
//! Strategic merge patch follows k8s.io/apimachinery `pkg/util/strategicpatch` and the
//! design doc (kubernetes/community `contributors/devel/sig-api-machinery/strategic-merge-patch.md`):
//! lists whose field carries `x-kubernetes-patch-strategy: merge` in the OpenAPI document are
//! merged by `x-kubernetes-patch-merge-key` (or unioned when they hold primitives), other
//! lists are replaced; directives `$patch: replace|delete|merge`, `$retainKeys`,
//! `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are applied and never stored.

use crate::openapi;
use serde_json::{Map, Value};

/// Why a patch could not be applied: `(HTTP code, message)`.
pub type PatchError = (u16, String);

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

fn pointer_tokens(p: &str) -> Result<Vec<String>, PatchError> {
    if p.is_empty() {
        return Ok(vec![]);
    }
    let Some(rest) = p.strip_prefix('/') else { return Err((422, format!("invalid JSON pointer {p:?}: must start with /"))) };
    Ok(rest.split('/').map(unescape).collect())
}

fn array_index(tok: &str, len: usize, allow_end: bool) -> Result<usize, PatchError> {
    if allow_end && tok == "-" {
        return Ok(len);
    }
    let i: usize = tok.parse().map_err(|_| (422, format!("invalid array index {tok:?}")))?;
    let max = if allow_end { len } else { len.saturating_sub(1) };
    if (len == 0 && !allow_end) || i > max {
        return Err((422, format!("array index {i} out of bounds")));
    }
    Ok(i)
}

fn parent_mut<'a>(doc: &'a mut Value, toks: &[String], path: &str) -> Result<&'a mut Value, PatchError> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| (422, format!("doc is missing path: {path:?}")))?;
    }
    Ok(cur)
}

fn add(doc: &mut Value, path: &str, v: Value) -> Result<(), PatchError> {
    let toks = pointer_tokens(path)?;
    let Some((last, parent)) = toks.split_last() else {
        *doc = v;
        return Ok(());
    };
    match parent_mut(doc, parent, path)? {
        Value::Object(m) => {
            m.insert(last.clone(), v);
        }
        Value::Array(a) => {
            let i = array_index(last, a.len(), true)?;
            a.insert(i, v);
        }
        _ => return Err((422, format!("doc is missing path: {path:?}"))),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let toks = pointer_tokens(path)?;
    let Some((last, parent)) = toks.split_last() else { return Err((422, "cannot remove the whole document".into())) };
    let missing = || (422, format!("unable to remove nonexistent key: {last}: missing value"));
    match parent_mut(doc, parent, path)? {
        Value::Object(m) => m.remove(last).ok_or_else(missing),
        Value::Array(a) => {
            let i = array_index(last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err(missing()),
    }
}

fn get<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, PatchError> {
    let toks = pointer_tokens(path)?;
    let mut cur = doc;
    for t in &toks {
        cur = match cur {
            Value::Object(m) => m.get(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .ok_or_else(|| (422, format!("doc is missing path: {path:?}")))?;
    }
    Ok(cur)
}

/// Applies an RFC 6902 JSON patch (an array of operations) to `doc`.
pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let Some(ops) = ops.as_array() else { return Err((400, "json patch must be an array of operations".into())) };
    for op in ops {
        let path = op["path"].as_str().ok_or((400, format!("operation has no path: {op}")))?;
        let from = || op["from"].as_str().ok_or((400, format!("operation has no from: {op}")));
        let value = || op.get("value").cloned().ok_or((400, format!("operation has no value: {op}")));
        match op["op"].as_str().unwrap_or("") {
            "add" => add(doc, path, value()?)?,
            "remove" => {
                remove(doc, path)?;
            }
            "replace" => {
                remove(doc, path).map_err(|_| (422, format!("replace operation does not apply: doc is missing key: {path}")))?;
                add(doc, path, value()?)?;
            }
            "move" => {
                let from = from()?;
                if path.starts_with(&format!("{from}/")) {
                    return Err((422, format!("cannot move {from} into its own child {path}")));
                }
                let v = remove(doc, from)?;
                add(doc, path, v)?;
            }
            "copy" => {
                let v = get(doc, from()?)?.clone();
                add(doc, path, v)?;
            }
            "test" => {
                if *get(doc, path)? != value()? {
                    return Err((422, format!("testing value {path} failed: test failed")));
                }
            }
            other => return Err((400, format!("unexpected kind: {other:?}"))),
        }
    }
    Ok(())
}

const SET_ORDER: &str = "$setElementOrder/";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Applies a strategic merge patch to an object of a built-in kind whose OpenAPI definition is
/// `schema` (the kind's root definition).
pub fn strategic_merge(original: &Value, patch: &Value, schema: Option<&'static Value>) -> Result<Value, PatchError> {
    let (Value::Object(o), Value::Object(p)) = (original, patch) else { return Err((400, "strategic merge patch must be a JSON object".into())) };
    Ok(merge_map(o.clone(), p, schema)?.map(Value::Object).unwrap_or(Value::Object(Map::new())))
}

/// `None` when the patch deletes the whole map (`$patch: delete`).
fn merge_map(mut orig: Map<String, Value>, patch: &Map<String, Value>, schema: Option<&'static Value>) -> Result<Option<Map<String, Value>>, PatchError> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("delete") => return Ok(None),
        Some("replace") => {
            let mut p = patch.clone();
            p.remove("$patch");
            return merge_map(Map::new(), &p, schema);
        }
        Some("merge") | None => {}
        Some(other) => return Err((400, format!("unknown patch type: {other} in map: {}", Value::Object(patch.clone())))),
    }
    if let Some(keep) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        orig.retain(|k, _| keep.contains(&k.as_str()));
    }
    // The lists as they were, for `$setElementOrder` (server-only items keep their places).
    let server_order: Map<String, Value> =
        patch.keys().filter_map(|k| k.strip_prefix(SET_ORDER)).filter_map(|l| orig.get(l).map(|v| (l.to_string(), v.clone()))).collect();
    for (k, pv) in patch {
        if k == "$patch" || k == "$retainKeys" || k.starts_with(SET_ORDER) {
            continue;
        }
        if let Some(list) = k.strip_prefix(DELETE_PRIMITIVE) {
            let gone: Vec<&Value> = pv.as_array().into_iter().flatten().collect();
            if let Some(Value::Array(a)) = orig.get_mut(list) {
                a.retain(|x| !gone.contains(&x));
            }
            continue;
        }
        let fs = openapi::field(schema, k);
        if pv.is_null() {
            orig.remove(k);
            continue;
        }
        let merged = match (orig.remove(k), pv) {
            (Some(Value::Object(om)), Value::Object(pm)) => merge_map(om, pm, fs)?.map(Value::Object),
            (None, Value::Object(pm)) => merge_map(Map::new(), pm, fs)?.map(Value::Object),
            (Some(Value::Array(oa)), Value::Array(pa)) => Some(Value::Array(merge_list(oa, pa, fs)?)),
            (None, Value::Array(pa)) => Some(Value::Array(merge_list(Vec::new(), pa, fs)?)),
            (_, other) => Some(other.clone()),
        };
        if let Some(v) = merged {
            orig.insert(k.clone(), v);
        }
    }
    for (k, order) in patch.iter().filter_map(|(k, v)| k.strip_prefix(SET_ORDER).map(|l| (l, v))) {
        let key = openapi::field(schema, k).and_then(|f| f["x-kubernetes-patch-merge-key"].as_str());
        if let (Some(Value::Array(items)), Some(order)) = (orig.get_mut(k), order.as_array()) {
            let before = server_order.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
            set_order(items, order, &before, key);
        }
    }
    Ok(Some(orig))
}

fn merge_list(orig: Vec<Value>, patch: &[Value], fs: Option<&'static Value>) -> Result<Vec<Value>, PatchError> {
    let strategy = fs.and_then(|f| f["x-kubernetes-patch-strategy"].as_str()).unwrap_or("");
    let merge = strategy.split(',').any(|s| s == "merge");
    let item_schema = openapi::items(fs);
    // `{"$patch": "replace"}` among the items replaces the list with the other items.
    let replace = patch.iter().any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    if !merge || replace {
        let mut out = Vec::new();
        for i in patch.iter().filter(|i| i.get("$patch").and_then(Value::as_str) != Some("replace")) {
            match i {
                Value::Object(m) => {
                    if let Some(m) = merge_map(Map::new(), m, item_schema)? {
                        out.push(Value::Object(m));
                    }
                }
                other => out.push(other.clone()),
            }
        }
        return Ok(out);
    }
    let Some(key) = fs.and_then(|f| f["x-kubernetes-patch-merge-key"].as_str()) else {
        // A merging list of primitives is a set union.
        let mut out = orig;
        for i in patch {
            if !out.contains(i) {
                out.push(i.clone());
            }
        }
        return Ok(out);
    };
    let mut out = orig;
    for pi in patch {
        let Value::Object(pm) = pi else { return Err((400, format!("list item {pi} is not an object; merge key {key} expected"))) };
        let Some(kv) = pm.get(key) else { return Err((400, format!("map: {pi} does not contain declared merge key: {key}"))) };
        let pos = out.iter().position(|o| o.get(key) == Some(kv));
        if pm.get("$patch").and_then(Value::as_str) == Some("delete") {
            out.retain(|o| o.get(key) != Some(kv));
            continue;
        }
        match pos {
            Some(i) => {
                let om = out[i].as_object().cloned().unwrap_or_default();
                match merge_map(om, pm, item_schema)? {
                    Some(m) => out[i] = Value::Object(m),
                    None => {
                        out.remove(i);
                    }
                }
            }
            None => {
                if let Some(m) = merge_map(Map::new(), pm, item_schema)? {
                    out.push(Value::Object(m));
                }
            }
        }
    }
    Ok(out)
}

/// `$setElementOrder`, as apimachinery's `normalizeElementOrder` and `mergeSortedSlice` do it:
/// the items it names come in its order, the others (set by the server or other clients) in
/// their previous order, and the two sequences are interleaved by their positions in the
/// previous list; when an item of either is new, the server-only item goes first.
fn set_order(items: &mut Vec<Value>, order: &[Value], before: &[Value], key: Option<&str>) {
    let ident = |v: &Value| -> Value {
        match key {
            Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let order: Vec<Value> = order.iter().map(ident).collect();
    let before: Vec<Value> = before.iter().map(ident).collect();
    let (mut named, mut rest): (Vec<Value>, Vec<Value>) = std::mem::take(items).into_iter().partition(|i| order.contains(&ident(i)));
    named.sort_by_key(|i| order.iter().position(|o| *o == ident(i)).unwrap_or(usize::MAX));
    rest.sort_by_key(|i| before.iter().position(|o| *o == ident(i)).unwrap_or(usize::MAX));
    let pos = |v: &Value| before.iter().position(|o| *o == ident(v));
    let (mut l, mut r) = (named.into_iter().peekable(), rest.into_iter().peekable());
    loop {
        let take_left = match (l.peek(), r.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => matches!((pos(a), pos(b)), (Some(x), Some(y)) if x < y),
        };
        if let Some(v) = if take_left { l.next() } else { r.next() } {
            items.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn deploy_schema() -> Option<&'static Value> {
        openapi::definition("apps", "v1", "Deployment")
    }

    #[test]
    fn json_patch_rfc6902_examples() {
        // RFC 6902 §A.1, A.3, A.6, A.7, A.14 (escaping), A.9 (failed test).
        let mut d = json!({"foo": "bar", "a/b": 1, "m~n": 2, "baz": [1, 2]});
        json_patch(
            &mut d,
            &json!([{"op": "add", "path": "/baz/1", "value": 9}, {"op": "replace", "path": "/a~1b", "value": 3},
                    {"op": "move", "from": "/m~0n", "path": "/q"}, {"op": "copy", "from": "/foo", "path": "/baz/-"},
                    {"op": "remove", "path": "/baz/0"}, {"op": "test", "path": "/q", "value": 2}]),
        )
        .unwrap();
        assert_eq!(d, json!({"foo": "bar", "a/b": 3, "baz": [9, 2, "bar"], "q": 2}));
        let e = json_patch(&mut d, &json!([{"op": "test", "path": "/foo", "value": "x"}])).unwrap_err();
        assert_eq!(e.0, 422);
        assert_eq!(json_patch(&mut d, &json!([{"op": "remove", "path": "/nope"}])).unwrap_err().0, 422);
    }

    #[test]
    fn strategic_merge_by_merge_key_with_directives() {
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}], "ports": [{"containerPort": 80}]},
            {"name": "side", "image": "busybox"}]}}}});
        // What `kubectl set env deploy/web FOO=bar` sends.
        let p = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "side"}],
            "containers": [{"name": "web", "$setElementOrder/env": [{"name": "A"}, {"name": "FOO"}], "env": [{"name": "FOO", "value": "bar"}]}]}}}});
        let out = strategic_merge(&live, &p, deploy_schema()).unwrap();
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs[0]["image"], "nginx:1.27");
        assert_eq!(cs[0]["env"], json!([{"name": "A", "value": "1"}, {"name": "FOO", "value": "bar"}]));
        assert_eq!(cs[1]["name"], "side");
        assert!(!out.to_string().contains('$'), "{out}");
        // $patch: delete on an item, $patch: replace on a map, null removes.
        let p = json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"},
            {"name": "web", "ports": [{"containerPort": 8080}], "resources": {"$patch": "replace", "limits": {"cpu": "1"}}, "env": null}]}}}});
        let out = strategic_merge(&out, &p, deploy_schema()).unwrap();
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 1);
        assert_eq!(cs[0]["ports"], json!([{"containerPort": 80}, {"containerPort": 8080}]));
        assert_eq!(cs[0]["resources"], json!({"limits": {"cpu": "1"}}));
        assert!(cs[0].get("env").is_none());
    }

    #[test]
    fn strategic_merge_retain_keys_primitive_lists_and_atomic_lists() {
        let live = json!({"metadata": {"finalizers": ["a", "b"]}, "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {"spec": {"containers": [{"name": "c", "args": ["x", "y"]}]}}}});
        let p = json!({"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"},
                     "template": {"spec": {"containers": [{"name": "c", "args": ["z"]}]}}}});
        let out = strategic_merge(&live, &p, deploy_schema()).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b", "c"]), "finalizers merge as a set");
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["args"], json!(["z"]), "args have no patch strategy: replaced");
    }
}
