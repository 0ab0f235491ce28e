#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `tusk doctor`'s @multicloud check with a temporary HOME and environment: which source each
//! cloud would use, the account it names, a hint for each missing one, and never a secret
//! (canary values in the environment and the files must not appear).

use std::collections::BTreeMap;
use tusk_multicloud::Multicloud;
use tusk_registry::{Context, Operator};

const CANARIES: &[&str] = &["CANARY-aws-secret-1", "CANARY-azure-secret-2", "CANARY-gcp-key-3", "CANARY-refresh-4", "CANARY-session-5", "CANARY-profile-key-6"];

async fn doctor(home: &std::path::Path, vars: &[(&str, String)]) -> String {
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), home.display().to_string());
    env.insert("PATH".to_string(), home.join("bin").display().to_string());
    // No instance-metadata probe: this machine may or may not be on a cloud.
    env.insert("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string());
    for (k, v) in vars {
        env.insert(k.to_string(), v.clone());
    }
    let ctx = Context::for_tests(&home.join("tusk"));
    let started = std::time::Instant::now();
    let checks = tusk_multicloud::envvar::scoped(env, Multicloud.doctor(&ctx)).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "doctor took {:?}", started.elapsed());
    let text = checks
        .iter()
        .map(|c| format!("{} [{}] {}", c.name, serde_json::to_value(c.status).unwrap().as_str().unwrap(), c.detail))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&home.display().to_string(), "[HOME]");
    for canary in CANARIES {
        assert!(!text.contains(canary), "{canary} leaked:\n{text}");
    }
    text
}

#[tokio::test]
async fn doctor_names_each_clouds_source_and_never_a_secret() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    std::fs::create_dir_all(h.join("bin")).unwrap();
    let sa = h.join("sa.json");
    std::fs::write(&sa, serde_json::json!({"type": "service_account", "project_id": "proj-from-key", "private_key": "-----BEGIN PRIVATE KEY-----\nCANARY-gcp-key-3\n-----END PRIVATE KEY-----\n", "client_email": "deployer@proj-from-key.iam.gserviceaccount.com"}).to_string()).unwrap();
    let mut out = String::new();

    // 1. Nothing configured: every cloud missing, each with a hint.
    out.push_str(&format!("== nothing\n{}\n", doctor(h, &[]).await));

    // 2. The environment: AWS keys, an Azure service principal, a GCP key file.
    out.push_str(&format!(
        "== environment\n{}\n",
        doctor(h, &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".into()),
            ("AWS_SECRET_ACCESS_KEY", "CANARY-aws-secret-1".into()),
            ("AWS_SESSION_TOKEN", "CANARY-session-5".into()),
            ("AWS_REGION", "eu-west-1".into()),
            ("AZURE_TENANT_ID", "tenant-1".into()),
            ("AZURE_CLIENT_ID", "client-1".into()),
            ("AZURE_CLIENT_SECRET", "CANARY-azure-secret-2".into()),
            ("AZURE_SUBSCRIPTION_ID", "sub-1".into()),
            ("GOOGLE_APPLICATION_CREDENTIALS", sa.display().to_string()),
        ])
        .await
    ));

    // 3. Files in HOME: an AWS profile that assumes a role, the Azure CLI logged in, gcloud's
    // application-default user credentials and its active project.
    std::fs::create_dir_all(h.join(".aws")).unwrap();
    std::fs::write(h.join(".aws/config"), "[profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deployer\nsource_profile = base\nregion = us-west-2\n[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n").unwrap();
    std::fs::write(h.join(".aws/credentials"), "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = CANARY-profile-key-6\n").unwrap();
    std::fs::write(h.join("bin/az"), "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::create_dir_all(h.join(".azure")).unwrap();
    std::fs::write(h.join(".azure/azureProfile.json"), "\u{feff}{\"subscriptions\": [{\"id\": \"sub-other\", \"name\": \"Other\", \"isDefault\": false}, {\"id\": \"sub-cli\", \"name\": \"Production\", \"isDefault\": true}]}").unwrap();
    std::fs::create_dir_all(h.join(".config/gcloud/configurations")).unwrap();
    std::fs::write(h.join(".config/gcloud/application_default_credentials.json"), serde_json::json!({"type": "authorized_user", "client_id": "cid", "client_secret": "CANARY-azure-secret-2", "refresh_token": "CANARY-refresh-4"}).to_string()).unwrap();
    std::fs::write(h.join(".config/gcloud/active_config"), "work\n").unwrap();
    std::fs::write(h.join(".config/gcloud/configurations/config_work"), "[core]\naccount = me@example.com\nproject = proj-from-gcloud\n").unwrap();
    out.push_str(&format!("== files, AWS_PROFILE=deploy\n{}\n", doctor(h, &[("AWS_PROFILE", "deploy".into())]).await));
    out.push_str(&format!("== files, AWS_PROFILE=sso\n{}\n", doctor(h, &[("AWS_PROFILE", "sso".into())]).await));
    out.push_str(&format!("== files, AWS_PROFILE=base\n{}\n", doctor(h, &[("AWS_PROFILE", "base".into())]).await));

    // 4. A key file that is not there.
    out.push_str(&format!("== bad key path\n{}\n", doctor(h, &[("GOOGLE_APPLICATION_CREDENTIALS", h.join("gone.json").display().to_string())]).await));
    insta::assert_snapshot!(out);
}
