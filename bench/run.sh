#!/usr/bin/env bash
# Benchmark: plangate review against `jq -c .` on generated staging/prod
# pairs. Prints wall time, peak RSS, throughput and the ratio to jq.
#
#   bench/run.sh                 # 1k, 10k and 50k resources
#   bench/run.sh 1000 200000     # any sizes
#   RUNS=5 bench/run.sh 50000    # the median of 5 rounds (default 3)
#
# Each round runs jq and every plangate command once, one after another, so
# that a machine whose speed drifts (shared cores) affects both sides of the
# ratio alike; the table shows each command's median wall time and its
# largest peak RSS over the rounds.
# Needs python3, jq and GNU time (/usr/bin/time). Plans are generated with
# bench/genplan.py (or another generator with the same flags, $GENPLAN) into
# $BENCH_DIR (default /tmp/plangate-bench) and reused across runs. No timing
# is asserted: this only reports numbers (see docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

genplan=${GENPLAN:-bench/genplan.py}
# Plans from another generator are kept apart from bench/genplan.py's.
dir=${BENCH_DIR:-/tmp/plangate-bench/$([ -n "${GENPLAN:-}" ] && echo external || echo small)}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 50000)
mkdir -p "$dir"

# shellcheck source=bench/lib.sh
. bench/lib.sh
require python3 jq /usr/bin/time
[ -f "$genplan" ] || { echo "bench: $genplan not found (set GENPLAN)" >&2; exit 2; }

cargo build --release --quiet
bin=target/release/plangate

printf '%-8s %-26s %9s %10s %9s %10s %9s\n' size run wall_s peak_MB MB/s rss/input vs_jq
for n in "${sizes[@]}"; do
  s="$dir/staging-$n.json" p="$dir/prod-$n.json"
  [ -f "$s" ] || python3 "$genplan" --resources "$n" --env staging --seed 42 -o "$s" >/dev/null 2>&1
  [ -f "$p" ] || python3 "$genplan" --resources "$n" --env prod --seed 42 -o "$p" >/dev/null 2>&1
  bytes=$(( $(stat -c %s "$s") + $(stat -c %s "$p") ))
  mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  # Warm the page cache so every run reads from memory.
  cat "$s" "$p" >/dev/null

  runs=${RUNS:-3}
  labels=("jq -c . (both files)" "plangate review json" "plangate review text" "plangate review markdown"
    "plangate fingerprint")
  commands=("sh -c \"jq -c . '$s' >/dev/null && jq -c . '$p' >/dev/null\""
    "$bin review --staging '$s' --prod '$p' --format json --color never"
    "$bin review --staging '$s' --prod '$p' --format text --color never"
    "$bin review --staging '$s' --prod '$p' --format markdown --color never"
    "$bin fingerprint '$s' '$p'")
  declare -A walls=() rss_max=()
  for ((r = 0; r < runs; r++)); do
    for k in "${!commands[@]}"; do
      read -r wall rss < <(eval "measure ${commands[$k]}")
      walls[$k]="${walls[$k]:-} $wall"
      [ "${rss_max[$k]:-0}" -ge "$rss" ] || rss_max[$k]=$rss
    done
  done
  median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
  jq_wall=$(median "${walls[0]}")
  report() {
    local label=$1 wall=$2 rss=$3
    awk -v n="$n" -v l="$label" -v w="$wall" -v r="$rss" -v b="$bytes" -v j="$jq_wall" 'BEGIN {
      if (w < 0.005) w = 0.005
      printf "%-8s %-26s %9.2f %10.1f %9.0f %10.2f %9.3f\n", n, l, w, r / 1024, b / 1e6 / w, r * 1024 / b, w / j }'
  }
  for k in "${!commands[@]}"; do
    report "${labels[$k]}" "$(median "${walls[$k]}")" "${rss_max[$k]}"
  done
  echo "         (input: $mb MB for the pair; medians of $runs rounds)"
done
