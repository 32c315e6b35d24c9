#!/usr/bin/env bash
# Runs the gate for action.yml from its INPUT_* variables: `plangate review`,
# or `plangate comment github` when commenting; writes the `verdict`,
# `exit-code` and `report` step outputs; exits with plangate's status.
# Inputs arrive as environment variables, never spliced into the script, so
# a plan path or an argument cannot inject shell.
set -uo pipefail

fail() { echo "::error title=plangate::$*"; exit 2; }
bool() { # NAME VALUE
  case "$2" in
    true | True | TRUE) return 0 ;;
    false | False | FALSE | "") return 1 ;;
    *) fail "input \`$1\` must be true or false, not \`$2\`" ;;
  esac
}

plangate=${PLANGATE:-plangate}
out_dir=${OUT_DIR:-${RUNNER_TEMP:-/tmp}/plangate}
mkdir -p "$out_dir"
report="$out_dir/report.json"
annotations="$out_dir/annotations.txt"
rm -f "$report" "$annotations"

if bool comment "${INPUT_COMMENT:-false}"; then
  cmd=("$plangate" comment github --comment-id "${INPUT_COMMENT_ID:-plangate}")
else
  cmd=("$plangate" review)
fi
if [ -n "${INPUT_PLANS:-}" ]; then
  cmd+=(--plans "$INPUT_PLANS")
fi
if [ -n "${INPUT_STAGING:-}" ]; then cmd+=(--staging "$INPUT_STAGING"); fi
if [ -n "${INPUT_PROD:-}" ]; then cmd+=(--prod "$INPUT_PROD"); fi
while IFS= read -r line; do
  line=${line%$'\r'}
  [ -n "${line// /}" ] && cmd+=(--policy "$line")
done <<<"${INPUT_POLICY:-}"
cmd+=(--fail-on "${INPUT_FAIL_ON:-block}" --report "json=$report")
if bool annotations "${INPUT_ANNOTATIONS:-true}"; then
  cmd+=(--report "github=$annotations")
fi
while IFS= read -r line; do
  line=${line%$'\r'}
  [ -n "${line// /}" ] && cmd+=(--report "$line")
done <<<"${INPUT_REPORTS:-}"
read -r -a extra <<<"${INPUT_ARGS:-}"
cmd+=(${extra[@]+"${extra[@]}"}) # bash 3.2 (macOS) treats an empty "${a[@]}" as unset

echo "plangate:$(printf ' %q' "${cmd[@]:1}")"
"${cmd[@]}"
code=$?

if [ -f "$annotations" ]; then cat "$annotations"; fi
verdict=error
if [ "$code" -ne 2 ] && [ -f "$report" ]; then
  # The report is plangate's own pretty JSON: the top-level verdict is the
  # one key indented by two spaces.
  verdict=$(sed -n 's/^  "verdict": "\([a-z]*\)",\{0,1\}$/\1/p' "$report" | head -n 1)
  verdict=${verdict:-error}
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "verdict=$verdict"; echo "exit-code=$code"; echo "report=$report"; } >>"$GITHUB_OUTPUT"
fi
exit "$code"
