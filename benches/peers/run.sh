#!/usr/bin/env bash
# Fluent against other implementations on six end-to-end programs.
#
#   benches/peers/run.sh                         # fluent run, no flags
#   benches/peers/run.sh "" "--jit off" "--jit on"   # one column per flag set
#   FLUENT_MODES="default;--jit off;--jit on" benches/peers/run.sh   # same
#
# Each flag set becomes a column `fluent <flags>`, run as
# `fluent run <flags> FILE`; an empty set (or the word `default`) is plain
# `fluent run`. Positional arguments win over FLUENT_MODES (a `;`-separated
# list). Ratios in the table are <column>/<base>, where the base is the
# first fluent mode unless RATIO_BASE names another one; a ratio above 1
# means that column is slower than the base.
#
# Other knobs (environment):
#   PROGRAMS="fib tak mandelbrot loop nqueens mapfold"   which rows
#   PEERS="chez guile luajit cpython c"                  which peer columns
#   RUNS=N          hyperfine runs for every program (default: per program)
#   RATIO_BASE=FLAGS  the fluent mode the ratios divide by, spelled as one of
#                   the modes (`default`, `--jit off`, ...); default: the first
#   FLUENT=PATH     use this fluent binary instead of building target/release
#   CHECK_ONLY=1    install, build and check outputs, do not benchmark
#
# Steps: install missing peers with apt-get, build fluent (release) and the C
# programs (gcc -O2 into benches/peers/out/), compile the Guile programs
# ahead of time (see below), run every implementation once and check that all
# print the same single line (and the known answer), then time each program
# with hyperfine and print one markdown table of medians (also written to
# benches/peers/out/results.md).
#
# How each peer runs:
#   chez    `scheme --script F.ss` (Chez compiles every form to native code
#           as it loads; its ~0.1 s boot is part of the time).
#   guile   compiled ahead of time with `compile-file` (what `guild compile`
#           does, default optimization level) into out/guile/F.go, then run
#           with `guile --no-auto-compile -c '(load-compiled "out/guile/F.go")'`:
#           no compilation in the timed runs and no dependence on the
#           auto-compile cache in ~/.cache. Guile's JIT is on by default.
#   luajit  `luajit F.lua`
#   cpython `python3 F.py`, with python3 resolved to the real interpreter
#           (sys.executable), so a pyenv shim's start-up is not timed.
#   c       `gcc -O2 -ffp-contract=off` (no FMA contraction, so mandelbrot's
#           float operations stay as written on every target).
set -euo pipefail

die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/out
case $here in *[\"\'\\]*) die "the path $here contains a quote or backslash; move the checkout" ;; esac

all_programs="fib tak mandelbrot loop nqueens mapfold"
read -r -a programs <<<"${PROGRAMS:-$all_programs}"
read -r -a peers <<<"${PEERS:-chez guile luajit cpython c}"

declare -A expected=(
  [fib]=2178309 [tak]=7 [mandelbrot]=62897719
  [loop]=4999999950000000 [nqueens]=724 [mapfold]=461500000
)
declare -A default_runs=([fib]=5 [tak]=5 [mandelbrot]=3 [loop]=3 [nqueens]=10 [mapfold]=5)
declare -A ext=([chez]=ss [guile]=scm [luajit]=lua [cpython]=py [c]=c)

for p in "${programs[@]}"; do
  [[ -n ${expected[$p]+x} ]] || die "unknown program '$p' (known: $all_programs)"
done
for peer in "${peers[@]}"; do
  [[ -n ${ext[$peer]+x} ]] || die "unknown peer '$peer' (known: chez guile luajit cpython c)"
done

# --- fluent modes ----------------------------------------------------------
modes=()
if (($# > 0)); then
  modes=("$@")
elif [[ -n ${FLUENT_MODES+x} ]]; then
  IFS=';' read -r -a modes <<<"$FLUENT_MODES"
  ((${#modes[@]} > 0)) || modes=("")
else
  modes=("")
fi
for i in "${!modes[@]}"; do
  m=${modes[$i]}
  m=${m#"${m%%[![:space:]]*}"}; m=${m%"${m##*[![:space:]]}"}   # trim
  [[ $m == default ]] && m=""
  modes[$i]=$m
done
mode_name() { if [[ -z $1 ]]; then echo fluent; else echo "fluent $1"; fi; }
base_mode=${modes[0]}
if [[ -n ${RATIO_BASE+x} ]]; then
  b=$RATIO_BASE
  b=${b#"${b%%[![:space:]]*}"}; b=${b%"${b##*[![:space:]]}"}   # trim
  [[ $b == default ]] && b=""
  found=0
  for m in "${modes[@]}"; do [[ $m == "$b" ]] && found=1; done
  ((found)) || die "RATIO_BASE='$RATIO_BASE' is not one of the fluent modes"
  base_mode=$b
fi

# --- install missing peers -------------------------------------------------
has() { command -v "$1" >/dev/null 2>&1; }
need_pkgs=()
has hyperfine || need_pkgs+=(hyperfine)
has python3 || need_pkgs+=(python3)
for peer in "${peers[@]}"; do
  case $peer in
    chez) has chezscheme || has chez || need_pkgs+=(chezscheme) ;;
    guile) has guile-3.0 || need_pkgs+=(guile-3.0) ;;
    luajit) has luajit || need_pkgs+=(luajit) ;;
    c) has gcc || need_pkgs+=(gcc) ;;
  esac
done
if ((${#need_pkgs[@]} > 0)); then
  say "installing missing packages: ${need_pkgs[*]}"
  has apt-get || die "missing ${need_pkgs[*]} and no apt-get to install them"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then has sudo && sudo=sudo || die "missing ${need_pkgs[*]}; run as root or install them"; fi
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_pkgs[@]}" >&2 \
    || die "apt-get install ${need_pkgs[*]} failed"
fi
has cargo || die "cargo not found (needed to build fluent)"

chez_bin=$(command -v chezscheme || command -v chez || true)
guile_bin=$(command -v guile-3.0 || true)
luajit_bin=$(command -v luajit || true)
python_bin=$(python3 -c 'import sys; print(sys.executable)')
for peer in "${peers[@]}"; do
  case $peer in
    chez) [[ -n $chez_bin ]] || die "Chez Scheme not found after install" ;;
    guile) [[ -n $guile_bin ]] || die "guile-3.0 not found after install"
           [[ $("$guile_bin" -c '(display (major-version))') == 3 ]] || die "$guile_bin is not Guile 3" ;;
    luajit) [[ -n $luajit_bin ]] || die "luajit not found after install" ;;
  esac
done

# --- build ---------------------------------------------------------------
mkdir -p "$out" "$out/guile"
if [[ -n ${FLUENT:-} ]]; then
  fluent_bin=$FLUENT
  say "using fluent binary $fluent_bin (not building)"
else
  say "building fluent (cargo build --release in $root)"
  (cd "$root" && cargo build --release --quiet) \
    || die "cargo build --release failed in $root (others may be mid-edit: retry in a few minutes)"
  fluent_bin=$root/target/release/fluent
fi
[[ -x $fluent_bin ]] || die "no fluent binary at $fluent_bin"

for p in "${programs[@]}"; do
  for peer in "${peers[@]}"; do
    case $peer in
      c)
        gcc -O2 -ffp-contract=off -o "$out/$p" "$here/$p.c" || die "gcc failed on $p.c" ;;
      guile)
        "$guile_bin" --no-auto-compile -c \
          "(use-modules (system base compile)) (compile-file \"$here/$p.scm\" #:output-file \"$out/guile/$p.go\")" \
          >/dev/null || die "guile failed to compile $p.scm" ;;
    esac
  done
done
say "built: fluent, C (gcc -O2 -ffp-contract=off), Guile .go files, in $out"

# --- commands ------------------------------------------------------------
q() { printf '%q' "$1"; }
# The command line for implementation $1 on program $2, as one string that
# both `bash -c` and hyperfine -N split the same way.
command_for() {
  local impl=$1 p=$2
  case $impl in
    fluent:*) local flags=${impl#fluent:}
              echo "$(q "$fluent_bin") run${flags:+ $flags} $(q "$here/$p.fl")" ;;
    chez)    echo "$(q "$chez_bin") --script $(q "$here/$p.ss")" ;;
    guile)   echo "$(q "$guile_bin") --no-auto-compile -c '(load-compiled \"$out/guile/$p.go\")'" ;;
    luajit)  echo "$(q "$luajit_bin") $(q "$here/$p.lua")" ;;
    cpython) echo "$(q "$python_bin") $(q "$here/$p.py")" ;;
    c)       echo "$(q "$out/$p")" ;;
  esac
}
impls=(); names=()
for m in "${modes[@]}"; do impls+=("fluent:$m"); names+=("$(mode_name "$m")"); done
for peer in "${peers[@]}"; do impls+=("$peer"); names+=("$peer"); done

# --- check outputs -------------------------------------------------------
say "checking outputs (every implementation must print the same single line)"
failed=0
for p in "${programs[@]}"; do
  report=""; bad=0
  for i in "${!impls[@]}"; do
    cmd=$(command_for "${impls[$i]}" "$p")
    if got=$(cd "$here" && bash -c "$cmd" 2>"$out/stderr.txt"); then :; else
      got="<exit $?> $(head -c 300 "$out/stderr.txt")"
    fi
    [[ $got == "${expected[$p]}" ]] || bad=1
    report+=$(printf '\n    %-22s %s' "${names[$i]}" "$got")
  done
  if ((bad)); then
    printf 'run.sh: MISMATCH on %s (expected %s):%s\n' "$p" "${expected[$p]}" "$report" >&2
    failed=1
  else
    printf '    %-11s all %d print %s\n' "$p" "${#impls[@]}" "${expected[$p]}" >&2
  fi
done
((failed == 0)) || die "outputs disagree (see above); not benchmarking"
if [[ ${CHECK_ONLY:-0} == 1 ]]; then say "CHECK_ONLY=1: done"; exit 0; fi

# --- benchmark -----------------------------------------------------------
for p in "${programs[@]}"; do
  runs=${RUNS:-${default_runs[$p]}}
  say "hyperfine: $p (warmup 1, runs $runs)"
  args=()
  for i in "${!impls[@]}"; do args+=(-n "${names[$i]}" "$(command_for "${impls[$i]}" "$p")"); done
  (cd "$here" && hyperfine -N --style basic --warmup 1 --runs "$runs" \
     --export-json "$out/$p.json" "${args[@]}") >&2 \
    || die "hyperfine failed on $p"
done

python3 - "$out" "$(mode_name "$base_mode")" "${names[@]}" -- "${programs[@]}" <<'PY' | tee "$out/results.md"
import json, sys
out, base = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
sep = rest.index("--")
names, programs = rest[:sep], rest[sep + 1:]
labels = {
    "fib": "fib(32)", "tak": "tak(18,12,6) x 200",
    "mandelbrot": "mandelbrot 1920x1080, max 100",
    "loop": "named-let loop, 1e8 iterations",
    "nqueens": "nqueens 10", "mapfold": "map+fold, 1e6-element list",
}
ratio_cols = [n for n in names if n != base]
head = ["program"] + [f"{n} (s)" for n in names] + [f"{n}/{base}" for n in ratio_cols]
print("| " + " | ".join(head) + " |")
print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
for p in programs:
    med = {r["command"]: r["median"] for r in json.load(open(f"{out}/{p}.json"))["results"]}
    cells = [labels.get(p, p)] + [f"{med[n]:.3f}" for n in names]
    cells += [f"{med[n] / med[base]:.2f}" for n in ratio_cols]
    print("| " + " | ".join(cells) + " |")
PY
say "table written to $out/results.md"
