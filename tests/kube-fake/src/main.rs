//! `tusk-kube-fake [--addr 127.0.0.1:PORT] [--kubeconfig FILE] [--namespace NS]`: runs the
//! fake API server until killed. Prints the URL on stdout; writes a kubeconfig if asked.

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut addr = "127.0.0.1:0".to_string();
    let mut kubeconfig: Option<String> = None;
    let mut namespace = "default".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().unwrap_or(addr),
            "--kubeconfig" => kubeconfig = args.next(),
            "--namespace" => namespace = args.next().unwrap_or(namespace),
            "-h" | "--help" => {
                println!("usage: tusk-kube-fake [--addr 127.0.0.1:PORT] [--kubeconfig FILE] [--namespace NS]");
                return;
            }
            other => {
                eprintln!("tusk-kube-fake: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let cluster = match tusk_kube_fake::FakeCluster::start_on(&addr).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tusk-kube-fake: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    if let Some(path) = kubeconfig
        && let Err(e) = std::fs::write(&path, cluster.kubeconfig(&namespace)) {
            eprintln!("tusk-kube-fake: cannot write {path}: {e}");
            std::process::exit(1);
        }
    println!("{}", cluster.url());
    let _ = tokio::signal::ctrl_c().await;
}
