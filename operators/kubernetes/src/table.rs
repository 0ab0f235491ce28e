//! Cells for kubectl-like tables (`get`, `status`): ages and pod rows.

use serde_json::Value;
use tusk_registry::{Cell, Style};

/// `12s`, `5m`, `3h`, `2d` since an RFC 3339 timestamp, as kubectl prints ages.
pub fn age(ts: Option<&str>) -> String {
    let Some(ts) = ts else { return "-".into() };
    let Ok(t) = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339) else { return "-".into() };
    let secs = (time::OffsetDateTime::now_utc() - t).whole_seconds().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// NAME, READY, STATUS (the waiting reason when a container has one), RESTARTS, AGE.
pub fn pod_row(p: &Value) -> Vec<Cell> {
    let cs = p["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
    let total = p["spec"]["containers"].as_array().map(|c| c.len()).unwrap_or(0);
    let ready = cs.iter().filter(|c| c["ready"] == true).count();
    let restarts: i64 = cs.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum();
    let mut status = p["status"]["phase"].as_str().unwrap_or("Pending").to_string();
    for c in &cs {
        if let Some(r) = c["state"]["waiting"]["reason"].as_str() {
            status = r.to_string();
        }
    }
    let style = match status.as_str() {
        "Running" | "Succeeded" if ready == total || status == "Succeeded" => Style::Good,
        "Running" | "Pending" | "ContainerCreating" => Style::Warn,
        _ => Style::Bad,
    };
    vec![
        Cell::from(p["metadata"]["name"].as_str().unwrap_or("").to_string()),
        Cell::from(format!("{ready}/{total}")),
        Cell::styled(status, style),
        Cell::from(restarts.to_string()),
        Cell::from(age(p["metadata"]["creationTimestamp"].as_str())),
    ]
}
