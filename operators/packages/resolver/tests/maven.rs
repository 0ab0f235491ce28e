//! Maven resolution against the static Maven 2 repository in fixtures/registries/maven (real
//! POMs, see its PROVENANCE.md), compared with what real Maven 3.8.7 printed for the same
//! roots (`dependency-tree.resolved-by-maven.txt`), plus the model-building rules one by one
//! on small repositories written by the tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tusk_index::maven::{Gav, MavenClient};
use tusk_index::{CacheMode, HttpCache, HttpOptions, IndexError, RegistryEndpoint};
use tusk_resolver::maven::{POM_ROOT, collect, resolve};
use tusk_resolver::{ResolveError, RootReq};
use tusk_tests::FixtureServer;

struct Env {
    server: FixtureServer,
    _cache: tempfile::TempDir,
    client: MavenClient,
}

fn env(root: &Path) -> Env {
    let server = FixtureServer::start(root);
    let cache = tempfile::tempdir().unwrap();
    let mut opts = HttpOptions::new(cache.path());
    opts.mode = CacheMode::Refresh;
    opts.attempts = 1;
    let http = Arc::new(HttpCache::new(opts).unwrap());
    let client = MavenClient::new(http, RegistryEndpoint::new(&server.base));
    Env { server, _cache: cache, client }
}

fn fixture_repo() -> Env {
    env(&tusk_tests::fixtures("registries/maven"))
}

fn root_dir(name: &str) -> PathBuf {
    tusk_tests::fixtures("registries/roots/maven").join(name)
}

fn pom_root(path: &Path) -> RootReq {
    let m = tusk_resolver::inputs::read_manifest(path).unwrap();
    assert_eq!(m.requirements.len(), 1);
    assert_eq!(m.requirements[0].kind, POM_ROOT);
    m.requirements[0].clone()
}

/// `g:a:type:version:scope` of every line of a `dependency:tree` print (the root line skipped).
fn coordinates(tree: &str) -> BTreeSet<String> {
    tree.lines().skip(1).map(|l| l.trim_start_matches(['|', ' ', '+', '-', '\\']).to_string()).collect()
}

async fn same_as_maven(name: &str) {
    let e = fixture_repo();
    let dir = root_dir(name);
    let expected = std::fs::read_to_string(dir.join("dependency-tree.resolved-by-maven.txt")).unwrap();
    let roots = vec![pom_root(&dir.join("pom.xml"))];
    let graph = collect(&e.client, &roots, &Default::default()).await.unwrap();
    // The same artifacts, versions and scopes as Maven…
    assert_eq!(coordinates(&graph.render()), coordinates(&expected));
    // …in the same tree, line for line, and the verbose tree with what lost and why.
    assert_eq!(graph.render(), expected);
    let verbose = std::fs::read_to_string(dir.join("dependency-tree.verbose.resolved-by-maven.txt")).unwrap();
    assert_eq!(graph.render_verbose(), verbose);
    // The Resolution (lock, tree, why, -o json) holds the same name@version set.
    let res = resolve(e.client.clone(), roots, Default::default()).await.unwrap();
    let got: BTreeSet<String> = res.packages.iter().map(|p| format!("{}:{}", p.name, p.version)).collect();
    let want: BTreeSet<String> = coordinates(&expected)
        .iter()
        .map(|c| {
            let p: Vec<&str> = c.split(':').collect();
            format!("{}:{}:{}", p[0], p[1], p[3])
        })
        .collect();
    assert_eq!(got, want);
    assert!(res.packages.iter().all(|p| p.integrity.as_deref().is_some_and(|i| i.starts_with("sha1:") && i.len() == 45)));
    assert!(e.server.total_hits() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nearest_wins_equals_maven() {
    same_as_maven("nearest-wins").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bom_ranges_exclusions_equals_maven() {
    same_as_maven("bom-ranges-exclusions").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolution_edges_record_mediation_and_management() {
    let e = fixture_repo();
    let res = resolve(e.client.clone(), vec![pom_root(&root_dir("bom-ranges-exclusions").join("pom.xml"))], Default::default()).await.unwrap();
    let pkg = |n: &str| res.packages.iter().find(|p| p.name == n).unwrap();
    // httpclient asks for commons-codec 1.11; the root's dependencyManagement makes it 1.15.
    let codec = pkg("org.apache.httpcomponents:httpclient").dependencies.iter().find(|d| d.name == "commons-codec:commons-codec").unwrap();
    assert_eq!((codec.req.as_str(), codec.version.as_str()), ("1.11", "1.15"));
    assert_eq!(pkg("commons-codec:commons-codec").note.as_deref(), Some("version managed from 1.11 by the root dependencyManagement"));
    // The exclusion removed commons-logging entirely.
    assert!(!res.packages.iter().any(|p| p.name == "commons-logging:commons-logging"));
    // Ranges took the highest listed version in range; slf4j-simple keeps its runtime scope.
    let root = |n: &str| res.root_edges.iter().find(|e| e.name == n).unwrap();
    assert_eq!((root("org.apache.commons:commons-lang3").req.as_str(), root("org.apache.commons:commons-lang3").version.as_str()), ("[3.11,3.13.0)", "3.12.0"));
    assert_eq!(root("org.apache.httpcomponents:httpclient").version, "4.5.13");
    assert_eq!(root("org.slf4j:slf4j-simple").kind, "runtime");
    // The pom.xml's direct dependencies are lock roots with their resolved versions, so a
    // lock read back has the same root edges (tree and why start there).
    let lock = tusk_resolver::lock::Lockfile::from_resolutions(std::slice::from_ref(&res));
    let back = lock.resolutions();
    let mut want = res.root_edges.clone();
    want.sort();
    let mut got = back[0].root_edges.clone();
    got.sort();
    assert_eq!(got.iter().map(|e| (&e.name, &e.version)).collect::<Vec<_>>(), want.iter().map(|e| (&e.name, &e.version)).collect::<Vec<_>>());
    assert_eq!(got.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_reuses_the_cache_and_names_what_is_missing() {
    let server = FixtureServer::maven();
    let cache = tempfile::tempdir().unwrap();
    let client = |mode: CacheMode| {
        let mut opts = HttpOptions::new(cache.path());
        opts.mode = mode;
        MavenClient::new(Arc::new(HttpCache::new(opts).unwrap()), RegistryEndpoint::new(&server.base))
    };
    let roots = vec![pom_root(&root_dir("nearest-wins").join("pom.xml"))];
    let online = collect(&client(CacheMode::default()), &roots, &Default::default()).await.unwrap().render();
    let hits = server.total_hits();
    let offline = collect(&client(CacheMode::Offline), &roots, &Default::default()).await.unwrap().render();
    assert_eq!((offline, server.total_hits()), (online, hits), "offline answers from the cache without a request");
    let r = tusk_resolver::inputs::parse_spec("maven:org.slf4j:slf4j-api@2.0.7").unwrap().1;
    let err = collect(&client(CacheMode::Offline), &[r], &Default::default()).await.unwrap_err().to_string();
    assert!(err.starts_with(&format!("offline: {}/org/slf4j/slf4j-api/2.0.7/slf4j-api-2.0.7.pom is not in the cache", server.base)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn specs_resolve_without_a_pom() {
    let e = fixture_repo();
    let roots: Vec<RootReq> =
        ["maven:org.slf4j:jcl-over-slf4j@2.0.9", "maven:org.slf4j:slf4j-simple:1.7.36", "maven:commons-io:commons-io@[2.6,2.9)"].iter().map(|s| tusk_resolver::inputs::parse_spec(s).unwrap().1).collect();
    let graph = collect(&e.client, &roots, &Default::default()).await.unwrap();
    assert_eq!(
        graph.render(),
        "your requirements\n+- org.slf4j:jcl-over-slf4j:jar:2.0.9:compile\n|  \\- org.slf4j:slf4j-api:jar:2.0.9:compile\n+- org.slf4j:slf4j-simple:jar:1.7.36:compile\n\\- commons-io:commons-io:jar:2.8.0:compile\n"
    );
}

// ---- Model building and mediation rules on small repositories written here. ----

/// A repository with `(g, a, v, pom body)` POMs and their `.sha1`, plus metadata for each
/// artifact listing the versions given.
fn write_repo(poms: &[(&str, &str, &str, &str)]) -> tempfile::TempDir {
    use sha1::Digest;
    let dir = tempfile::tempdir().unwrap();
    let mut versions: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for (g, a, v, body) in poms {
        let folder = dir.path().join(g.replace('.', "/")).join(a).join(v);
        std::fs::create_dir_all(&folder).unwrap();
        let text = format!("<project><modelVersion>4.0.0</modelVersion>{body}</project>");
        std::fs::write(folder.join(format!("{a}-{v}.pom")), &text).unwrap();
        std::fs::write(folder.join(format!("{a}-{v}.pom.sha1")), hex::encode(sha1::Sha1::digest(text.as_bytes()))).unwrap();
        versions.entry((g.to_string(), a.to_string())).or_default().push(v.to_string());
    }
    for ((g, a), vs) in versions {
        let list: String = vs.iter().map(|v| format!("<version>{v}</version>")).collect();
        let text = format!("<metadata><groupId>{g}</groupId><artifactId>{a}</artifactId><versioning><versions>{list}</versions></versioning></metadata>");
        std::fs::write(dir.path().join(g.replace('.', "/")).join(&a).join("maven-metadata.xml"), text).unwrap();
    }
    dir
}

fn coords(g: &str, a: &str, v: &str) -> String {
    format!("<groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version>")
}

fn dep(g: &str, a: &str, v: &str, extra: &str) -> String {
    format!("<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>{}{extra}</dependency>", if v.is_empty() { String::new() } else { format!("<version>{v}</version>") })
}

fn deps(list: &[String]) -> String {
    format!("<dependencies>{}</dependencies>", list.concat())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parent_chain_inherits_and_interpolates_in_the_childs_context() {
    let parent_body = format!(
        "{}<packaging>pom</packaging><properties><lib.version>1.0</lib.version><own>${{project.version}}</own></properties><dependencyManagement>{}</dependencyManagement>{}",
        coords("t", "parent", "7"),
        deps(&[dep("t", "lib", "${lib.version}", ""), dep("t", "self", "${own}", "")]),
        deps(&[dep("t", "inherited", "${project.parent.version}", "")]),
    );
    let child_body = format!(
        "<parent>{}</parent><artifactId>child</artifactId><version>3</version><properties><lib.version>2.0</lib.version></properties>{}",
        coords("t", "parent", "7"),
        deps(&[dep("t", "lib", "", ""), dep("t", "self", "", ""), dep("t", "gid", "${project.groupId}-${pom.version}", ""), dep("t", "self", "${version}.1", "")]),
    );
    let repo = write_repo(&[("t", "parent", "7", &parent_body), ("t", "child", "3", &child_body)]);
    let e = env(repo.path());
    let m = e.client.effective(&Gav::new("t", "child", "3")).await.unwrap();
    let got: Vec<String> = m.dependencies.iter().map(|d| format!("{}={}", d.artifact_id, d.version.clone().unwrap())).collect();
    // The child's property wins even inside the parent's dependencyManagement; project.version
    // is the child's; the parent's own dependency comes after the child's; a key declared
    // twice keeps its first place and its last declaration.
    assert_eq!(got, ["lib=2.0", "self=3.1", "gid=t-3", "inherited=7"]);
    assert_eq!(m.gav, Gav::new("t", "child", "3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bom_imports_keep_existing_entries_and_declaration_order() {
    let bom = |v: &str, managed: &str| format!("{}<packaging>pom</packaging><dependencyManagement>{}</dependencyManagement>", coords("t", &format!("bom-{v}"), "1"), deps(&[dep("t", "x", managed, ""), dep("t", &format!("only-{v}"), "9", "")]));
    let app = format!(
        "{}<dependencyManagement>{}</dependencyManagement>{}",
        coords("t", "app", "1"),
        deps(&[dep("t", "bom-a", "1", "<type>pom</type><scope>import</scope>"), dep("t", "bom-b", "1", "<type>pom</type><scope>import</scope>"), dep("t", "only-b", "5", "")]),
        deps(&[dep("t", "x", "", ""), dep("t", "only-a", "", ""), dep("t", "only-b", "", "")]),
    );
    let repo = write_repo(&[("t", "bom-a", "1", &bom("a", "1.0")), ("t", "bom-b", "1", &bom("b", "2.0")), ("t", "app", "1", &app)]);
    let e = env(repo.path());
    let m = e.client.effective(&Gav::new("t", "app", "1")).await.unwrap();
    let got: Vec<String> = m.dependencies.iter().map(|d| format!("{}={}", d.artifact_id, d.version.clone().unwrap())).collect();
    // x from the first import; only-b from the model's own entry, not the import.
    assert_eq!(got, ["x=1.0", "only-a=9", "only-b=5"]);
    assert!(m.managed("t:bom-a:pom").is_none(), "the import entries themselves are removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusion_wildcards_and_scopes_prune_the_tree() {
    let repo = write_repo(&[
        ("t", "a", "1", &format!("{}{}", coords("t", "a", "1"), deps(&[dep("t", "b", "1", ""), dep("u", "c", "1", ""), dep("t", "opt", "1", "<optional>true</optional>"), dep("t", "tst", "1", "<scope>test</scope>"), dep("t", "rt", "1", "<scope>runtime</scope>")]))),
        ("t", "b", "1", &format!("{}{}", coords("t", "b", "1"), deps(&[dep("u", "d", "1", "")]))),
        ("u", "c", "1", &coords("u", "c", "1")),
        ("u", "d", "1", &coords("u", "d", "1")),
        ("t", "rt", "1", &format!("{}{}", coords("t", "rt", "1"), deps(&[dep("t", "leaf", "1", "")]))),
        ("t", "leaf", "1", &coords("t", "leaf", "1")),
    ]);
    let e = env(repo.path());
    let root = |extra: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pom.xml");
        std::fs::write(&path, format!("<project>{}{}</project>", coords("me", "root", "1"), deps(&[dep("t", "a", "1", extra)]))).unwrap();
        (dir, pom_root(&path))
    };
    let (_d, plain) = root("");
    let tree = collect(&e.client, &[plain], &Default::default()).await.unwrap().render();
    assert_eq!(
        tree,
        "me:root:jar:1\n\\- t:a:jar:1:compile\n   +- t:b:jar:1:compile\n   |  \\- u:d:jar:1:compile\n   +- u:c:jar:1:compile\n   \\- t:rt:jar:1:runtime\n      \\- t:leaf:jar:1:runtime\n"
    );
    // `u:*` prunes c and, below b, d; the exclusion is inherited down the path.
    let (_d, excluded) = root("<exclusions><exclusion><groupId>u</groupId><artifactId>*</artifactId></exclusion></exclusions>");
    let tree = collect(&e.client, &[excluded], &Default::default()).await.unwrap().render();
    assert_eq!(tree, "me:root:jar:1\n\\- t:a:jar:1:compile\n   +- t:b:jar:1:compile\n   \\- t:rt:jar:1:runtime\n      \\- t:leaf:jar:1:runtime\n");
    // `*:*` keeps only a itself; a test-scoped direct dependency passes test down.
    let (_d, all) = root("<scope>test</scope><exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>");
    let tree = collect(&e.client, &[all], &Default::default()).await.unwrap().render();
    assert_eq!(tree, "me:root:jar:1\n\\- t:a:jar:1:test\n");
    // A system-scoped dependency is a local file: listed, no POM read, nothing below it.
    let (_d, system) = root("<scope>system</scope><systemPath>/opt/a.jar</systemPath>");
    let fresh = env(repo.path());
    let tree = collect(&fresh.client, &[system], &Default::default()).await.unwrap().render();
    assert_eq!((tree.as_str(), fresh.server.total_hits()), ("me:root:jar:1\n\\- t:a:jar:1:system\n", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_deeper_in_the_tree_overrides_the_nearest_version() {
    let repo = write_repo(&[
        ("t", "a", "1", &format!("{}{}", coords("t", "a", "1"), deps(&[dep("t", "x", "1.0", "")]))),
        ("t", "b", "1", &format!("{}{}", coords("t", "b", "1"), deps(&[dep("t", "mid", "1", "")]))),
        ("t", "mid", "1", &format!("{}{}", coords("t", "mid", "1"), deps(&[dep("t", "x", "[2.0,3.0)", "")]))),
        ("t", "x", "1.0", &coords("t", "x", "1.0")),
        ("t", "x", "2.0", &coords("t", "x", "2.0")),
        ("t", "x", "2.5", &coords("t", "x", "2.5")),
        ("t", "x", "3.0", &coords("t", "x", "3.0")),
    ]);
    let e = env(repo.path());
    let specs = |l: &[&str]| -> Vec<RootReq> { l.iter().map(|s| tusk_resolver::inputs::parse_spec(s).unwrap().1).collect() };
    let tree = collect(&e.client, &specs(&["maven:t:a@1", "maven:t:b@1"]), &Default::default()).await.unwrap().render();
    assert!(tree.contains("t:x:jar:2.5:compile"), "{tree}");
    // A direct hard requirement outside the deeper range: Maven's version conflict.
    let err = collect(&e.client, &specs(&["maven:t:x@[1.0]", "maven:t:b@1"]), &Default::default()).await.unwrap_err();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{err}");
    assert!(err.to_string().contains("Could not resolve version conflict among [your requirements -> t:x:[1.0], t:mid:1 -> t:x:[2.0,3.0)]"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sha1_mismatch_is_an_error_naming_the_url() {
    let repo = write_repo(&[("t", "a", "1", &coords("t", "a", "1"))]);
    std::fs::write(repo.path().join("t/a/1/a-1.pom.sha1"), "0000000000000000000000000000000000000000  a-1.pom\n").unwrap();
    let e = env(repo.path());
    let err = e.client.effective(&Gav::new("t", "a", "1")).await.unwrap_err();
    assert!(matches!(err, IndexError::Checksum { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{}/t/a/1/a-1.pom: checksum mismatch: the repository's .sha1 says 0000000000000000000000000000000000000000, the file hashes to {}", e.server.base, {
            use sha1::Digest;
            hex::encode(sha1::Sha1::digest(std::fs::read(repo.path().join("t/a/1/a-1.pom")).unwrap()))
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_errors_name_the_pom_and_what_is_missing() {
    let repo = write_repo(&[
        ("t", "orphan", "1", &format!("<parent>{}</parent><artifactId>orphan</artifactId>", coords("t", "gone", "4"))),
        ("t", "unres", "1", &format!("{}{}", coords("t", "unres", "1"), deps(&[dep("t", "x", "${nowhere}", "")]))),
        ("t", "loop", "1", &format!("{}<properties><a>${{b}}</a><b>${{a}}</b></properties>{}", coords("t", "loop", "1"), deps(&[dep("t", "x", "${a}", "")]))),
        ("t", "testonly", "1", &format!("{}{}", coords("t", "testonly", "1"), deps(&[dep("t", "x", "${nowhere}", "<scope>test</scope>")]))),
        ("t", "needs", "1", &format!("{}{}", coords("t", "needs", "1"), deps(&[dep("t", "absent", "2", "")]))),
    ]);
    let e = env(repo.path());
    let msg = |a: &'static str| {
        let c = e.client.clone();
        async move { c.effective(&Gav::new("t", a, "1")).await.unwrap_err().to_string() }
    };
    assert_eq!(msg("orphan").await, format!("t:orphan:1: the parent t:gone:4 of t:orphan:1 is not in the repository ({}/t/gone/4/gone-4.pom was not found)", e.server.base));
    assert_eq!(msg("unres").await, "t:unres:1: dependency t:x (declared in t:unres:1 line 1): `${nowhere}` does not resolve: no property `nowhere` in t:unres:1 or its parents");
    assert_eq!(msg("loop").await, "t:loop:1: dependency t:x (declared in t:loop:1 line 1): properties refer to each other in a cycle: a -> b -> a");
    // A test dependency resolution never follows may stay unresolved.
    assert!(e.client.effective(&Gav::new("t", "testonly", "1")).await.unwrap().dependencies.is_empty());
    // A missing dependency POM names the path that asked for it.
    let r = tusk_resolver::inputs::parse_spec("maven:t:orphan@1").unwrap().1;
    let err = collect(&e.client, &[r], &Default::default()).await.unwrap_err().to_string();
    assert!(err.starts_with("t:orphan:1: the parent t:gone:4"), "{err}");
    // In the user's own pom.xml it is bad input, named at the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pom.xml");
    std::fs::write(&path, format!("<project>{}{}</project>", coords("me", "app", "1"), deps(&[dep("t", "x", "${nowhere}", "")]))).unwrap();
    let root = pom_root(&path);
    match collect(&e.client, std::slice::from_ref(&root), &Default::default()).await.unwrap_err() {
        ResolveError::Input { location, message } => {
            assert_eq!(location, root.name);
            assert!(message.contains("`${nowhere}` does not resolve"), "{message}");
        }
        other => panic!("{other}"),
    }
    let r = tusk_resolver::inputs::parse_spec("maven:t:needs@1").unwrap().1;
    let err = collect(&e.client, &[r], &Default::default()).await.unwrap_err().to_string();
    assert_eq!(err, format!("t:absent:2: not in the repository {} (required by t:needs:1)", e.server.base));
}
