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
    // The Deployment printer's columns, and its wide ones.
    let out = k.ok(&["get", "deploy", "web", "-o", "wide"]);
    assert!(out.starts_with("NAME   READY   UP-TO-DATE   AVAILABLE   AGE"), "{out}");
    assert!(out.contains("CONTAINERS") && out.contains("nginx:1.27"), "{out}");
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

fn start(rt: &tokio::runtime::Runtime) -> (FakeCluster, Kubectl) {
    let cluster = rt.block_on(FakeCluster::start()).unwrap();
    let k = Kubectl { bin: find_kubectl(), home: tempfile::tempdir().unwrap() };
    k.file("kubeconfig", &cluster.kubeconfig("default"));
    (cluster, k)
}

#[test]
fn kubectl_field_validation_strict_warn_ignore() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cluster, k) = start(&rt);
    let typo = DEPLOYMENT.replace("        image: nginx:1.27\n", "        image: nginx:1.27\n        imagePullPolicyy: Always\n");
    let f = k.file("typo.yaml", &typo);
    // kubectl ≥ 1.25 defaults to --validate=strict and sends fieldValidation=Strict; the server
    // fails the request with a BadRequest listing the unknown fields
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation; message
    // from the API server's strict decoder, as in the KEP-2885 examples:
    // `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "…"`).
    let (ok, _, err) = k.run(&["apply", "-f", &f]);
    assert!(!ok, "{err}");
    assert!(
        err.contains(r#"Error from server (BadRequest)"#)
            && err.contains(r#"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy""#),
        "{err}"
    );
    assert!(cluster.get("apps", "deployments", "default", "web").is_none());
    // --validate=warn: stored without the field, one warning per dropped field, which kubectl prints.
    let (ok, out, err) = k.run(&["apply", "--validate=warn", "-f", &f]);
    assert!(ok, "{err}");
    assert!(out.contains("deployment.apps/web created"), "{out}");
    assert!(err.contains(r#"Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy""#), "{err}");
    let d = k.json(&["get", "deploy", "web"]);
    assert!(container(&d).get("imagePullPolicyy").is_none(), "{d}");
    // --validate=false sends fieldValidation=Ignore: pruned silently.
    let f2 = k.file("typo2.yaml", &typo.replace("replicas: 1", "replicas: 2"));
    let (ok, _, err) = k.run(&["apply", "--validate=false", "-f", &f2]);
    assert!(ok && !err.contains("Warning"), "{err}");
    // Server-side apply converts the configuration to the typed schema, and an undeclared field
    // fails that conversion whatever the validation mode (structured-merge-diff's typed
    // conversion, "failed to create typed patch object … field not declared in schema").
    let (ok, _, err) = k.run(&["apply", "--server-side", "--validate=false", "-f", &f]);
    assert!(!ok);
    assert!(err.contains(r#".spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema"#), "{err}");
    drop(cluster);
}

const STRICT_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets, singular: gadget}
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
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
              name: {type: string, pattern: '^[a-z]+$'}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
";

#[test]
fn kubectl_custom_resource_schema_validation_pruning_defaulting() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cluster, k) = start(&rt);
    let f = k.file("crd.yaml", STRICT_CRD);
    k.ok(&["apply", "-f", &f]);
    let gadget = |spec: &str| format!("apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n{spec}");
    let good = k.file("good.yaml", &gadget("  size: 3\n  extra: {anything: [1, 2]}\n"));
    let mut created = false;
    for _ in 0..50 {
        if k.run(&["apply", "-f", &good]).0 {
            created = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(created, "the Gadget never became creatable");
    // `default` is applied, x-kubernetes-preserve-unknown-fields keeps what it holds
    // (custom-resource-definitions/#defaulting, #controlling-pruning).
    let g = k.json(&["get", "gadget", "g1"]);
    assert_eq!(g["spec"]["color"], "red");
    assert_eq!(g["spec"]["extra"]["anything"], serde_json::json!([1, 2]));
    // `kubectl get` prints the CRD's additionalPrinterColumns
    // (custom-resource-definitions/#additional-printer-columns).
    let out = k.ok(&["get", "gadgets"]);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["NAME   SIZE   COLOR", "g1     3      red"], "{out}");
    // Values against the schema: 422 Invalid with every field error
    // (custom-resource-definitions/#validation; messages as the apiextensions server words them).
    let bad = k.file("bad.yaml", &gadget("  size: 11\n  color: green\n  name: Upper\n"));
    let (ok, _, err) = k.run(&["apply", "-f", &bad]);
    assert!(!ok);
    assert!(err.contains(r#"The Gadget "g1" is invalid: "#), "{err}");
    assert!(err.contains("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"), "{err}");
    assert!(err.contains(r#"spec.color: Unsupported value: "green": supported values: "red", "blue""#), "{err}");
    assert!(err.contains(r#"spec.name: Invalid value: "Upper": spec.name in body should match '^[a-z]+$'"#), "{err}");
    let bad = k.file("bad2.yaml", &gadget("  size: three\n"));
    let (ok, _, err) = k.run(&["apply", "-f", &bad]);
    assert!(!ok && err.contains(r#"spec.size in body must be of type integer: "string""#), "{err}");
    let (ok, _, err) = k.run(&["patch", "gadget", "g1", "--type", "json", "-p", r#"[{"op":"remove","path":"/spec/size"}]"#]);
    assert!(!ok && err.contains("spec.size: Required value"), "{err}");
    // Unknown fields of a custom resource: pruned, and refused under Strict like a built-in's.
    let unknown = k.file("unknown.yaml", &gadget("  size: 4\n  colour: blue\n"));
    let (ok, _, err) = k.run(&["apply", "-f", &unknown]);
    assert!(!ok && err.contains(r#"strict decoding error: unknown field "spec.colour""#), "{err}");
    k.ok(&["apply", "--validate=false", "-f", &unknown]);
    let g = k.json(&["get", "gadget", "g1"]);
    assert_eq!(g["spec"]["size"], 4);
    assert!(g["spec"].get("colour").is_none(), "{g}");
    drop(cluster);
}

const SSA_WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
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
        resources:
          limits: {cpu: 500m}
        livenessProbe:
          httpGet: {path: /, port: 80}
";

const SIDECAR: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: sidecar
        image: busybox:1.36
";

fn managed<'a>(d: &'a Value, manager: &str) -> &'a Value {
    d["metadata"]["managedFields"].as_array().unwrap().iter().find(|m| m["manager"] == manager).map(|m| &m["fieldsV1"]).unwrap_or(&Value::Null)
}

#[test]
fn kubectl_server_side_apply_list_ownership_and_defaults() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cluster, k) = start(&rt);
    let f = k.file("web.yaml", SSA_WEB);
    k.ok(&["apply", "--server-side", "--field-manager=alice", "-f", &f]);
    let get = || k.json(&["get", "deploy", "web", "--show-managed-fields"]);
    let d = get();
    // Defaults the API server sets (SetDefaults_Deployment / SetDefaults_PodSpec / SetDefaults_Container,
    // documented per field in https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/
    // and pod-v1/): not owned by the applier.
    assert_eq!(d["spec"]["strategy"], serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}));
    assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
    assert_eq!(d["spec"]["replicas"], 1);
    let ps = &d["spec"]["template"]["spec"];
    assert_eq!((ps["restartPolicy"].as_str(), ps["dnsPolicy"].as_str(), ps["schedulerName"].as_str()), (Some("Always"), Some("ClusterFirst"), Some("default-scheduler")));
    assert_eq!(ps["terminationGracePeriodSeconds"], 30);
    let c = container(&d);
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(c["livenessProbe"]["periodSeconds"], 10);
    // fieldsV1 as the real server writes it: map-list elements by key (`k:{"name":"web"}`, ports
    // by containerPort+protocol with the defaulted protocol), the element itself as `.`
    // (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management).
    let mf = managed(&d, "alice");
    let web = &mf["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"];
    assert_eq!(web["."], serde_json::json!({}), "{mf}");
    assert!(web["f:env"]["k:{\"name\":\"A\"}"]["f:value"].is_object(), "{mf}");
    assert!(web["f:ports"]["k:{\"containerPort\":80,\"protocol\":\"TCP\"}"]["f:containerPort"].is_object(), "{mf}");
    assert!(mf["f:spec"].get("f:strategy").is_none(), "defaults are nobody's: {mf}");

    // The same manager applies again without the port, the probe and the limits: a field the
    // manager owned and no longer applies is removed when no other manager owns it
    // (server-side-apply/#field-management, "removing fields from a manifest").
    let f = k.file("web2.yaml", &SSA_WEB.replace("        ports:\n        - containerPort: 80\n", "").replace("        resources:\n          limits: {cpu: 500m}\n        livenessProbe:\n          httpGet: {path: /, port: 80}\n", ""));
    k.ok(&["apply", "--server-side", "--field-manager=alice", "-f", &f]);
    let d = get();
    let c = container(&d);
    assert!(c.get("ports").is_none() && c.get("livenessProbe").is_none(), "{c}");
    assert_eq!(c["resources"], serde_json::json!({}), "limits removed, resources defaulted back to {{}}: {c}");
    assert_eq!(c["env"], serde_json::json!([{"name": "A", "value": "one"}]));

    // A second manager adds a sidecar container: containers merge by name, no conflict
    // (server-side-apply/#merge-strategy, `x-kubernetes-list-type: map` with key `name`).
    let f = k.file("sidecar.yaml", SIDECAR);
    let out = k.ok(&["apply", "--server-side", "--field-manager=bob", "-f", &f]);
    assert!(out.contains("serverside-applied"), "{out}");
    let d = get();
    let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["web", "sidecar"]);
    let bob = managed(&d, "bob");
    let side = &bob["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"sidecar\"}"];
    assert!(side["."].is_object() && side["f:image"].is_object(), "{bob}");
    assert!(bob["f:spec"]["f:template"]["f:spec"]["f:containers"].get("k:{\"name\":\"web\"}").is_none(), "{bob}");

    // Setting a field another manager owns to a different value conflicts, naming the element
    // by its key (server-side-apply/#conflicts).
    let f = k.file("bob-web.yaml", &format!("{SIDECAR}      - name: web\n        image: nginx:1.28\n"));
    let (ok, _, err) = k.run(&["apply", "--server-side", "--field-manager=bob", "-f", &f]);
    assert!(!ok);
    assert!(err.contains(r#"conflict with "alice""#) && err.contains(r#".spec.template.spec.containers[name="web"].image"#), "{err}");
    // The same value is no conflict: both own it. When alice stops applying the web container,
    // what bob also owns stays.
    let f = k.file("bob-web.yaml", &format!("{SIDECAR}      - name: web\n        image: nginx:1.27\n"));
    k.ok(&["apply", "--server-side", "--field-manager=bob", "-f", &f]);
    let only_labels = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: other\n        image: nginx:1.27\n";
    let f = k.file("alice3.yaml", only_labels);
    k.ok(&["apply", "--server-side", "--field-manager=alice", "-f", &f]);
    let d = get();
    let cs = d["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    let web = cs.iter().find(|c| c["name"] == "web").unwrap();
    assert_eq!(web["image"], "nginx:1.27");
    assert!(web.get("env").is_none(), "alice's env went with her: {web}");
    assert!(cs.iter().any(|c| c["name"] == "other") && cs.iter().any(|c| c["name"] == "sidecar"), "{d}");

    // Service defaults (SetDefaults_Service: type ClusterIP, sessionAffinity None, port
    // protocol TCP, targetPort = port; service-v1 API reference).
    let f = k.file("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n");
    // --validate=false: kubectl's OpenAPI v3 check for `fieldValidation` takes the first PATCH
    // operation of the kind in Go map order, which for Service may be `…/services/{name}/proxy`
    // (no such parameter); it then falls back to the v2 document in protobuf, which the fake
    // does not serve (406), and the apply fails at random. A real server serves the protobuf.
    k.ok(&["apply", "--validate=false", "-f", &f]);
    let s = k.json(&["get", "svc", "web"]);
    assert_eq!(s["spec"]["type"], "ClusterIP");
    assert_eq!(s["spec"]["sessionAffinity"], "None");
    assert_eq!(s["spec"]["ports"][0]["protocol"], "TCP");
    assert_eq!(s["spec"]["ports"][0]["targetPort"], 80);
    drop(cluster);
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..100 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn kubectl_finalizers_graceful_pods_and_namespace_termination() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (cluster, k) = start(&rt);
    // Finalizers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/):
    // DELETE only marks the object (`deletionTimestamp`); it goes when the last finalizer is
    // removed, and no finalizer can be added meanwhile.
    let f = k.file("held.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\ndata: {a: b}\n");
    k.ok(&["apply", "-f", &f]);
    let out = k.ok(&["delete", "cm", "held", "--wait=false"]);
    assert!(out.contains(r#"configmap "held" deleted"#), "{out}");
    let cm = k.json(&["get", "cm", "held"]);
    assert!(cm["metadata"]["deletionTimestamp"].is_string(), "{cm}");
    assert_eq!(cm["metadata"]["finalizers"], serde_json::json!(["example.com/hold"]));
    let (ok, _, err) = k.run(&["patch", "cm", "held", "--type", "merge", "-p", r#"{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}"#]);
    assert!(!ok && err.contains("no new finalizers can be added if the object is being deleted"), "{err}");
    k.ok(&["patch", "cm", "held", "--type", "json", "-p", r#"[{"op":"remove","path":"/metadata/finalizers"}]"#]);
    let (ok, _, err) = k.run(&["get", "cm", "held"]);
    assert!(!ok && err.contains("NotFound"), "{err}");

    // Graceful pod deletion (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
    // a scheduled pod is marked with deletionTimestamp = now + grace and
    // deletionGracePeriodSeconds (terminationGracePeriodSeconds, default 30) and stays until
    // the kubelet has stopped it; `--grace-period=0 --force` removes it at once.
    // p1 also carries a finalizer, so that it stays Terminating until the test lets it go.
    // (--validate=false: see the Service note in the server-side apply test; Pod has a proxy path too.)
    let f = k.file("p1.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  finalizers: [example.com/hold]\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n");
    k.ok(&["apply", "--validate=false", "-f", &f]);
    k.ok(&["run", "p2", "--image", "nginx:1.27"]);
    wait_until("p1 and p2 scheduled", || {
        ["p1", "p2"].iter().all(|p| k.json(&["get", "pod", p])["spec"]["nodeName"].is_string())
    });
    k.ok(&["delete", "pod", "p1", "--wait=false"]);
    let p = k.json(&["get", "pod", "p1"]);
    assert_eq!(p["metadata"]["deletionGracePeriodSeconds"], 30, "{p}");
    assert!(p["metadata"]["deletionTimestamp"].is_string());
    // kubectl prints the server's Table (api-concepts/#receiving-resources-as-tables); the pod
    // printer shows a pod being deleted as Terminating.
    let out = k.ok(&["get", "pod", "p1"]);
    assert!(out.starts_with("NAME   READY   STATUS        RESTARTS   AGE"), "{out}");
    assert!(out.contains("Terminating"), "{out}");
    k.ok(&["patch", "pod", "p1", "--type", "json", "-p", r#"[{"op":"remove","path":"/metadata/finalizers"}]"#]);
    k.ok(&["wait", "--for=delete", "pod/p1", "--timeout=20s"]);
    let (ok, out, err) = k.run(&["delete", "pod", "p2", "--grace-period=0", "--force"]);
    assert!(ok, "{err}");
    assert!(err.contains("Immediate deletion does not wait for confirmation"), "{err}");
    assert!(out.contains(r#"pod "p2" force deleted"#), "{out}");
    assert!(cluster.get("", "pods", "default", "p2").is_none());

    // Namespace termination (https://kubernetes.io/docs/tasks/administer-cluster/namespaces/#deleting-a-namespace):
    // the namespace is Terminating while its content is deleted, refuses new content
    // (NamespaceLifecycle admission), and goes once empty.
    // (Files, not `kubectl create namespace|configmap`: those send protobuf, which the fake does not speak.)
    let f = k.file("doomed.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: doomed\n");
    k.ok(&["apply", "-f", &f]);
    let ns = k.json(&["get", "ns", "doomed"]);
    assert_eq!(ns["spec"]["finalizers"], serde_json::json!(["kubernetes"]));
    let cm = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: doomed\ndata: {{a: b}}\n");
    let f = k.file("plain.yaml", &cm("plain"));
    k.ok(&["apply", "-f", &f]);
    let f = k.file("held2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  namespace: doomed\n  finalizers: [example.com/hold]\n");
    k.ok(&["apply", "-f", &f]);
    k.ok(&["delete", "namespace", "doomed", "--wait=false"]);
    assert_eq!(k.json(&["get", "ns", "doomed"])["status"]["phase"], "Terminating");
    let f = k.file("late.yaml", &cm("late"));
    let (ok, _, err) = k.run(&["apply", "-f", &f]);
    assert!(!ok && err.contains("unable to create new content in namespace doomed because it is being terminated"), "{err}");
    wait_until("the namespace's plain content deleted", || cluster.get("", "configmaps", "doomed", "plain").is_none());
    // Held by its finalizer, and so is the namespace.
    assert!(cluster.get("", "configmaps", "doomed", "held").is_some());
    assert!(cluster.get("", "namespaces", "", "doomed").is_some());
    k.ok(&["-n", "doomed", "patch", "cm", "held", "--type", "json", "-p", r#"[{"op":"remove","path":"/metadata/finalizers"}]"#]);
    k.ok(&["wait", "--for=delete", "namespace/doomed", "--timeout=20s"]);
    drop(cluster);
}
