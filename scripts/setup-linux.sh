#!/bin/sh
# Installs what Critic's sandbox needs on Linux: bubblewrap (isolation) and prlimit (CPU and file
# size limits, from util-linux). Idempotent: installs only what is missing, runs `apt-get update`
# only when apt does not know the package yet, uses sudo when not root. On distributions without
# apt it prints what to install. Finally it checks that bubblewrap can actually create a sandbox,
# which fails when the kernel or AppArmor forbids unprivileged user namespaces.
#
#   npm run setup:linux        (or: sh scripts/setup-linux.sh)
set -eu

say() { printf 'critic setup: %s\n' "$*"; }

if [ "$(uname -s)" != "Linux" ]; then
  say "the bubblewrap sandbox is Linux-only; on $(uname -s) Critic runs code only with --allow-unsandboxed (resource limits, no isolation)."
  exit 0
fi

missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v prlimit >/dev/null 2>&1 || missing="$missing util-linux"
missing="${missing# }"

if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    say "need root to install: $missing (no sudo found); run this script as root."
    exit 1
  fi

  if command -v apt-get >/dev/null 2>&1; then
    # A fresh image often has empty package lists: update only then.
    needs_update=""
    for pkg in $missing; do
      candidate=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
      if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then needs_update=1; fi
    done
    if [ -n "$needs_update" ]; then
      say "updating apt package lists"
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    fi
    say "installing $missing"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  else
    say "missing: $missing. Install it with your package manager, e.g.:"
    say "  Fedora/RHEL: sudo dnf install bubblewrap util-linux"
    say "  Arch:        sudo pacman -S bubblewrap util-linux"
    say "  openSUSE:    sudo zypper install bubblewrap util-linux"
    say "  Alpine:      sudo apk add bubblewrap util-linux"
    exit 1
  fi
fi

# The same kind of sandbox Critic builds, reduced to running `true`.
set -- --unshare-all --die-with-parent --new-session --cap-drop ALL --ro-bind /usr /usr
for d in /bin /sbin /lib /lib64; do
  if [ -L "$d" ]; then set -- "$@" --symlink "$(readlink "$d")" "$d"
  elif [ -d "$d" ]; then set -- "$@" --ro-bind "$d" "$d"; fi
done
if err=$(bwrap "$@" --proc /proc --dev /dev --tmpfs /tmp -- true 2>&1); then
  say "ok: $(bwrap --version) can create sandboxes here."
else
  say "bubblewrap is installed but cannot create a sandbox: $err"
  say "user namespaces may be disabled: try 'sudo sysctl -w kernel.unprivileged_userns_clone=1' (Debian/older kernels)"
  say "or, on Ubuntu 24.04+, 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' (or an AppArmor profile for bwrap)."
  exit 1
fi
