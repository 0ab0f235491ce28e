//! `deploy NAME --image …` → a Deployment, a Service (when ports are given) and an optional
//! HorizontalPodAutoscaler, with the standard `app.kubernetes.io/*` labels.

use serde_json::{Value, json};

pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The label that ties objects to a `tusk` app (for `--prune`).
pub const APP_LABEL: &str = "tusk.dev/app";

#[derive(Debug, Clone, Default, clap::Args)]
pub struct RenderFlags {
    /// Container image (required when deploying from flags)
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Number of pods
    #[arg(long, value_name = "N")]
    pub replicas: Option<i32>,
    /// Container port (repeatable); the Service exposes the same ports
    #[arg(long = "port", value_name = "PORT")]
    pub ports: Vec<u16>,
    /// Environment variable K=V (repeatable)
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// CPU request[:limit], e.g. 250m:1
    #[arg(long, value_name = "REQ[:LIM]")]
    pub cpu: Option<String>,
    /// Memory request[:limit], e.g. 128Mi:256Mi
    #[arg(long, value_name = "REQ[:LIM]")]
    pub memory: Option<String>,
    /// Service type
    #[arg(long, value_name = "TYPE", value_parser = ["ClusterIP", "NodePort", "LoadBalancer"])]
    pub expose: Option<String>,
    /// Horizontal autoscaling MIN:MAX:CPU%, e.g. 2:10:80
    #[arg(long, value_name = "MIN:MAX:CPU%")]
    pub autoscale: Option<String>,
    /// Readiness and liveness probe http:PATH:PORT, e.g. http:/healthz:8080
    #[arg(long, value_name = "http:PATH:PORT")]
    pub probe: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{flag}: {message}")]
    Bad { flag: &'static str, message: String, hint: String },
}

fn bad(flag: &'static str, message: impl Into<String>, hint: impl Into<String>) -> RenderError {
    RenderError::Bad { flag, message: message.into(), hint: hint.into() }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn image_tag(image: &str) -> Option<String> {
    let last = image.rsplit('/').next().unwrap_or(image);
    let no_digest = last.split('@').next().unwrap_or(last);
    no_digest.split_once(':').map(|(_, t)| t.to_string())
}

fn quantity_pair(flag: &'static str, s: &str) -> Result<(String, Option<String>), RenderError> {
    let (req, lim) = match s.split_once(':') {
        Some((r, l)) => (r.to_string(), Some(l.to_string())),
        None => (s.to_string(), None),
    };
    for q in std::iter::once(&req).chain(lim.iter()) {
        let ok = !q.is_empty()
            && q.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<f64>().is_ok()
            && ["", "m", "k", "M", "G", "T", "Ki", "Mi", "Gi", "Ti"].contains(&q.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'));
        if !ok {
            return Err(bad(flag, format!("`{q}` is not a Kubernetes quantity"), "use e.g. 250m, 1, 128Mi or 1Gi; REQ:LIM sets a limit too"));
        }
    }
    Ok((req, lim))
}

/// Builds the manifests for `deploy NAME --image …` / `render NAME --image …`.
pub fn render(name: &str, namespace: Option<&str>, app: Option<&str>, f: &RenderFlags) -> Result<Vec<Value>, RenderError> {
    if !valid_name(name) {
        return Err(bad("NAME", format!("`{name}` is not a valid name"), "use lower-case letters, digits and '-', starting with a letter (at most 63 characters)"));
    }
    let image = f.image.as_deref().ok_or_else(|| bad("--image", "an image is required to deploy from flags", "pass --image IMAGE, or -f FILE to deploy manifests"))?;
    if image.is_empty() || image.contains(char::is_whitespace) {
        return Err(bad("--image", format!("`{image}` is not an image reference"), "e.g. --image nginx:1.27 or ghcr.io/org/app@sha256:…"));
    }
    let mut labels = json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": name,
    });
    if let Some(t) = image_tag(image)
        && t.len() <= 63 && t.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            labels["app.kubernetes.io/version"] = json!(t);
        }
    labels[MANAGED_BY] = json!("tusk");
    if let Some(a) = app {
        labels[APP_LABEL] = json!(a);
    }
    let selector = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name});
    let mut container = json!({"name": name, "image": image});
    if !f.ports.is_empty() {
        container["ports"] = Value::Array(f.ports.iter().map(|p| json!({"name": format!("p{p}"), "containerPort": p})).collect());
    }
    if !f.env.is_empty() {
        let mut env = Vec::new();
        for e in &f.env {
            let (k, v) = e.split_once('=').ok_or_else(|| bad("--env", format!("`{e}` is not K=V"), "e.g. --env LOG_LEVEL=debug"))?;
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
                return Err(bad("--env", format!("`{k}` is not a valid environment variable name"), "letters, digits, '_', '-' and '.'"));
            }
            env.push(json!({"name": k, "value": v}));
        }
        container["env"] = Value::Array(env);
    }
    let mut resources = json!({});
    for (flag, key, val) in [("--cpu", "cpu", &f.cpu), ("--memory", "memory", &f.memory)] {
        if let Some(s) = val {
            let (req, lim) = quantity_pair(flag, s)?;
            resources["requests"][key] = json!(req);
            if let Some(l) = lim {
                resources["limits"][key] = json!(l);
            }
        }
    }
    if resources.as_object().is_some_and(|m| !m.is_empty()) {
        container["resources"] = resources;
    }
    if let Some(p) = &f.probe {
        let parts: Vec<&str> = p.splitn(3, ':').collect();
        let port = parts.get(2).and_then(|x| x.parse::<u16>().ok());
        match (parts.first(), parts.get(1), port) {
            (Some(&"http"), Some(path), Some(port)) if path.starts_with('/') => {
                container["readinessProbe"] = json!({"httpGet": {"path": path, "port": port}, "periodSeconds": 5});
                container["livenessProbe"] = json!({"httpGet": {"path": path, "port": port}, "periodSeconds": 10, "failureThreshold": 3});
            }
            _ => return Err(bad("--probe", format!("`{p}` is not http:PATH:PORT"), "e.g. --probe http:/healthz:8080")),
        }
    }
    let mut meta = json!({"name": name, "labels": labels});
    if let Some(ns) = namespace {
        meta["namespace"] = json!(ns);
    }
    let mut deploy = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    });
    let autoscale = match &f.autoscale {
        Some(a) => {
            let parts: Vec<Option<i32>> = a.split(':').map(|x| x.trim_end_matches('%').parse::<i32>().ok()).collect();
            match parts.as_slice() {
                [Some(min), Some(max), Some(cpu)] if *min >= 1 && max >= min && *cpu > 0 && *cpu <= 100 => Some((*min, *max, *cpu)),
                _ => return Err(bad("--autoscale", format!("`{a}` is not MIN:MAX:CPU%"), "e.g. --autoscale 2:10:80 (1 ≤ MIN ≤ MAX, 1 ≤ CPU% ≤ 100)")),
            }
        }
        None => None,
    };
    if autoscale.is_some() && f.replicas.is_some() {
        return Err(bad("--replicas", "--replicas and --autoscale both set the replica count", "leave --replicas out: the autoscaler owns it"));
    }
    if autoscale.is_none() {
        let r = f.replicas.unwrap_or(1);
        if r < 0 {
            return Err(bad("--replicas", "replicas cannot be negative", "e.g. --replicas 3"));
        }
        deploy["spec"]["replicas"] = json!(r);
    }
    let mut out = vec![deploy];
    if !f.ports.is_empty() || f.expose.is_some() {
        if f.ports.is_empty() {
            return Err(bad("--expose", "a Service needs at least one --port", "e.g. --port 8080 --expose LoadBalancer"));
        }
        out.push(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "type": f.expose.clone().unwrap_or_else(|| "ClusterIP".into()),
                "selector": selector,
                "ports": f.ports.iter().map(|p| json!({"name": format!("p{p}"), "port": p, "targetPort": p, "protocol": "TCP"})).collect::<Vec<_>>(),
            },
        }));
    }
    if let Some((min, max, cpu)) = autoscale {
        out.push(json!({
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": meta,
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "minReplicas": min,
                "maxReplicas": max,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}}],
            },
        }));
    }
    Ok(out)
}

/// Manifests as one multi-document YAML stream.
pub fn to_yaml(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_yaml::to_string(d).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn full_render() {
        let f = RenderFlags {
            image: Some("ghcr.io/acme/web:1.4.2".into()),
            ports: vec![8080],
            env: vec!["LOG=debug".into()],
            cpu: Some("250m:1".into()),
            memory: Some("128Mi".into()),
            expose: Some("LoadBalancer".into()),
            autoscale: Some("2:5:80".into()),
            probe: Some("http:/healthz:8080".into()),
            ..Default::default()
        };
        let docs = render("web", Some("shop"), Some("web"), &f).unwrap();
        insta::assert_snapshot!(to_yaml(&docs));
        // What tusk renders must pass its own validation.
        let mut parsed = Vec::new();
        let mut problems = Vec::new();
        crate::manifest::parse_text("render", &to_yaml(&docs), &mut parsed, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(crate::manifest::validate(&parsed, &[]), vec![]);
    }

    #[test]
    fn bad_flags() {
        let cases: Vec<(&str, RenderFlags)> = vec![
            ("Web", RenderFlags { image: Some("x".into()), ..Default::default() }),
            ("web", RenderFlags::default()),
            ("web", RenderFlags { image: Some("x".into()), cpu: Some("lots".into()), ..Default::default() }),
            ("web", RenderFlags { image: Some("x".into()), autoscale: Some("5:2:80".into()), ..Default::default() }),
            ("web", RenderFlags { image: Some("x".into()), expose: Some("NodePort".into()), ..Default::default() }),
            ("web", RenderFlags { image: Some("x".into()), probe: Some("tcp:80".into()), ..Default::default() }),
            ("web", RenderFlags { image: Some("x".into()), env: vec!["NOVALUE".into()], ..Default::default() }),
        ];
        let out: Vec<String> = cases
            .into_iter()
            .map(|(n, f)| match render(n, None, None, &f) {
                Err(RenderError::Bad { flag, message, hint }) => format!("{flag}: {message} (hint: {hint})"),
                Ok(_) => "ok".into(),
            })
            .collect();
        insta::assert_snapshot!(out.join("\n"));
    }
}
