#!/usr/bin/env bash
# Installs what the end-to-end tests need, without downloads other than the npm registry and
# Debian's mirrors: code-server (the real VS Code workbench + extension host, served over HTTP)
# and Debian's chromium (driven by playwright-core).
#
# Idempotent: when everything is present it only checks a marker file and exits at once.
# Install location: $CRITIC_E2E_HOME (default ~/.cache/critic-e2e); test/e2e/codeServer.mjs
# finds code-server through the same variable.
#
# Why the manual steps: code-server's own postinstall runs `npm install` in lib/vscode, whose
# @vscode/ripgrep and prebuild-install steps download binaries from GitHub, which is unreachable
# here. So we install with scripts off, put Debian's rg where @vscode/ripgrep looks, and compile
# the native modules ourselves with node-gyp against the local Node headers.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
E2E_HOME="${CRITIC_E2E_HOME:-${HOME:-/root}/.cache/critic-e2e}"
ROOT="$E2E_HOME/code-server-$CODE_SERVER_VERSION"
PKG="$ROOT/node_modules/code-server"
VSCODE="$PKG/lib/vscode"
MARKER="$ROOT/.installed"
APT_PACKAGES=(chromium fonts-liberation ripgrep libkrb5-dev)

log() { printf '[setup-code-server %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 1; }

marker_ok() { [[ -f "$MARKER" && "$(cat "$MARKER")" == "$CODE_SERVER_VERSION" ]]; }
apt_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

# Fast path: everything already there.
if marker_ok && [[ -x /usr/bin/chromium ]] && command -v rg >/dev/null; then
  log "code-server $CODE_SERVER_VERSION and chromium already installed ($ROOT)"
  exit 0
fi

command -v node >/dev/null || die "node is not on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" == 20 ]] || log "warning: code-server $CODE_SERVER_VERSION wants Node 20, this is $(node -v)"

mkdir -p "$E2E_HOME"
# Two runs at once (parallel CI steps, a developer and a test) must not build over each other.
exec 9>"$E2E_HOME/.setup.lock"
flock 9
if marker_ok && [[ -x /usr/bin/chromium ]] && command -v rg >/dev/null; then
  log "installed by a concurrent run"; exit 0
fi

# --- Debian packages (in the background: they overlap with the npm downloads) ---------------
need_apt=()
if marker_ok; then
  read -r -a need_apt <<<"$(apt_missing chromium fonts-liberation ripgrep)"
else
  read -r -a need_apt <<<"$(apt_missing "${APT_PACKAGES[@]}")"
fi
apt_pid=""
apt_log="$E2E_HOME/apt.log"
if ((${#need_apt[@]})); then
  [[ "$(id -u)" == 0 ]] || die "missing Debian packages ${need_apt[*]}: run as root or apt-get install them"
  log "apt-get install ${need_apt[*]} (log: $apt_log)"
  (
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  ) >"$apt_log" 2>&1 </dev/null &
  apt_pid=$!
fi
wait_apt() {
  [[ -n "$apt_pid" ]] || return 0
  if ! wait "$apt_pid"; then tail -n 30 "$apt_log" >&2; die "apt-get install ${need_apt[*]} failed"; fi
  apt_pid=""
  log "Debian packages installed"
}

if marker_ok; then wait_apt; log "done"; exit 0; fi

# --- code-server ------------------------------------------------------------------------------
rm -rf "$ROOT"
mkdir -p "$ROOT"
cd "$ROOT"
printf '{ "name": "critic-e2e-code-server", "private": true }\n' >package.json
npm_quiet=(--ignore-scripts --no-audit --no-fund --loglevel=error)

log "npm install code-server@$CODE_SERVER_VERSION"
npm install --no-save "${npm_quiet[@]}" "code-server@$CODE_SERVER_VERSION" >/dev/null
log "npm install lib/vscode (production)"
(cd "$VSCODE" && npm install --omit=dev "${npm_quiet[@]}" >/dev/null)
log "npm install lib/vscode/extensions (production)"
(cd "$VSCODE/extensions" && npm install --omit=dev "${npm_quiet[@]}" >/dev/null && node ./postinstall.mjs >/dev/null)

# What code-server's postinstall.sh does besides npm install.
ln -sfn node_modules "$VSCODE/node_modules.asar"
ln -sfn code-linux.sh "$VSCODE/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$VSCODE/bin/helpers/browser.sh"

# Native modules of lib/vscode that matter on Linux (@parcel/watcher ships a prebuilt binary;
# @vscode/windows-* are Windows-only). npm's bundled node-gyp, against the Node headers npm is configured with (nodedir); called
# directly so that no package's install script runs (node-pty's postinstall fetches node-gyp with
# npx, kerberos's tries GitHub first).
npm_cli="$(readlink -f "$(command -v npm)")"
node_gyp="$(dirname "$npm_cli")/../node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$node_gyp" ]] || die "npm's node-gyp not found next to $npm_cli"
gyp_args=(rebuild --jobs=max --loglevel=error)
nodedir="$(npm config get nodedir 2>/dev/null || true)"
if [[ -n "$nodedir" && "$nodedir" != undefined && "$nodedir" != null ]]; then gyp_args+=("--nodedir=$nodedir"); fi

build_native() {
  local m="$1" logf="$ROOT/gyp-${1//\//_}.log"
  log "node-gyp rebuild $m"
  if ! (cd "$VSCODE/node_modules/$m" && node "$node_gyp" "${gyp_args[@]}" >"$logf" 2>&1); then
    tail -n 30 "$logf" >&2; log "error: building $m failed"; return 1
  fi
}
# argon2 (code-server requires it at start even with --auth none); node-pre-gyp places the binary.
build_argon2() {
  log "npm rebuild argon2 (from source)"
  if ! JOBS=max npm_config_build_from_source=true npm rebuild argon2 --ignore-scripts=false --loglevel=error \
      >"$ROOT/gyp-argon2.log" 2>&1; then
    tail -n 30 "$ROOT/gyp-argon2.log" >&2; log "error: building argon2 failed"; return 1
  fi
}

# Two build lanes: spdlog is one long compile that keeps only one core busy, so the others
# build beside it. Lane A needs no Debian package, so it also overlaps the apt install.
(build_native @vscode/spdlog && build_argon2) &
lane_a=$!
trap '[[ -n "${lane_a:-}" ]] && kill "$lane_a" 2>/dev/null; [[ -n "$apt_pid" ]] && kill "$apt_pid" 2>/dev/null; true' EXIT

wait_apt   # rg and the kerberos headers are needed from here on
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"

for m in native-watchdog node-pty kerberos @vscode/deviceid; do build_native "$m" || exit 1; done
wait "$lane_a" || die "native build lane (spdlog, argon2) failed"
lane_a=""

# Verify: every native module loads, and code-server answers.
(cd "$VSCODE" && node -e '
  for (const m of ["@vscode/spdlog", "native-watchdog", "node-pty", "kerberos"]) require(m);
') || die "a native module of lib/vscode does not load"
(cd "$ROOT" && node -e 'require("argon2")') || die "argon2 does not load"
node "$PKG/out/node/entry.js" --version >/dev/null || die "code-server --version failed"

echo "$CODE_SERVER_VERSION" >"$MARKER"
log "installed code-server $CODE_SERVER_VERSION in $ROOT ($(du -sh "$ROOT" | cut -f1))"
