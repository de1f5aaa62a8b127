#!/usr/bin/env bash
# The interpreter against CPython on the same algorithms (issue: foundation).
# Prints a markdown table of hyperfine medians and the ratio per program.
#   benches/cpython.sh            # needs hyperfine and python3
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }
cargo build --release --quiet
out=$(mktemp -d)
printf '| program | fluent (interpreter) | CPython %s | CPython / fluent |\n|---|---|---|---|\n' \
  "$(python3 -c 'import sys; print(".".join(map(str, sys.version_info[:2])))')"
for p in fib tak loop mandelbrot; do
  runs=10; [ "$p" = mandelbrot ] && runs=3
  hyperfine --warmup 1 --runs "$runs" --export-json "$out/$p.json" \
    -n fluent "target/release/fluent run benches/programs/$p.fl" \
    -n cpython "python3 benches/programs/$p.py" >/dev/null
  python3 - "$out/$p.json" "$p" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
f, c = r["fluent"], r["cpython"]
print(f"| {sys.argv[2]} | {f:.3f} s | {c:.3f} s | {c / f:.1f}x |")
PY
done
