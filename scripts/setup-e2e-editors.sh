#!/bin/sh
# Installs the editors the language-server end-to-end tests drive, from Debian's own packages (no
# download outside apt): neovim (0.7+ has the built-in LSP client test/e2e/neovim.e2e.mjs uses
# headless) and emacs-nox with elpa-eglot (test/e2e/emacs.e2e.mjs runs eglot in batch mode).
# Idempotent; apt-get update runs only when apt does not know a package yet; sudo when not root.
#
#   npm run setup:editors        (or: sh scripts/setup-e2e-editors.sh)
set -eu

say() { printf 'critic setup: %s\n' "$*"; }

has_eglot() {
  command -v emacs >/dev/null 2>&1 &&
    [ "$(emacs --batch -q --eval "(progn (unless (require 'eglot nil t) (package-activate-all) (require 'eglot)) (princ \"ok\"))" 2>/dev/null)" = ok ]
}

missing=""
command -v nvim >/dev/null 2>&1 || missing="$missing neovim"
if ! has_eglot; then
  command -v emacs >/dev/null 2>&1 || missing="$missing emacs-nox"
  missing="$missing elpa-eglot"
fi
if [ -z "$missing" ]; then
  say "ok: $(nvim --version | head -n 1); $(emacs --version | head -n 1) with eglot"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "missing:$missing — install Neovim 0.7 or newer, and Emacs 28 or newer with eglot, with your package manager"
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  say "need root to install$missing (no sudo found); run this script as root."
  exit 1
fi
for pkg in $missing; do
  candidate=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    say "updating apt package lists"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    break
  fi
done
say "installing$missing"
log="${TMPDIR:-/tmp}/critic-setup-editors.log"
# shellcheck disable=SC2086 # $missing is a list of package names
if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
  cat "$log"
  say "installing$missing failed (log above)"
  exit 1
fi
if ! has_eglot; then
  say "Emacs was installed but cannot load eglot (log: $log)"
  exit 1
fi
say "ok: $(nvim --version | head -n 1); $(emacs --version | head -n 1) with eglot"
