# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, not run): tool checks and one
# measured run. Timings are only reported, never asserted.

# require TOOL...: exits 2 naming the first tool that is missing.
require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
  done
}

# measure CMD...: runs CMD once, prints "wall_seconds peak_rss_kb".
measure() {
  local t
  t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>&1 || true
  tail -1 "$t"
  rm -f "$t"
}
