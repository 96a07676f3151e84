#!/usr/bin/env bash
# The library's top-level modules (src/<x>/ or src/<x>.rs) must form no import cycle, and
# the parts below the UI (platform, store, sentiment, rules, report) import nothing from
# `tui`. The graph comes from cargo-modules (rust-analyzer's name resolution, test-only
# modules left out), not from a text scan of `use` lines; this script only folds its
# item-level "uses" edges into module-level ones and checks them.
#
# Usage: scripts/check-module-graph.sh [--print]   (--print also lists the edges)
set -euo pipefail
cd "$(dirname "$0")/.."

# CI installs this exact version (.ci/run); another may print a different graph.
want=0.27.0
if ! have=$(cargo modules --version 2>/dev/null); then
  echo "cargo-modules is not installed: cargo install --locked cargo-modules --version $want" >&2
  exit 2
fi
case "$have" in
  *" $want"*) ;;
  *) echo "warning: $have, the check is written against cargo-modules $want" >&2 ;;
esac

dot=$(mktemp)
trap 'rm -f "$dot"' EXIT
# Item-level "uses" edges only ("owns" is the module tree itself), this crate's items only.
cargo modules dependencies --lib --no-externs --no-sysroot --no-owns >"$dot"

python3 - "$dot" "${1:-}" <<'PY'
import re, sys

dot, flag = sys.argv[1], sys.argv[2]
crate = None
edges = {}
edge = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"\s*\[(.*)\]')
for line in open(dot, encoding="utf-8"):
    m = edge.match(line)
    if not m or 'label="uses"' not in m.group(3):
        continue
    src, dst = m.group(1).split("::"), m.group(2).split("::")
    crate = crate or src[0]
    # Items at the crate root (lib.rs itself) belong to no top-level module.
    if len(src) < 2 or len(dst) < 2 or src[0] != dst[0]:
        continue
    a, b = src[1], dst[1]
    if a != b:
        edges.setdefault(a, set()).add(b)

if crate is None:
    sys.exit("cargo-modules printed no `uses` edge: is this the graph of the library?")

# Tarjan's strongly connected components: any with two or more modules is a cycle.
index, low, stack, on, sccs = {}, {}, [], set(), []
def visit(v, counter=[0]):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop(); on.discard(w); scc.append(w)
            if w == v:
                break
        sccs.append(sorted(scc))
sys.setrecursionlimit(10000)
nodes = set(edges) | {b for bs in edges.values() for b in bs}
for v in sorted(nodes):
    if v not in index:
        visit(v)

if flag == "--print":
    for a in sorted(edges):
        print(f"{a} -> {', '.join(sorted(edges[a]))}")

failed = False
for scc in sccs:
    if len(scc) > 1:
        failed = True
        members = set(scc)
        inner = [f"{a} -> {b}" for a in scc for b in sorted(edges.get(a, ())) if b in members]
        print(f"import cycle between top-level modules: {', '.join(scc)}")
        for e in inner:
            print(f"  {e}")
below_ui = ["platform", "store", "sentiment", "rules", "report"]
for part in below_ui:
    if "tui" in edges.get(part, ()):
        failed = True
        print(f"{part} imports from tui: the parts below the UI must not")
if failed:
    sys.exit(1)
print(f"module graph: {len(nodes)} top-level modules, "
      f"{sum(len(b) for b in edges.values())} edges, no cycle; "
      f"{', '.join(below_ui)} import nothing from tui")
PY
