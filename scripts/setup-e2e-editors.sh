#!/bin/sh
# Installs the editors the language-server end-to-end tests drive: Debian's neovim (0.7+ has the
# built-in LSP client used headless by test/e2e/neovim.e2e.mjs). Idempotent; apt-get update runs
# only when apt does not know the package yet; sudo when not root.
#
#   npm run setup:editors        (or: sh scripts/setup-e2e-editors.sh)
set -eu

say() { printf 'critic setup: %s\n' "$*"; }

if command -v nvim >/dev/null 2>&1; then
  say "ok: $(nvim --version | head -n 1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "nvim is missing: install Neovim 0.7 or newer with your package manager"
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  say "need root to install neovim (no sudo found); run this script as root."
  exit 1
fi
candidate=$(apt-cache policy neovim 2>/dev/null | sed -n 's/^ *Candidate: *//p')
if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
  say "updating apt package lists"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
say "installing neovim"
log="${TMPDIR:-/tmp}/critic-setup-editors.log"
if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends neovim >"$log" 2>&1; then
  cat "$log"
  say "installing neovim failed (log above)"
  exit 1
fi
say "ok: $(nvim --version | head -n 1)"
