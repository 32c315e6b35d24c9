#!/usr/bin/env bash
# Installs a released plangate binary for this machine, verified against the
# release's SHA256SUMS; builds from source only when the release has no
# archive for this platform (never when a checksum is wrong).
#
# Used by action.yml; runs anywhere with bash, curl and tar (unzip, 7z or
# PowerShell for the Windows .zip). Environment:
#   PLANGATE_VERSION      version to install, `0.1.0` or `v0.1.0`
#                         (default: the version in the Cargo.toml beside this script)
#   PLANGATE_RELEASE_URL  where the archives and SHA256SUMS are: https://... or file://...
#                         (default: $GITHUB_SERVER_URL/<action repository>/releases/download/v<version>)
#   PLANGATE_TARGET       Rust target triple (default: detected from the OS and CPU)
#   PLANGATE_FALLBACK     `build` (default): `cargo install` from the source beside this
#                         script when no archive matches; `none`: fail instead
#   INSTALL_DIR           where the binary goes (default: $RUNNER_TEMP/plangate-bin or ~/.local/bin)
# On GitHub Actions the directory is appended to $GITHUB_PATH.
# Exit status: 0 installed; 1 refused or failed (with one message saying why).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(dirname "$here")

fail() { echo "plangate install: error: $*" >&2; exit 1; }
note() { echo "plangate install: $*" >&2; }

version=${PLANGATE_VERSION:-}
if [ -z "$version" ]; then
  [ -f "$source_dir/Cargo.toml" ] || fail "no PLANGATE_VERSION given and no Cargo.toml at $source_dir to read it from"
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$source_dir/Cargo.toml" | head -n 1)
  [ -n "$version" ] || fail "cannot read the package version from $source_dir/Cargo.toml; set PLANGATE_VERSION"
fi
version=${version#v}
case "$version" in
  *[!0-9A-Za-z.+-]* | "") fail "\`$version\` is not a version; write it like 0.1.0" ;;
esac

detect_target() {
  local os arch
  os=${RUNNER_OS:-$(uname -s)}
  arch=${RUNNER_ARCH:-$(uname -m)}
  case "$arch" in
    X64 | x86_64 | amd64 | AMD64) arch=x86_64 ;;
    ARM64 | aarch64 | arm64) arch=aarch64 ;;
    *) echo ""; return ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    macOS | Darwin) echo "$arch-apple-darwin" ;;
    Windows | MINGW* | MSYS* | CYGWIN*) echo "$arch-pc-windows-msvc" ;;
    *) echo "" ;;
  esac
}
target=${PLANGATE_TARGET:-$(detect_target)}

case "$target" in
  *-windows-*) ext=zip; exe=plangate.exe ;;
  *) ext=tar.gz; exe=plangate ;;
esac
archive="plangate-$target-v$version.$ext"

repo=${GITHUB_ACTION_REPOSITORY:-${GITHUB_REPOSITORY:-}}
base=${PLANGATE_RELEASE_URL:-}
if [ -z "$base" ] && [ -n "$repo" ]; then
  base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/v$version"
fi
base=${base%/}

install_dir=${INSTALL_DIR:-}
if [ -z "$install_dir" ]; then
  if [ -n "${RUNNER_TEMP:-}" ]; then install_dir="$RUNNER_TEMP/plangate-bin"; else install_dir="$HOME/.local/bin"; fi
fi
mkdir -p "$install_dir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # URL FILE: 0 fetched, 1 not there (or unreachable after retries)
  curl --proto '=https,file' --tlsv1.2 --fail --silent --show-error --location \
    --retry 3 --retry-delay 2 --output "$2" "$1" 2>"$work/curl.err"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d ' ' -f 1
  else fail "neither sha256sum nor shasum is installed: cannot verify the download"
  fi
}

extract() { # ARCHIVE DIR
  case "$1" in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then unzip -q "$1" -d "$2"
      elif command -v 7z >/dev/null 2>&1; then 7z x -y -o"$2" "$1" >/dev/null
      elif command -v pwsh >/dev/null 2>&1; then pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$1' -DestinationPath '$2'"
      else fail "no unzip, 7z or pwsh to unpack $archive"
      fi ;;
    *) tar -xzf "$1" -C "$2" ;;
  esac
}

build_from_source() { # REASON
  if [ "${PLANGATE_FALLBACK:-build}" = none ]; then
    fail "$1, and PLANGATE_FALLBACK=none forbids building from source"
  fi
  [ -f "$source_dir/Cargo.toml" ] || fail "$1, and there is no source at $source_dir to build from"
  command -v cargo >/dev/null 2>&1 || fail "$1, and cargo is not installed to build from source (install Rust, or use a released version)"
  note "$1; building plangate $version from source with cargo (this takes a few minutes)"
  cargo install --locked --quiet --path "$source_dir" --root "$work/root"
  place "$work/root/bin/$exe"
}

place() { # BINARY: checks that it runs and is the version asked for, then installs it
  local got
  chmod +x "$1"
  got=$("$1" --version 2>&1) || fail "the plangate binary does not run here: $got"
  [ "$got" = "plangate $version" ] || fail "the binary says \`$got\`, expected \`plangate $version\`; not installed"
  cp "$1" "$install_dir/$exe"
}

installed=""
if [ -z "$target" ]; then
  build_from_source "no release build for $(uname -s) $(uname -m)"
  installed=source
elif [ -z "$base" ]; then
  build_from_source "no release location (set PLANGATE_RELEASE_URL, or run inside GitHub Actions)"
  installed=source
elif ! fetch "$base/SHA256SUMS" "$work/SHA256SUMS"; then
  build_from_source "no release v$version at $base ($(tr -d '\r' <"$work/curl.err" | head -n 1))"
  installed=source
else
  # A SHA256SUMS line is `<64 hex>  <name>` (or `*<name>`, binary mode).
  expected=$(awk -v f="$archive" '($2 == f || $2 == "*" f) && $1 ~ /^[0-9a-fA-F]+$/ && length($1) == 64 { print tolower($1); exit }' "$work/SHA256SUMS" | tr -d '\r')
  if [ -z "$expected" ]; then
    build_from_source "release v$version has no $archive (no build for $target)"
    installed=source
  else
    fetch "$base/$archive" "$work/$archive" ||
      fail "SHA256SUMS lists $archive but it cannot be downloaded from $base: $(head -n 1 "$work/curl.err")"
    actual=$(sha256_of "$work/$archive")
    if [ "$actual" != "$expected" ]; then
      fail "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install it"
    fi
    mkdir "$work/x"
    extract "$work/$archive" "$work/x"
    [ -f "$work/x/$exe" ] || fail "$archive has no $exe at its top level"
    place "$work/x/$exe"
    installed=release
  fi
fi

if [ -n "${GITHUB_PATH:-}" ]; then echo "$install_dir" >>"$GITHUB_PATH"; fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "path=$install_dir/$exe"; echo "version=$version"; echo "source=$installed"; } >>"$GITHUB_OUTPUT"
fi
note "installed plangate $version ($installed${target:+, $target}) at $install_dir/$exe"
