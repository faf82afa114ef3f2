#!/usr/bin/env bash
# Run one benchmark at a base commit and at this checkout, alternately, and print both side by side.
#
#   bench/compare.sh BENCH [ROUNDS]      e.g.  bench/compare.sh capture 3
#
# BENCH names bench/BENCH.py; ROUNDS (default 2) pairs of runs, base first, then this checkout, so
# that a drift of the shared machine falls on both. BASE (default bbb8011, main before issue 22's
# last steps) is checked out once in a detached `git worktree` under ${TMPDIR:-/tmp}; both sides
# run with this checkout's virtualenv, each importing its own tree (PYTHONPATH and the working
# directory). Extra arguments for the bench: BENCH_ARGS="--leads 20000". Environment variables the
# benches read (BENCH_CAPTURE_N, ...) reach both sides. Prints each round's last JSON line per side,
# then one table: every numeric figure, the base's and ours (medians over the rounds) and ours/base.
set -euo pipefail

bench=${1:?usage: bench/compare.sh BENCH [ROUNDS]}
rounds=${2:-2}
base=${BASE:-bbb8011}
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$here/.venv/bin/python}
[ -f "$here/bench/$bench.py" ] || { echo "no bench/$bench.py" >&2; exit 2; }

sha=$(git -C "$here" rev-parse --short "$base")
old=${TMPDIR:-/tmp}/grace-bench-base-$sha
if [ ! -d "$old" ]; then
    git -C "$here" worktree add --detach --quiet "$old" "$sha"
fi
[ -f "$old/bench/$bench.py" ] || { echo "bench/$bench.py does not exist at $sha" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {  # side dir round
    local log="$out/$1.$3.log"
    (cd "$2" && PYTHONPATH="$2" "$py" "bench/$bench.py" ${BENCH_ARGS:-}) >"$log" 2>"$out/$1.$3.err" || {
        echo "$1 round $3 failed:" >&2; tail -20 "$out/$1.$3.err" >&2; exit 1; }
    tail -n 1 "$log" >"$out/$1.$3.json"
    printf '%-5s round %s: %s\n' "$1" "$3" "$(cat "$out/$1.$3.json")"
}
echo "== bench/$bench.py: base $sha ($old) vs head $(git -C "$here" rev-parse --short HEAD)+worktree ($here)"
for r in $(seq 1 "$rounds"); do
    run base "$old" "$r"
    run head "$here" "$r"
done

"$py" - "$out" "$rounds" <<'EOF'
import json, statistics, sys
from pathlib import Path

out, rounds = Path(sys.argv[1]), int(sys.argv[2])
def load(side):
    return [json.loads((out / f"{side}.{r}.json").read_text()) for r in range(1, rounds + 1)]
base, head = load("base"), load("head")
keys = [k for k in base[0] if isinstance(base[0][k], (int, float)) and not isinstance(base[0][k], bool)]
print(f"{'figure':<32} {'base':>12} {'head':>12} {'head/base':>10}")
for k in keys:
    b = statistics.median(x[k] for x in base if k in x)
    hs = [x[k] for x in head if isinstance(x.get(k), (int, float))]
    if not hs:
        print(f"{k:<32} {b:>12.4g} {'-':>12}")
        continue
    h = statistics.median(hs)
    ratio = f"{h / b:.3f}" if b else "-"
    print(f"{k:<32} {b:>12.4g} {h:>12.4g} {ratio:>10}")
EOF
