#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The standalone binary and the wire protocol, spoken over raw HTTP/1.1 (no Kubernetes
//! client in between): discovery, server-side apply conflicts as a 409 Status, dry run,
//! watch from a resourceVersion with bookmarks, and deletes with propagation.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tusk-kube-fake"))
        .args(["--addr", "127.0.0.1:0", "--kubeconfig"])
        .arg(&kc)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().to_string();
    let kubeconfig = std::fs::read_to_string(&kc).unwrap();
    assert!(kubeconfig.contains(&format!("server: {url}")), "{kubeconfig}");
    Server { child, addr: url.trim_start_matches("http://").to_string() }
}

/// One request; returns (status, body).
fn req(s: &Server, method: &str, path: &str, ctype: &str, body: &str) -> (u16, String) {
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    let status: u16 = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("").to_string();
    (status, dechunk(&body))
}

fn dechunk(b: &str) -> String {
    // Bodies may be chunked; keep only the JSON lines.
    b.lines().filter(|l| l.starts_with('{') || l.starts_with('[')).collect::<Vec<_>>().join("\n")
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: one\n";

#[test]
fn discovery_apply_conflict_dry_run_delete() {
    let s = start();
    let (st, body) = req(&s, "GET", "/version", "", "");
    assert_eq!(st, 200);
    assert_eq!(json(&body)["gitVersion"], "v1.34.0-tusk-fake");
    let (_, body) = req(&s, "GET", "/apis/apps/v1", "", "");
    let v = json(&body);
    assert!(v["resources"].as_array().unwrap().iter().any(|r| r["name"] == "deployments/scale"));

    let path = "/api/v1/namespaces/default/configmaps/c";
    let (st, _) = req(&s, "PATCH", path, "application/apply-patch+yaml", CM);
    assert_eq!(st, 400, "fieldManager is required");
    let (st, body) = req(&s, "PATCH", &format!("{path}?fieldManager=alice"), "application/apply-patch+yaml", CM);
    assert_eq!(st, 201, "{body}");
    assert_eq!(json(&body)["metadata"]["managedFields"][0]["manager"], "alice");
    // Another manager applying a different value conflicts.
    let (st, body) = req(&s, "PATCH", &format!("{path}?fieldManager=bob"), "application/apply-patch+yaml", &CM.replace("one", "two"));
    assert_eq!(st, 409);
    let v = json(&body);
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["reason"], "Conflict");
    assert_eq!(v["details"]["causes"][0]["field"], ".data.a");
    // Dry run with force: the answer shows the change, the store keeps the old value.
    let (st, body) = req(&s, "PATCH", &format!("{path}?fieldManager=bob&force=true&dryRun=All"), "application/apply-patch+yaml", &CM.replace("one", "two"));
    assert_eq!(st, 200, "{body}");
    assert_eq!(json(&body)["data"]["a"], "two");
    let (_, body) = req(&s, "GET", path, "", "");
    assert_eq!(json(&body)["data"]["a"], "one");
    // A manager that stops applying a field removes it.
    let (_, body) = req(&s, "PATCH", &format!("{path}?fieldManager=alice"), "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  b: x\n");
    let v = json(&body);
    assert!(v["data"].get("a").is_none(), "{v}");
    assert_eq!(v["data"]["b"], "x");
    let (st, body) = req(&s, "DELETE", path, "application/json", "{\"propagationPolicy\":\"Foreground\"}");
    assert_eq!(st, 200, "{body}");
    let (st, body) = req(&s, "GET", path, "", "");
    assert_eq!(st, 404);
    assert_eq!(json(&body)["reason"], "NotFound");
}

#[test]
fn watch_from_resource_version_with_bookmarks() {
    let s = start();
    let (_, body) = req(&s, "GET", "/api/v1/namespaces/default/configmaps", "", "");
    let rv = json(&body)["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    req(&s, "PATCH", "/api/v1/namespaces/default/configmaps/c?fieldManager=t", "application/apply-patch+yaml", CM);
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&timeoutSeconds=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    let events: Vec<serde_json::Value> = out.lines().filter(|l| l.starts_with('{')).map(json).collect();
    assert_eq!(events[0]["type"], "ADDED", "{out}");
    assert_eq!(events[0]["object"]["metadata"]["name"], "c");
    assert!(events.iter().any(|e| e["type"] == "BOOKMARK"), "{out}");
    // Without a resource version (0) the watch starts with the current state.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert!(out.contains("\"type\":\"ADDED\""), "resourceVersion=0 starts with the current state: {out}");
}

#[test]
fn delete_collection_by_label_selector() {
    // deletecollection (advertised in discovery) deletes what the selector matches and answers
    // with the deleted objects' list (https://kubernetes.io/docs/reference/using-api/api-concepts/#collections).
    let s = start();
    for (name, tier) in [("a", "web"), ("b", "web"), ("c", "db")] {
        let cm = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels: {{tier: {tier}}}\n");
        let (st, body) = req(&s, "PATCH", &format!("/api/v1/namespaces/default/configmaps/{name}?fieldManager=t"), "application/apply-patch+yaml", &cm);
        assert_eq!(st, 201, "{body}");
    }
    let (st, body) = req(&s, "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dweb", "", "");
    assert_eq!(st, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["kind"], "ConfigMapList");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, body) = req(&s, "GET", "/api/v1/namespaces/default/configmaps", "", "");
    let names: Vec<String> = json(&body)["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_string()).collect();
    assert!(names.contains(&"c".to_string()) && !names.contains(&"a".to_string()) && !names.contains(&"b".to_string()), "{names:?}");
}

#[test]
fn list_paging_with_limit_and_continue() {
    // limit/continue (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks):
    // a page of `limit` items, `continue` and `remainingItemCount` while more remain, none on the last page.
    let s = start();
    let (st, body) = req(&s, "POST", "/api/v1/namespaces", "application/json", r#"{"metadata":{"name":"paging"}}"#);
    assert_eq!(st, 201, "{body}");
    for name in ["p1", "p2", "p3"] {
        let cm = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
        let (st, body) = req(&s, "PATCH", &format!("/api/v1/namespaces/paging/configmaps/{name}?fieldManager=t"), "application/apply-patch+yaml", &cm);
        assert_eq!(st, 201, "{body}");
    }
    let (st, body) = req(&s, "GET", "/api/v1/namespaces/paging/configmaps?limit=2", "", "");
    assert_eq!(st, 200, "{body}");
    let v = json(&body);
    let names = |v: &serde_json::Value| v["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&v), ["p1", "p2"]);
    assert_eq!(v["metadata"]["remainingItemCount"], 1);
    let token = v["metadata"]["continue"].as_str().unwrap().to_string();
    let (_, body) = req(&s, "GET", &format!("/api/v1/namespaces/paging/configmaps?limit=2&continue={token}"), "", "");
    let v2 = json(&body);
    assert_eq!(names(&v2), ["p3"]);
    assert!(v2["metadata"].get("continue").is_none(), "{v2}");
    assert_eq!(v2["metadata"]["resourceVersion"], v["metadata"]["resourceVersion"]);
    let (st, _) = req(&s, "GET", "/api/v1/namespaces/paging/configmaps?limit=2&continue=nonsense", "", "");
    assert_eq!(st, 400);
}

#[test]
fn manager_named_after_the_user_agent_without_field_manager() {
    // Without fieldManager the manager is the User-Agent's product name
    // (https://kubernetes.io/docs/reference/using-api/server-side-apply/#managers: "the default
    // manager is derived from the user agent").
    let s = start();
    let body = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ua"},"data":{"a":"1"}}"#;
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nConnection: close\r\nUser-Agent: helm/v3.16.0 (linux/amd64)\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 201"), "{out}");
    let v = json(out.split_once("\r\n\r\n").unwrap().1);
    assert_eq!(v["metadata"]["managedFields"][0]["manager"], "helm", "{v}");
}

/// One request; returns (status, head, body).
fn req_full(s: &Server, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (out[9..12].parse().unwrap(), head.to_string(), dechunk(body))
}

#[test]
fn field_validation_strict_warn_ignore_over_the_wire() {
    // https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation (and the
    // `fieldValidation` parameter's description in the OpenAPI document): Strict fails with a
    // BadRequest naming every unknown and duplicate field, Warn (the default) stores without
    // them and sends one `Warning: 299 - "…"` header each (RFC 7234 §5.5), Ignore drops them.
    let s = start();
    let cm = |name: &str| format!(r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}","labels":{{"a":"1","a":"2"}}}},"data":{{"k":"v"}},"bogus":{{"x":1}}}}"#);
    let base = "/api/v1/namespaces/default/configmaps";
    let (st, _, body) = req_full(&s, "POST", &format!("{base}?fieldValidation=Strict"), &cm("strict"));
    assert_eq!(st, 400, "{body}");
    let v = json(&body);
    assert_eq!(v["reason"], "BadRequest");
    assert_eq!(v["message"], r#"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", duplicate field "metadata.labels.a""#);
    let (st, head, body) = req_full(&s, "POST", base, &cm("warned"));
    assert_eq!(st, 201, "{body}");
    assert!(head.contains(r#"warning: 299 - "unknown field \"bogus\"""#), "{head}");
    assert!(head.contains(r#"warning: 299 - "duplicate field \"metadata.labels.a\"""#), "{head}");
    let v = json(&body);
    assert!(v.get("bogus").is_none(), "{v}");
    assert_eq!(v["metadata"]["labels"]["a"], "2", "the last of duplicate fields is kept");
    let (st, head, _) = req_full(&s, "POST", &format!("{base}?fieldValidation=Ignore"), &cm("ignored"));
    assert_eq!(st, 201);
    assert!(!head.to_lowercase().contains("warning:"), "{head}");
    // Server-side apply: an undeclared field fails the typed conversion in every mode.
    let (st, body) = req(&s, "PATCH", &format!("{base}/applied?fieldManager=t&fieldValidation=Ignore"), "application/apply-patch+yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\nbogus: 1\n");
    assert_eq!(st, 500, "{body}");
    assert_eq!(json(&body)["message"], "failed to create typed patch object (default/applied; /v1, Kind=ConfigMap): .bogus: field not declared in schema");
}

#[test]
fn job_pods_must_not_restart_always() {
    // Job validation (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-template:
    // "Only a RestartPolicy equal to Never or OnFailure is allowed"); a missing one is not
    // defaulted to Always for a Job.
    let s = start();
    let job = |rp: &str| format!(r#"{{"apiVersion":"batch/v1","kind":"Job","metadata":{{"name":"j"}},"spec":{{"template":{{"spec":{{{rp}"containers":[{{"name":"c","image":"busybox:1.36"}}]}}}}}}}}"#);
    let base = "/apis/batch/v1/namespaces/default/jobs";
    let (st, body) = req(&s, "POST", base, "application/json", &job(""));
    assert_eq!(st, 422, "{body}");
    assert_eq!(json(&body)["message"], r#"Job.batch "j" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#);
    let (st, body) = req(&s, "POST", base, "application/json", &job(r#""restartPolicy":"Always","#));
    assert_eq!(st, 422, "{body}");
    // The system namespaces cannot be deleted (NamespaceLifecycle admission,
    // https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#namespacelifecycle).
    let (st, body) = req(&s, "DELETE", "/api/v1/namespaces/default", "", "");
    assert_eq!(st, 403, "{body}");
    assert_eq!(json(&body)["message"], r#"namespaces "default" is forbidden: this namespace may not be deleted"#);
    let (st, body) = req(&s, "POST", base, "application/json", &job(r#""restartPolicy":"Never","#));
    assert_eq!(st, 201, "{body}");
    let v = json(&body);
    assert_eq!(v["spec"]["backoffLimit"], 6);
    assert_eq!(v["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
}
