//! `@kubernetes render`: print the manifests `deploy NAME --image …` would apply, or `-f`
//! manifests validated and normalized. No cluster needed.

use crate::input::input_docs;
use crate::render::{self, RenderFlags};
use serde_json::Value;
use tusk_registry::{Error, Output};

/// Print the manifests `deploy NAME --image …` would apply (no cluster needed)
#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Examples:
  tusk @k8s render web --image nginx:1.27 --port 80 --expose LoadBalancer
  tusk @k8s render web --image nginx:1.27 --autoscale 2:5:70 > web.yaml
  tusk @k8s render -f app.yaml     # validate and normalize manifests")]
pub struct RenderCommand {
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub render: RenderFlags,
    /// Label objects with tusk.dev/app=APP
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Namespace written into the manifests
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
}

impl RenderCommand {
    /// Prints what a deploy from flags would create (with `replicas: 1` when `--replicas` is not
    /// given: on an existing Deployment, `deploy` keeps the live count instead).
    pub fn execute(self) -> Result<Output, Error> {
        let docs = input_docs(self.name.as_deref(), &self.files, &self.render, self.app.as_deref(), self.namespace.as_deref())?;
        let values: Vec<Value> = docs.iter().map(|d| d.value.clone()).collect();
        Ok(Output::new(&values).with_raw_text(render::to_yaml(&values)))
    }
}
