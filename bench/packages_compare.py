"""Compares the versions tusk chose with each peer's lock (bench/packages.sh).

usage: packages_compare.py ECO SET_DIR

SET_DIR holds tusk.json (`tusk -o json @packages resolve`), in/ (the input manifest) and one
directory per peer with its lock: uv/out.txt, npm/package-lock.json, pnpm/pnpm-lock.yaml,
bun/bun.lock, cargo/Cargo.lock. For each peer: every direct dependency whose version differs
(by name), then a count of the transitive names whose version sets differ, and the names only
one side has.
"""
import json
import re
import sys
import tomllib

import yaml


def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()


def tusk_sets(path, eco):
    """(all: name -> {versions}, direct: name -> {versions})"""
    data = json.load(open(path))
    key = (lambda n: n) if eco == "npm" else norm
    out, direct = {}, {}
    for e in data["ecosystems"]:
        for p in e["packages"]:
            out.setdefault(key(p["name"]), set()).add(p["version"])
        for edge in e.get("root_edges", []):
            direct.setdefault(key(edge["name"]), set()).add(edge["version"])
    return out, direct


def add(d, k, v):
    d.setdefault(k, set()).add(v)


def uv_sets(w):
    out = {}
    for line in open(f"{w}/uv/out.txt"):
        m = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;]+)", line)
        if m:
            add(out, norm(m[1]), m[3])
    names = set()
    for line in open(f"{w}/in/requirements.txt"):
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)", line)
        if m and not line.lstrip().startswith("#"):
            names.add(norm(m[1]))
    return out, {n: out.get(n, set()) for n in names}


def npm_sets(w):
    lock = json.load(open(f"{w}/npm/package-lock.json"))
    out = {}
    for path, p in lock.get("packages", {}).items():
        if not path or p.get("link"):
            continue
        add(out, p.get("name") or path.split("node_modules/")[-1], p["version"])
    root = lock["packages"][""]
    names = {**root.get("dependencies", {}), **root.get("devDependencies", {})}
    direct = {n: {lock["packages"][f"node_modules/{n}"]["version"]} for n in names
              if f"node_modules/{n}" in lock["packages"]}
    return out, direct


def split_name_version(key):
    """'@scope/name@1.2.3(peer@1)' -> ('@scope/name', '1.2.3')"""
    key = key.split("(")[0].lstrip("/")
    i = key.rindex("@")
    return key[:i], key[i + 1:]


def pnpm_sets(w):
    lock = yaml.safe_load(open(f"{w}/pnpm/pnpm-lock.yaml"))
    out = {}
    for key in lock.get("packages", {}) or {}:
        n, v = split_name_version(key)
        add(out, n, v)
    imp = lock.get("importers", {}).get(".", {})
    direct = {}
    for kind in ("dependencies", "devDependencies", "optionalDependencies"):
        for n, d in (imp.get(kind) or {}).items():
            add(direct, n, str(d["version"]).split("(")[0])
    return out, direct


def bun_sets(w):
    text = open(f"{w}/bun/bun.lock").read()
    # bun.lock is JSON with trailing commas.
    lock = json.loads(re.sub(r",(\s*[}\]])", r"\1", text))
    out = {}
    for path, entry in lock.get("packages", {}).items():
        n, v = split_name_version(entry[0])
        add(out, n, v)
    ws = lock.get("workspaces", {}).get("", {})
    direct = {}
    for kind in ("dependencies", "devDependencies", "optionalDependencies"):
        for n in ws.get(kind, {}) or {}:
            if n in lock["packages"]:
                add(direct, n, split_name_version(lock["packages"][n][0])[1])
    return out, direct


def cargo_sets(w):
    lock = tomllib.load(open(f"{w}/cargo/Cargo.lock", "rb"))
    out = {}
    for p in lock["package"]:
        if p.get("source"):
            add(out, norm(p["name"]), p["version"])
    root = next(p for p in lock["package"] if not p.get("source") and p["name"] == "bench")
    direct = {}
    for d in root.get("dependencies", []):
        parts = d.split(" ")
        n = norm(parts[0])
        if len(parts) > 1:
            add(direct, n, parts[1])
        else:
            direct[n] = set(out.get(n, set()))
    return out, direct


PEERS = {"pypi": [("uv", uv_sets)], "npm": [("npm", npm_sets), ("pnpm", pnpm_sets), ("bun", bun_sets)],
         "crates": [("cargo", cargo_sets)]}


def main():
    eco, w = sys.argv[1:3]
    t, tdirect = tusk_sets(f"{w}/tusk.json", eco)
    print(f"tusk: {sum(len(v) for v in t.values())} package versions ({len(t)} names), {len(tdirect)} direct")
    for peer, load in PEERS[eco]:
        try:
            p, pdirect = load(w)
        except Exception as e:  # a peer that failed leaves no (or a broken) lock
            print(f"\n{peer}: no lock to compare ({type(e).__name__}: {e})")
            continue
        print(f"\n{peer}: {sum(len(v) for v in p.values())} package versions ({len(p)} names)")
        names = sorted(set(tdirect) | set(pdirect))
        diffs = [n for n in names if tdirect.get(n) != pdirect.get(n)]
        print(f"  direct dependencies: {len(names) - len(diffs)} of {len(names)} the same")
        for n in diffs:
            print(f"    {n}: tusk {sorted(tdirect.get(n, []))} {peer} {sorted(pdirect.get(n, []))}")
        trans = sorted((set(t) | set(p)) - set(names))
        differ = [n for n in trans if n in t and n in p and t[n] != p[n]]
        only_t = [n for n in trans if n not in p]
        only_p = [n for n in trans if n not in t]
        print(f"  transitive names: {len(trans)}; different versions: {len(differ)}; "
              f"only tusk: {len(only_t)}; only {peer}: {len(only_p)}")
        for label, lst in ((f"different", differ), ("only tusk", only_t), (f"only {peer}", only_p)):
            if lst:
                shown = ", ".join(f"{n} {sorted(t.get(n, []))}/{sorted(p.get(n, []))}" if label == "different" else n
                                  for n in lst[:40])
                print(f"    {label}: {shown}{' …' if len(lst) > 40 else ''}")


if __name__ == "__main__":
    main()
