//! Server-side defaulting of built-in kinds, as the API server's `SetDefaults_*` functions do
//! on create and update (kubernetes/pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
//! pkg/apis/batch/v1/defaults.go; the defaults are also the `default` values documented in the
//! API reference, e.g. https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/).
//! Only the commonly visible defaults: what `kubectl get -o yaml` shows on a fresh object.

use serde_json::{Value, json};

/// Sets `obj[key] = v` unless the key is present (and not null).
fn or(obj: &mut Value, key: &str, v: Value) {
    if obj.is_object() && obj.get(key).is_none_or(Value::is_null) {
        obj[key] = v;
    }
}

pub fn apply(group: &str, kind: &str, obj: &mut Value) {
    if (group, kind) == ("", "Namespace") {
        // The namespace strategy's PrepareForCreate: the `kubernetes` finalizer the namespace
        // controller removes once the namespace is empty.
        or(obj, "spec", json!({}));
        or(&mut obj["spec"], "finalizers", json!(["kubernetes"]));
        return;
    }
    let Some(spec) = obj.get_mut("spec").filter(|s| s.is_object()) else {
        if (group, kind) == ("", "Secret") {
            or(obj, "type", json!("Opaque"));
        }
        return;
    };
    match (group, kind) {
        ("apps", "Deployment") => {
            or(spec, "replicas", json!(1));
            or(spec, "strategy", json!({}));
            if spec["strategy"].get("type").is_none() {
                spec["strategy"]["type"] = json!("RollingUpdate");
            }
            if spec["strategy"]["type"] == "RollingUpdate" {
                or(&mut spec["strategy"], "rollingUpdate", json!({}));
                or(&mut spec["strategy"]["rollingUpdate"], "maxUnavailable", json!("25%"));
                or(&mut spec["strategy"]["rollingUpdate"], "maxSurge", json!("25%"));
            }
            or(spec, "revisionHistoryLimit", json!(10));
            or(spec, "progressDeadlineSeconds", json!(600));
            template(spec);
        }
        ("apps", "ReplicaSet") => {
            or(spec, "replicas", json!(1));
            template(spec);
        }
        ("apps", "StatefulSet") => {
            or(spec, "replicas", json!(1));
            or(spec, "podManagementPolicy", json!("OrderedReady"));
            or(spec, "updateStrategy", json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
            or(spec, "revisionHistoryLimit", json!(10));
            or(spec, "persistentVolumeClaimRetentionPolicy", json!({"whenDeleted": "Retain", "whenScaled": "Retain"}));
            template(spec);
        }
        ("apps", "DaemonSet") => {
            or(spec, "updateStrategy", json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}));
            or(spec, "revisionHistoryLimit", json!(10));
            template(spec);
        }
        ("batch", "Job") => {
            job(spec);
        }
        ("batch", "CronJob") => {
            or(spec, "concurrencyPolicy", json!("Allow"));
            or(spec, "suspend", json!(false));
            or(spec, "successfulJobsHistoryLimit", json!(3));
            or(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(js) = spec.pointer_mut("/jobTemplate/spec").filter(|s| s.is_object()) {
                job(js);
            }
        }
        ("", "Pod") => {
            pod_spec(spec);
            or(spec, "enableServiceLinks", json!(true));
        }
        ("", "Service") => {
            or(spec, "type", json!("ClusterIP"));
            or(spec, "sessionAffinity", json!("None"));
            if spec["type"] != "ExternalName" {
                or(spec, "internalTrafficPolicy", json!("Cluster"));
            }
            if matches!(spec["type"].as_str(), Some("NodePort" | "LoadBalancer")) {
                or(spec, "externalTrafficPolicy", json!("Cluster"));
            }
            for p in spec.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
                or(p, "protocol", json!("TCP"));
                let port = p["port"].clone();
                or(p, "targetPort", port);
            }
        }
        ("", "PersistentVolumeClaim") => or(spec, "volumeMode", json!("Filesystem")),
        _ => {}
    }
}

fn job(spec: &mut Value) {
    or(spec, "parallelism", json!(1));
    if spec.get("completions").is_none() && spec["completionMode"] != "Indexed" {
        spec["completions"] = json!(1);
    }
    or(spec, "backoffLimit", json!(6));
    or(spec, "completionMode", json!("NonIndexed"));
    or(spec, "suspend", json!(false));
    // A Job's pods must say OnFailure or Never; a missing restartPolicy is left for validation
    // to refuse ("Required value: valid values: \"OnFailure\", \"Never\"") rather than defaulted.
    if let Some(ps) = spec.pointer_mut("/template/spec").filter(|s| s.is_object()) {
        let had = ps.get("restartPolicy").is_some();
        pod_spec(ps);
        if !had && let Some(m) = ps.as_object_mut() {
            m.remove("restartPolicy");
        }
    }
}

fn template(spec: &mut Value) {
    if let Some(ps) = spec.pointer_mut("/template/spec").filter(|s| s.is_object()) {
        pod_spec(ps);
    }
}

fn pod_spec(ps: &mut Value) {
    or(ps, "restartPolicy", json!("Always"));
    or(ps, "dnsPolicy", json!("ClusterFirst"));
    or(ps, "schedulerName", json!("default-scheduler"));
    or(ps, "terminationGracePeriodSeconds", json!(30));
    or(ps, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        for c in ps.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            container(c);
        }
    }
}

fn container(c: &mut Value) {
    let image = c["image"].as_str().unwrap_or("");
    // "Always if :latest tag is specified, or IfNotPresent otherwise" (Container.imagePullPolicy);
    // no tag means :latest. A digest pins the image.
    let last = image.rsplit('/').next().unwrap_or("");
    let latest = !image.contains('@') && last.split_once(':').is_none_or(|(_, tag)| tag == "latest");
    or(c, "imagePullPolicy", json!(if latest { "Always" } else { "IfNotPresent" }));
    or(c, "terminationMessagePath", json!("/dev/termination-log"));
    or(c, "terminationMessagePolicy", json!("File"));
    or(c, "resources", json!({}));
    for p in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
        or(p, "protocol", json!("TCP"));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).filter(|p| p.is_object()) {
            or(p, "timeoutSeconds", json!(1));
            or(p, "periodSeconds", json!(10));
            or(p, "successThreshold", json!(1));
            or(p, "failureThreshold", json!(3));
            if let Some(h) = p.get_mut("httpGet").filter(|h| h.is_object()) {
                or(h, "scheme", json!("HTTP"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "nginx", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "reg:5000/x/y:1.2", "imagePullPolicy": "Never"},
            {"name": "c", "image": "reg:5000/x/y:1.2"}]}}}});
        apply("apps", "Deployment", &mut d);
        let s = &d["spec"];
        assert_eq!(s["strategy"], json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}));
        assert_eq!((s["revisionHistoryLimit"].clone(), s["progressDeadlineSeconds"].clone(), s["replicas"].clone()), (json!(10), json!(600), json!(1)));
        let ps = &s["template"]["spec"];
        assert_eq!(ps["restartPolicy"], "Always");
        assert_eq!(ps["dnsPolicy"], "ClusterFirst");
        let c = &ps["containers"];
        assert_eq!(c[0]["imagePullPolicy"], "Always");
        assert_eq!(c[0]["ports"][0]["protocol"], "TCP");
        assert_eq!(c[1]["imagePullPolicy"], "Never");
        assert_eq!(c[2]["imagePullPolicy"], "IfNotPresent");
        // Recreate has no rollingUpdate.
        let mut d = json!({"spec": {"strategy": {"type": "Recreate"}}});
        apply("apps", "Deployment", &mut d);
        assert_eq!(d["spec"]["strategy"], json!({"type": "Recreate"}));
    }

    #[test]
    fn service_defaults() {
        let mut s = json!({"spec": {"ports": [{"port": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]}});
        apply("", "Service", &mut s);
        assert_eq!(s["spec"]["type"], "ClusterIP");
        assert_eq!(s["spec"]["sessionAffinity"], "None");
        assert_eq!(s["spec"]["ports"], json!([{"port": 80, "protocol": "TCP", "targetPort": 80}, {"port": 53, "protocol": "UDP", "targetPort": "dns"}]));
    }
}
