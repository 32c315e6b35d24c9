#!/usr/bin/env bash
# Benchmark: plangate review over many small stacks (`--staging DIR --prod
# DIR`) against `jq -c .` reading the same files in one process. Prints wall
# time, peak RSS and the ratio to jq per stack count, to show that time grows
# linearly with the number of stacks.
#
#   bench/stacks.sh                  # 100, 200, 400 and 800 stacks of 20 resources
#   bench/stacks.sh 50 100           # any stack counts
#   RESOURCES=100 bench/stacks.sh    # larger stacks
#
# Needs python3, jq and GNU time (/usr/bin/time). Plans are generated with
# bench/genplan.py (or another generator with the same flags, $GENPLAN), one seed per stack, into
# $BENCH_DIR (default /tmp/plangate-bench/stacks-small) and reused across runs. No
# timing is asserted: this only reports numbers (see docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

genplan=${GENPLAN:-bench/genplan.py}
base=${BENCH_DIR:-/tmp/plangate-bench}/stacks-$([ -n "${GENPLAN:-}" ] && echo external || echo small)
per=${RESOURCES:-20}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100 200 400 800)

# shellcheck source=bench/lib.sh
. bench/lib.sh
require python3 jq /usr/bin/time
[ -f "$genplan" ] || { echo "bench: $genplan not found (set GENPLAN)" >&2; exit 2; }

cargo build --release --quiet
bin=target/release/plangate

# Stack i lives at group-(i % 10)/stack-i/tfplan.json in each environment
# (the layout `terragrunt run-all plan --json-out-dir` writes).
pool="$base/pool-$per"
max=0
for n in "${counts[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
missing=()
for ((i = 0; i < max; i++)); do
  for env in staging prod; do
    f="$pool/$env/group-$((i % 10))/stack-$i/tfplan.json"
    [ -f "$f" ] || missing+=("$env $i $f")
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: generating ${#missing[@]} plans of $per resources into $pool" >&2
  # shellcheck disable=SC2016 # the inner script expands its own arguments
  printf '%s\n' "${missing[@]}" | xargs -P "$(nproc)" -L 1 sh -c \
    'mkdir -p "$(dirname "$4")" && python3 "$0" --resources "$1" --env "$2" --seed "$3" -o "$4" >/dev/null' \
    "$genplan" "$per"
fi
printf '%-7s %-28s %9s %10s %12s %9s\n' stacks run wall_s peak_MB ms/stack vs_jq
for n in "${counts[@]}"; do
  # A tree of the first n stacks, as hard links into the pool.
  dir="$base/run-$per-$n"
  if [ ! -d "$dir" ]; then
    for ((i = 0; i < n; i++)); do
      for env in staging prod; do
        rel="group-$((i % 10))/stack-$i/tfplan.json"
        mkdir -p "$dir/$env/$(dirname "$rel")"
        ln "$pool/$env/$rel" "$dir/$env/$rel"
      done
    done
  fi
  files=$(find "$dir" -name '*.json' | sort)
  # shellcheck disable=SC2086 # one argument per file
  bytes=$(cat $files | wc -c)
  # shellcheck disable=SC2086 # one argument per file
  cat $files >/dev/null
  # shellcheck disable=SC2086 # one argument per file
  read -r jq_wall jq_rss < <(measure jq -c . $files)
  report() {
    awk -v n="$n" -v l="$1" -v w="$2" -v r="$3" -v j="$jq_wall" 'BEGIN {
      if (w < 0.005) w = 0.005
      printf "%-7s %-28s %9.2f %10.1f %12.2f %9.3f\n", n, l, w, r / 1024, w * 1000 / n, w / j }'
  }
  report "jq -c . (all files)" "$jq_wall" "$jq_rss"
  for fmt in json text markdown; do
    read -r wall rss < <(measure "$bin" review --staging "$dir/staging" --prod "$dir/prod" --format "$fmt" --color never)
    report "plangate review $fmt" "$wall" "$rss"
  done
  read -r wall rss < <(measure "$bin" review --plans "$dir/{env}/{stack}/tfplan.json" --format json)
  report "plangate review --plans json" "$wall" "$rss"
  echo "        (input: $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB in $((2 * n)) files)"
done
