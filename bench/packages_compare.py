"""Compares the versions tusk chose with the peer's lock (bench/packages.sh).

usage: packages_compare.py ECO TUSK_JSON PROJECT_DIR
"""
import json
import re
import sys
import tomllib


def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()


def tusk_set(path, eco_name):
    data = json.load(open(path))
    out = {}
    key = (lambda n: n) if eco_name == "npm" else norm
    for eco in data["ecosystems"]:
        for p in eco["packages"]:
            out.setdefault(key(p["name"]), set()).add(p["version"])
    return out


def peer_set(eco, proj):
    out = {}
    if eco == "pypi":
        for line in open(f"{proj}/requirements.txt"):
            m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            if m:
                out.setdefault(norm(m[1]), set()).add(m[2])
    elif eco == "npm":
        lock = json.load(open(f"{proj}/package-lock.json"))
        for path, p in lock.get("packages", {}).items():
            if not path:
                continue
            name = p.get("name") or path.split("node_modules/")[-1]
            out.setdefault(name, set()).add(p["version"])
    else:
        lock = tomllib.load(open(f"{proj}/Cargo.lock", "rb"))
        for p in lock["package"]:
            if p.get("source"):
                out.setdefault(norm(p["name"]), set()).add(p["version"])
    return out


def main():
    eco, tusk_json, proj = sys.argv[1:4]
    t, p = tusk_set(tusk_json, eco), peer_set(eco, proj)
    same = sum(1 for n in t if t[n] == p.get(n))
    print(f"tusk: {sum(len(v) for v in t.values())} packages, peer: {sum(len(v) for v in p.values())}; same versions for {same} names")
    for n in sorted(set(t) | set(p)):
        if t.get(n) != p.get(n):
            print(f"  {n}: tusk {sorted(t.get(n, []))} peer {sorted(p.get(n, []))}")


if __name__ == "__main__":
    main()
