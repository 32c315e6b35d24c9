#!/usr/bin/env bash
# `check && pass || flunk` throughout: pass only prints, so flunk never runs after a pass.
# shellcheck disable=SC2015
# Tests action/install.sh against a local release folder built from a real
# plangate binary: it installs a verified archive, refuses a tampered one,
# refuses a checksum that does not match, and reports a missing build.
# Usage: scripts/test_install.sh PATH/TO/plangate
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || { echo "usage: $0 PATH/TO/plangate (built)" >&2; exit 2; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=$(rustc -vV | sed -n 's/^host: //p')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass() { echo "  ok: $*"; }
flunk() { echo "  FAILED: $*"; failures=$((failures + 1)); }

release="$tmp/release"
mkdir -p "$release" "$tmp/stage"
cp "$bin" "$tmp/stage/plangate"
archive="plangate-$target-v$version.tar.gz"
tar -czf "$release/$archive" -C "$tmp/stage" plangate
(cd "$release" && sha256sum "$archive" >SHA256SUMS)

run_install() { # DIR [ENV...]: runs the installer into DIR, output in $tmp/out
  local dir=$1; shift
  env -u GITHUB_PATH -u GITHUB_OUTPUT PLANGATE_RELEASE_URL="file://$release" PLANGATE_TARGET="$target" \
    PLANGATE_FALLBACK=none INSTALL_DIR="$dir" "$@" bash action/install.sh >"$tmp/out" 2>&1
}

# 1. A good release installs, and the binary runs.
if run_install "$tmp/good" GITHUB_OUTPUT="$tmp/gh_output" && [ "$("$tmp/good/plangate" --version)" = "plangate $version" ]; then
  grep -qx "source=release" "$tmp/gh_output" && pass "verified release installed" || flunk "no source=release output"
else
  flunk "good release not installed: $(cat "$tmp/out")"
fi

# 2. A `v` prefix in the version is accepted.
run_install "$tmp/vprefix" PLANGATE_VERSION="v$version" && pass "v-prefixed version" || flunk "v-prefixed version: $(cat "$tmp/out")"

# 3. An archive that does not match SHA256SUMS is refused, and nothing is installed.
cp "$release/$archive" "$tmp/archive.orig"
printf 'x' >>"$release/$archive"
if run_install "$tmp/tampered"; then
  flunk "tampered archive was installed"
else
  grep -q "checksum mismatch for $archive" "$tmp/out" && pass "tampered archive refused" || flunk "wrong message: $(cat "$tmp/out")"
  [ ! -e "$tmp/tampered/plangate" ] && pass "nothing installed after a mismatch" || flunk "binary left behind after a mismatch"
fi
cp "$tmp/archive.orig" "$release/$archive"

# 4. A wrong checksum line is refused too (never falls back to building).
cp "$release/SHA256SUMS" "$tmp/sums.orig"
sed -i "s/^[0-9a-f]\{64\}/$(printf '0%.0s' $(seq 64))/" "$release/SHA256SUMS"
if run_install "$tmp/badsum" PLANGATE_FALLBACK=build; then
  flunk "archive with a wrong SHA256SUMS line was installed"
else
  grep -q "checksum mismatch" "$tmp/out" && pass "wrong SHA256SUMS line refused" || flunk "wrong message: $(cat "$tmp/out")"
fi
cp "$tmp/sums.orig" "$release/SHA256SUMS"

# 5. No archive for this target: a clear error when building from source is off.
if run_install "$tmp/other" PLANGATE_TARGET=riscv64gc-unknown-linux-musl; then
  flunk "installed without an archive for the target"
else
  grep -q "has no plangate-riscv64gc-unknown-linux-musl-v$version.tar.gz" "$tmp/out" && pass "missing target reported" ||
    flunk "wrong message: $(cat "$tmp/out")"
fi

# 6. No release at all (no SHA256SUMS).
if run_install "$tmp/none" PLANGATE_RELEASE_URL="file://$tmp/nowhere"; then
  flunk "installed from a missing release"
else
  grep -q "no release v$version" "$tmp/out" && pass "missing release reported" || flunk "wrong message: $(cat "$tmp/out")"
fi

# 7. An archive for another version than the binary inside it is refused.
other="plangate-$target-v9.9.9.tar.gz"
cp "$release/$archive" "$release/$other"
(cd "$release" && sha256sum "$other" >>SHA256SUMS)
if run_install "$tmp/wrongver" PLANGATE_VERSION=9.9.9; then
  flunk "a binary reporting another version was accepted"
else
  grep -q "expected \`plangate 9.9.9\`" "$tmp/out" && pass "version mismatch refused" || flunk "wrong message: $(cat "$tmp/out")"
  [ ! -e "$tmp/wrongver/plangate" ] && pass "nothing installed after a version mismatch" || flunk "wrong version left installed"
fi

# 8. No archive for the target and building allowed: `cargo install` of the
# source beside the script (a stand-in cargo on PATH copies the real binary,
# so the test checks the fallback's arguments and wiring, not a compile).
mkdir -p "$tmp/fakecargo"
cat >"$tmp/fakecargo/cargo" <<FAKE
#!/usr/bin/env bash
echo "\$@" >"$tmp/cargo-args"
root=\$(echo "\$@" | sed -n 's/.*--root \\([^ ]*\\).*/\\1/p')
mkdir -p "\$root/bin" && cp "$bin" "\$root/bin/plangate"
FAKE
chmod +x "$tmp/fakecargo/cargo"
if run_install "$tmp/built" PATH="$tmp/fakecargo:$PATH" PLANGATE_FALLBACK=build PLANGATE_TARGET=riscv64gc-unknown-linux-musl &&
  [ -x "$tmp/built/plangate" ]; then
  grep -q -- "install --locked --quiet --path $PWD --root" "$tmp/cargo-args" && pass "falls back to cargo install --path" ||
    flunk "unexpected cargo arguments: $(cat "$tmp/cargo-args")"
else
  flunk "fallback build did not install: $(cat "$tmp/out")"
fi

if [ "$failures" -gt 0 ]; then
  echo "install script: $failures check(s) failed"
  exit 1
fi
echo "install script: all checks passed"
