//! Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, which
//! `kubectl get` asks for (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
//! Columns as the API server's printers define them (kubernetes/pkg/printers/internalversion)
//! for pods, deployments, replicasets, services, namespaces and jobs; other kinds get Name and
//! Age, like a kind without printer columns.

use serde_json::{Value, json};

/// Whether the request asks for a Table (in any of its Accept alternatives).
pub fn wanted(accept: &str) -> bool {
    accept.split(',').any(|a| {
        let params: Vec<&str> = a.split(';').map(str::trim).collect();
        params.contains(&"as=Table") && params.contains(&"g=meta.k8s.io") && (params.contains(&"v=v1") || params.contains(&"v=v1beta1"))
    })
}

fn col(name: &str, ty: &str, format: &str, priority: u8) -> Value {
    json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
}

fn columns(group: &str, kind: &str) -> Vec<Value> {
    let name = col("Name", "string", "name", 0);
    let age = col("Age", "string", "", 0);
    match (group, kind) {
        ("", "Pod") => vec![
            name,
            col("Ready", "string", "", 0),
            col("Status", "string", "", 0),
            col("Restarts", "string", "", 0),
            age,
            col("IP", "string", "", 1),
            col("Node", "string", "", 1),
        ],
        ("apps", "Deployment") => vec![
            name,
            col("Ready", "string", "", 0),
            col("Up-to-date", "integer", "", 0),
            col("Available", "integer", "", 0),
            age,
            col("Containers", "string", "", 1),
            col("Images", "string", "", 1),
        ],
        ("apps", "ReplicaSet") => vec![name, col("Desired", "integer", "", 0), col("Current", "integer", "", 0), col("Ready", "integer", "", 0), age],
        ("", "Service") => vec![
            name,
            col("Type", "string", "", 0),
            col("Cluster-IP", "string", "", 0),
            col("External-IP", "string", "", 0),
            col("Port(s)", "string", "", 0),
            age,
        ],
        ("", "Namespace") => vec![name, col("Status", "string", "", 0), age],
        ("batch", "Job") => vec![name, col("Status", "string", "", 0), col("Completions", "string", "", 0), age],
        _ => vec![name, age],
    }
}

/// `duration.HumanDuration` (k8s.io/apimachinery/pkg/util/duration), as the Age column shows it.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 { format!("{m}m") } else { format!("{m}m{}s", s % 60) };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 { format!("{h}h") } else { format!("{h}h{}m", m % 60) };
    }
    if h < 48 {
        return format!("{h}h");
    }
    let d = h / 24;
    if h < 24 * 8 {
        return if h % 24 == 0 { format!("{d}d") } else { format!("{d}d{}h", h % 24) };
    }
    if h < 24 * 365 * 2 {
        return format!("{d}d");
    }
    format!("{}y", d / 365)
}

fn age(obj: &Value) -> String {
    let Some(ts) = obj["metadata"]["creationTimestamp"].as_str() else { return "<unknown>".into() };
    match time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339) {
        Ok(t) => human_duration((time::OffsetDateTime::now_utc() - t).whole_seconds()),
        Err(_) => "<unknown>".into(),
    }
}

fn pod_status(p: &Value) -> String {
    if p["metadata"]["deletionTimestamp"].is_string() {
        return "Terminating".into();
    }
    let waiting = p["status"]["containerStatuses"].as_array().into_iter().flatten().find_map(|c| {
        c["state"]["waiting"]["reason"].as_str().or_else(|| c["state"]["terminated"]["reason"].as_str()).filter(|r| !r.is_empty())
    });
    waiting.or_else(|| p["status"]["reason"].as_str()).or_else(|| p["status"]["phase"].as_str()).unwrap_or("Unknown").to_string()
}

fn cells(group: &str, kind: &str, o: &Value) -> Vec<Value> {
    let name = json!(o["metadata"]["name"]);
    let a = json!(age(o));
    let s = |v: &Value| v.as_str().unwrap_or("<none>").to_string();
    match (group, kind) {
        ("", "Pod") => {
            let cs = o["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = cs.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = cs.iter().filter_map(|c| c["restartCount"].as_i64()).sum();
            vec![name, json!(format!("{ready}/{total}")), json!(pod_status(o)), json!(restarts.to_string()), a, json!(s(&o["status"]["podIP"])), json!(s(&o["spec"]["nodeName"]))]
        }
        ("apps", "Deployment") => {
            let names: Vec<&str> = o["spec"]["template"]["spec"]["containers"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
            let images: Vec<&str> = o["spec"]["template"]["spec"]["containers"].as_array().into_iter().flatten().filter_map(|c| c["image"].as_str()).collect();
            vec![
                name,
                json!(format!("{}/{}", o["status"]["readyReplicas"].as_i64().unwrap_or(0), o["spec"]["replicas"].as_i64().unwrap_or(1))),
                json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0)),
                json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0)),
                a,
                json!(names.join(",")),
                json!(images.join(",")),
            ]
        }
        ("apps", "ReplicaSet") => vec![
            name,
            json!(o["spec"]["replicas"].as_i64().unwrap_or(1)),
            json!(o["status"]["replicas"].as_i64().unwrap_or(0)),
            json!(o["status"]["readyReplicas"].as_i64().unwrap_or(0)),
            a,
        ],
        ("", "Service") => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match p["nodePort"].as_i64() {
                    Some(np) => format!("{}:{np}/{}", p["port"], s(&p["protocol"])),
                    None => format!("{}/{}", p["port"], s(&p["protocol"])),
                })
                .collect();
            let external = o["status"]["loadBalancer"]["ingress"]
                .as_array()
                .map(|i| i.iter().filter_map(|x| x["ip"].as_str().or_else(|| x["hostname"].as_str())).collect::<Vec<_>>().join(","))
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| if o["spec"]["type"] == "LoadBalancer" { "<pending>".into() } else { "<none>".into() });
            let ports = if ports.is_empty() { "<none>".to_string() } else { ports.join(",") };
            vec![name, json!(s(&o["spec"]["type"])), json!(s(&o["spec"]["clusterIP"])), json!(external), json!(ports), a]
        }
        ("", "Namespace") => vec![name, json!(s(&o["status"]["phase"])), a],
        ("batch", "Job") => {
            let done = o["status"]["conditions"].as_array().into_iter().flatten().find(|c| c["status"] == "True" && matches!(c["type"].as_str(), Some("Complete" | "Failed")));
            let status = match done.and_then(|c| c["type"].as_str()) {
                Some(t) => t.to_string(),
                None if o["status"]["active"].as_i64().unwrap_or(0) > 0 => "Running".into(),
                None => "Pending".into(),
            };
            vec![name, json!(status), json!(format!("{}/{}", o["status"]["succeeded"].as_i64().unwrap_or(0), o["spec"]["completions"].as_i64().unwrap_or(1))), a]
        }
        _ => vec![name, a],
    }
}

/// A custom resource's columns: its CRD version's `additionalPrinterColumns`, or Age
/// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#additional-printer-columns).
pub struct Custom {
    columns: Vec<(Value, String, String)>,
}

impl Custom {
    pub fn of(crd_version: &Value) -> Custom {
        let mut columns = Vec::new();
        for c in crd_version["additionalPrinterColumns"].as_array().into_iter().flatten() {
            let ty = c["type"].as_str().unwrap_or("string").to_string();
            let def = json!({"name": c["name"], "type": ty, "format": c["format"].as_str().unwrap_or(""),
                             "description": c["description"].as_str().unwrap_or(""), "priority": c["priority"].as_i64().unwrap_or(0)});
            columns.push((def, ty, c["jsonPath"].as_str().unwrap_or("").to_string()));
        }
        if columns.is_empty() {
            columns.push((col("Age", "date", "", 0), "date".into(), ".metadata.creationTimestamp".into()));
        }
        Custom { columns }
    }
}

/// A simple JSONPath (`.spec.size`, `.status.conditions[0].type`).
fn json_path<'a>(o: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = o;
    for part in path.trim_start_matches('.').split('.').filter(|p| !p.is_empty()) {
        let (field, idx) = match part.split_once('[') {
            Some((f, rest)) => (f, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !field.is_empty() {
            cur = cur.get(field)?;
        }
        if let Some(i) = idx {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// The Table of some objects. `include`: the `includeObject` parameter (`None`, `Object`, or
/// by default `Metadata`: a PartialObjectMetadata).
pub fn table(group: &str, kind: &str, custom: Option<&Custom>, objects: &[Value], metadata: Value, include: Option<&str>) -> Value {
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells = match custom {
                Some(c) => {
                    let mut cells = vec![json!(o["metadata"]["name"])];
                    for (_, ty, path) in &c.columns {
                        let v = json_path(o, path).cloned().unwrap_or(Value::Null);
                        cells.push(match (ty.as_str(), v.as_str()) {
                            ("date", Some(_)) => json!(age(&json!({"metadata": {"creationTimestamp": v}}))),
                            _ => v,
                        });
                    }
                    cells
                }
                None => cells(group, kind, o),
            };
            let mut row = json!({"cells": cells});
            match include {
                Some("None") => {}
                Some("Object") => row["object"] = o.clone(),
                _ => row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}),
            }
            row
        })
        .collect();
    let columns = match custom {
        Some(c) => std::iter::once(col("Name", "string", "name", 0)).chain(c.columns.iter().map(|(d, _, _)| d.clone())).collect(),
        None => columns(group, kind),
    };
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": columns, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_like_apimachinery() {
        let cases = [(5, "5s"), (119, "119s"), (125, "2m5s"), (600, "10m"), (3 * 3600 + 60, "3h1m"), (9 * 3600, "9h"), (50 * 3600, "2d2h"), (10 * 86400, "10d")];
        for (s, want) in cases {
            assert_eq!(human_duration(s), want, "{s}");
        }
        assert!(wanted("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"));
        assert!(!wanted("application/json"));
    }
}
