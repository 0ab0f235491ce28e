//! Connecting as kubectl does: `--kubeconfig`, else `KUBECONFIG` (several files, merged),
//! else `~/.kube/config`, else in-cluster config; `--context` picks a context; the namespace
//! is `-n`, else the context's, else `default`. Credentials are what kube's loader reads without
//! optional features: client certificates, tokens and token files, basic auth, exec plugins.
//! The legacy `oidc` auth-provider's id-token is sent as is and never refreshed (kube's `oidc`
//! feature is off); docs/kubernetes.md says so.

use kube::api::{Api, ApiResource, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiCapabilities, Scope};
use kube::{Client, Config};
use std::collections::HashMap;
use std::path::PathBuf;
use tusk_registry::Error;

/// The server-side apply field manager for everything tusk applies, scales, restarts or rolls
/// back: a later deploy owns those fields again without conflicts.
pub const FIELD_MANAGER: &str = "tusk";

#[derive(Debug, Clone, Default, clap::Args)]
pub struct KubeArgs {
    /// Kubeconfig context to use (default: the current context)
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Namespace (default: the context's namespace, else `default`)
    #[arg(short = 'n', long, value_name = "NS", global = true)]
    pub namespace: Option<String>,
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
}

type ResourceCache = std::sync::Arc<tokio::sync::Mutex<HashMap<(String, String), (ApiResource, ApiCapabilities)>>>;

/// A connected client and what it points at.
#[derive(Clone)]
pub struct Kube {
    pub client: Client,
    pub context: String,
    pub namespace: String,
    pub server: String,
    resources: ResourceCache,
}

fn conn_err(message: String) -> Error {
    Error::failed(message).with_hint("check the kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and --context")
}

/// Loads the kubeconfig and builds a client; does not contact the server.
pub async fn connect(args: &KubeArgs) -> Result<Kube, Error> {
    let opts = KubeConfigOptions { context: args.context.clone(), cluster: None, user: None };
    let (config, context) = match &args.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| Error::usage(format!("cannot read kubeconfig {}: {e}", path.display())).at("--kubeconfig"))?;
            let ctx = args.context.clone().or(kc.current_context.clone()).unwrap_or_default();
            check_context(&kc, &ctx)?;
            (Config::from_custom_kubeconfig(kc, &opts).await.map_err(|e| conn_err(format!("kubeconfig {}: {e}", path.display())))?, ctx)
        }
        None => match Kubeconfig::read() {
            Ok(kc) => {
                let ctx = args.context.clone().or(kc.current_context.clone()).unwrap_or_default();
                check_context(&kc, &ctx)?;
                (Config::from_custom_kubeconfig(kc, &opts).await.map_err(|e| conn_err(format!("kubeconfig: {e}")))?, ctx)
            }
            Err(read_err) => match Config::incluster() {
                Ok(c) if args.context.is_none() => (c, "in-cluster".to_string()),
                _ => {
                    return Err(Error::usage(format!("no Kubernetes configuration found: {read_err}"))
                        .with_hint("set KUBECONFIG, pass --kubeconfig FILE, or run inside a cluster"));
                }
            },
        },
    };
    let namespace = args.namespace.clone().unwrap_or_else(|| config.default_namespace.clone());
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| conn_err(format!("cannot build a Kubernetes client: {e}")))?;
    Ok(Kube { client, context, namespace, server, resources: Default::default() })
}

fn check_context(kc: &Kubeconfig, ctx: &str) -> Result<(), Error> {
    if ctx.is_empty() {
        return Err(Error::usage("the kubeconfig has no current context").with_hint("pass --context NAME"));
    }
    if !kc.contexts.iter().any(|c| c.name == ctx) {
        let names: Vec<String> = kc.contexts.iter().map(|c| c.name.clone()).collect();
        return Err(Error::usage(format!("no context named `{ctx}` in the kubeconfig"))
            .at("--context")
            .with_hint(format!("contexts: {}", if names.is_empty() { "(none)".into() } else { names.join(", ") })));
    }
    Ok(())
}

/// Turns a kube client error into a tusk error, with the API server's message.
pub fn api_err(what: &str, e: kube::Error) -> Error {
    match &e {
        kube::Error::Api(s) => {
            let mut err = Error::failed(format!("{what}: {} ({})", s.message, s.code));
            if s.code == 403 {
                err = err.with_hint("the user in this context lacks RBAC permission for this");
            }
            err
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            Error::failed(format!("{what}: cannot reach the API server: {e}")).with_hint("is the cluster up? `tusk doctor` checks the context")
        }
        _ => Error::failed(format!("{what}: {e}")),
    }
}

pub fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

impl Kube {
    /// The API resource for an apiVersion + kind (one discovery call per group version, cached).
    pub async fn resource(&self, api_version: &str, kind: &str) -> Result<Option<(ApiResource, ApiCapabilities)>, kube::Error> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(r) = self.resources.lock().await.get(&key) {
            return Ok(Some(r.clone()));
        }
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        let gvk = kube::api::GroupVersionKind::gvk(&group, &version, kind);
        match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok(r) => {
                self.resources.lock().await.insert(key, r.clone());
                Ok(Some(r))
            }
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(kube::Error::Discovery(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Forgets cached discovery (after CRDs were created).
    pub async fn forget(&self) {
        self.resources.lock().await.clear();
    }

    pub fn dynamic(&self, ar: &ApiResource, caps: &ApiCapabilities, ns: &str) -> Api<DynamicObject> {
        if caps.scope == Scope::Namespaced {
            Api::namespaced_with(self.client.clone(), ns, ar)
        } else {
            Api::all_with(self.client.clone(), ar)
        }
    }

    pub fn describe(&self) -> String {
        format!("context {}, namespace {}", self.context, self.namespace)
    }
}

/// A cheap reachability check for `tusk doctor`: loads the kubeconfig like every verb does
/// and asks the API server for its version, within `timeout`. Returns a one-line summary
/// (`context fake (http://127.0.0.1:…): Kubernetes v1.34.0`) or an error with a hint.
pub async fn doctor_check(args: &KubeArgs, timeout: std::time::Duration) -> Result<String, Error> {
    let kube = connect(args).await?;
    match tokio::time::timeout(timeout, kube.client.apiserver_version()).await {
        Ok(Ok(v)) => Ok(format!("context {} ({}): Kubernetes {}", kube.context, kube.server, v.git_version)),
        Ok(Err(e)) => Err(api_err(&format!("context {} ({})", kube.context, kube.server), e)),
        Err(_) => Err(Error::failed(format!("context {} ({}): no answer within {}s", kube.context, kube.server, timeout.as_secs())).with_hint("is the cluster up and reachable from here?")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// Building a client for an https server builds its rustls config: this fails (rustls
    /// panics) when the binary has no crypto provider or two and none was chosen. The
    /// workspace builds kube with aws-lc-rs only.
    #[tokio::test]
    async fn https_client_builds_with_one_crypto_provider() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n",
        )
        .unwrap();
        let k = connect(&KubeArgs { kubeconfig: Some(path), ..Default::default() }).await.unwrap();
        assert_eq!(k.server, "https://127.0.0.1:9/");
        assert_eq!(k.context, "c");
    }
}
