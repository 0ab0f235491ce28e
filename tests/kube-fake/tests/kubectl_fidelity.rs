#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The fake driven by the real `kubectl`: each step asserts what a real API server does, and
//! says where that expectation comes from. The newest kubectl on PATH is used
//! (`kubectl.1.33` … `kubectl.1.27`, then `kubectl`); its version-skew warning against the
//! fake's version is accepted.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use tusk_kube_fake::FakeCluster;

fn find_kubectl() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let names: Vec<String> = (27..=33).rev().map(|m| format!("kubectl.1.{m}")).chain(["kubectl".to_string()]).collect();
    for name in &names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "no kubectl on PATH (looked for {}): the kubectl fidelity suite needs the real client. Install one: \
         `curl -LO https://dl.k8s.io/release/v1.33.0/bin/linux/amd64/kubectl && install -m 0755 kubectl /usr/local/bin/kubectl` \
         (see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/); Debian's kubernetes-client (1.20) is too old",
        names.join(", ")
    );
}

struct Kubectl {
    bin: PathBuf,
    home: tempfile::TempDir,
}

impl Kubectl {
    /// `(success, stdout, stderr)`.
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(&self.bin)
            .args(args)
            .env("KUBECONFIG", self.home.path().join("kubeconfig"))
            // Discovery and OpenAPI caches under the test's own HOME.
            .env("HOME", self.home.path())
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "kubectl {} failed:\n{out}\n{err}", args.join(" "));
        out
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.home.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        env:
        - {name: A, value: one}
        ports:
        - containerPort: 80
";

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
---
";

const WIDGET: &str = "apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
spec:
  size: 3
";

/// Waits until the simulated deployment controller has seen the latest spec
/// (`status.observedGeneration == metadata.generation`), so every template change gets its
/// own ReplicaSet revision even when the machine is slow.
fn settle(k: &Kubectl) {
    for _ in 0..200 {
        let d = k.json(&["get", "deploy", "web"]);
        if d["status"]["observedGeneration"] == d["metadata"]["generation"] {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the deployment controller never observed the latest generation");
}

fn container(d: &Value) -> &Value {
    &d["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn kubectl_apply_set_env_patch_rollout_undo_explain() {
    let bin = find_kubectl();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cluster = rt.block_on(FakeCluster::start()).unwrap();
    let k = Kubectl { bin, home: tempfile::tempdir().unwrap() };
    k.file("kubeconfig", &cluster.kubeconfig("default"));

    // `kubectl apply` validates by default (--validate=strict): it reads the OpenAPI v3
    // documents to learn whether the server supports `fieldValidation`
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation); without
    // /openapi/v3 and /openapi/v2 it stops with "failed to download openapi".
    let f = k.file("web.yaml", DEPLOYMENT);
    let out = k.ok(&["apply", "-f", &f]);
    assert!(out.contains("deployment.apps/web created"), "{out}");
    settle(&k);

    // `kubectl set env` sends a strategic merge patch with `$setElementOrder/env`; containers
    // and env merge by name (patchStrategy merge, patchMergeKey name in the Container and
    // PodSpec OpenAPI definitions; https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/),
    // so the image and the other variables stay and no directive is stored.
    k.ok(&["set", "env", "deploy/web", "FOO=bar"]);
    settle(&k);
    let d = k.json(&["get", "deploy", "web"]);
    let c = container(&d);
    assert_eq!(c["image"], "nginx:1.27");
    assert_eq!(c["env"], serde_json::json!([{"name": "A", "value": "one"}, {"name": "FOO", "value": "bar"}]));
    assert_eq!(c["ports"][0]["containerPort"], 80);
    assert!(!d["spec"].to_string().contains("$setElementOrder"), "{d}");

    // Client-side apply of a changed file computes a three-way strategic merge patch against
    // last-applied-configuration: the removed variable A is deleted with `$patch: delete`
    // semantics, FOO (set by another client) stays (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/#merging-changes-to-primitive-fields).
    let f = k.file("web.yaml", &DEPLOYMENT.replace("        - {name: A, value: one}\n", "        - {name: B, value: two}\n"));
    k.ok(&["apply", "-f", &f]);
    settle(&k);
    let d = k.json(&["get", "deploy", "web"]);
    let names: Vec<&str> = container(&d)["env"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["FOO", "B"], "{d}");
    assert!(!d.to_string().contains("$patch"), "{d}");

    // JSON patch (RFC 6902, https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#use-a-json-patch-to-update-a-deployment),
    // with `~1` escaping a `/` in a key.
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"},{"op":"add","path":"/metadata/labels","value":{}},{"op":"add","path":"/metadata/labels/example.com~1tier","value":"front"}]"#,
    ]);
    settle(&k);
    let d = k.json(&["get", "deploy", "web"]);
    assert_eq!(container(&d)["image"], "nginx:1.28");
    assert_eq!(d["metadata"]["labels"]["example.com/tier"], "front");
    // A failed `test` operation rejects the whole patch (RFC 6902 §4.6, §5); the API server
    // answers 422, which kubectl prints as "The request is invalid".
    let (ok, _, err) = k.run(&["patch", "deploy", "web", "--type", "json", "-p", r#"[{"op":"test","path":"/spec/replicas","value":5}]"#]);
    assert!(!ok);
    assert!(err.contains("The request is invalid") && err.contains("test failed"), "{err}");

    // `kubectl rollout undo` sends a JSON patch replacing the pod template with the previous
    // revision's (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-back-a-deployment).
    let wait_revision = |want: &str| {
        for _ in 0..200 {
            let d = k.json(&["get", "deploy", "web"]);
            if d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == want {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("revision {want} never recorded");
    };
    wait_revision("4");
    let out = k.ok(&["rollout", "undo", "deploy/web"]);
    assert!(out.contains("rolled back"), "{out}");
    let d = k.json(&["get", "deploy", "web"]);
    assert_eq!(container(&d)["image"], "nginx:1.27");

    // `kubectl explain` reads the OpenAPI v3 document of the group-version
    // (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_explain/).
    let out = k.ok(&["explain", "deployment.spec.template.spec.containers"]);
    assert!(out.contains("KIND:       Deployment"), "{out}");
    assert!(out.contains("FIELD: containers <[]Container>"), "{out}");
    assert!(out.contains("image\t<string>"), "{out}");
    let out = k.ok(&["explain", "pods.spec.restartPolicy"]);
    assert!(out.contains("FIELD: restartPolicy <string>"), "{out}");

    // `kubectl get all` lists the resources whose discovery entry has the category "all"
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/ — discovery `categories`;
    // the built-in workloads, pods and services declare it).
    let out = k.ok(&["get", "all", "-o", "name"]);
    assert!(out.contains("deployment.apps/web") && out.contains("replicaset.apps/web-"), "{out}");
    assert!(!out.contains("configmap/"), "{out}");

    // `kubectl get` lists in chunks (`--chunk-size`, default 500) by limit/continue
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks):
    // with chunks of 1 every ReplicaSet of the four revisions still comes back, once.
    let out = k.ok(&["get", "rs", "--chunk-size=1", "-o", "name"]);
    let all = k.ok(&["get", "rs", "-o", "name"]);
    assert_eq!(out, all);
    assert!(out.lines().count() >= 3, "{out}");

    // Field selectors: metadata.name/namespace everywhere, plus the fields each kind declares
    // (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/#supported-fields);
    // any other field is refused with "field label not supported".
    let out = k.ok(&["get", "deploy", "--field-selector", "metadata.name=web", "-o", "name"]);
    assert_eq!(out.trim(), "deployment.apps/web");
    let (ok, _, err) = k.run(&["get", "deploy", "--field-selector", "spec.replicas=1"]);
    assert!(!ok && err.contains("field label not supported: spec.replicas"), "{err}");
    k.ok(&["get", "pods", "--field-selector", "status.phase=Running"]);

    // Strategic merge patch is not supported for custom resources: the apiextensions server
    // answers 415 (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#advanced-topics:
    // "strategic merge patch is not supported" for custom resources), while merge patch works.
    let f = k.file("crd.yaml", CRD);
    k.ok(&["apply", "-f", &f]);
    let f = k.file("w.yaml", WIDGET);
    let mut applied = false;
    for _ in 0..50 {
        if k.run(&["apply", "-f", &f]).0 {
            applied = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(applied, "the Widget never became creatable");
    let (ok, _, err) = k.run(&["patch", "widget", "w1", "--type", "strategic", "-p", r#"{"spec":{"size":4}}"#]);
    assert!(!ok);
    assert!(err.contains("UnsupportedMediaType") || err.contains("unknown format"), "{err}");
    k.ok(&["patch", "widget", "w1", "--type", "merge", "-p", r#"{"spec":{"size":4}}"#]);
    assert_eq!(k.json(&["get", "widget", "w1"])["spec"]["size"], 4);
    drop(cluster);
    drop(rt);
}
