#!/usr/bin/env bash
# Regenerates docs/rules.md from the finding registry (src/rules.rs), through
# the binary: `scripts/rules_md.sh > docs/rules.md`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/plangate
echo "# Finding ids"
echo
echo "Every finding plangate reports has one of these ids (or the id of a custom \`[[rule]]\` from a policy file). Levels are the defaults; \`[levels]\` in a policy file changes them. \`plangate rules --explain ID\` prints the same text."
"$bin" rules | while read -r id level _; do
  echo
  echo "## \`$id\`"
  echo
  echo "Default level: \`$level\`."
  echo
  "$bin" rules --explain "$id" | sed -n '3,$p' | sed '/^Docs:/d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
done
