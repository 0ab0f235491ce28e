//! Runs the ARM/Kudu and Cloud Functions fakes as one process, for manual sessions, docs
//! and benchmarks: prints `ARM=<url>` and `GCF=<url>` lines, then serves until killed.
//! Usage: tusk-cloud-fakes [--gcs URL] [--no-throttle]

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let gcs = args.iter().position(|a| a == "--gcs").and_then(|i| args.get(i + 1)).cloned();
    let arm = tusk_cloud_fakes::arm::Arm::start().await?;
    if args.iter().any(|a| a == "--no-throttle")
        && let Ok(mut d) = arm.data.lock()
    {
        d.throttle_at = None;
    }
    let gcf = tusk_cloud_fakes::gcf::Gcf::start(gcs).await?;
    println!("ARM={}", arm.server.base);
    println!("GCF={}", gcf.server.base);
    use std::io::Write;
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
