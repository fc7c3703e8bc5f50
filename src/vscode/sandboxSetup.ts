/**
 * How to get the sandbox (bubblewrap) on this machine: the exact install command for the Linux
 * distribution named in /etc/os-release, and whether `bwrap` is on PATH. Pure node code (no
 * 'vscode'), unit-tested; the walkthrough's "Set Up the Sandbox" command shows the result.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SandboxInstall {
  /** The distribution as the user knows it, e.g. `Debian / Ubuntu`. */
  distro: string;
  /** The command to run, e.g. `sudo apt-get install bubblewrap`. */
  command: string;
}

/** In a checkout of Critic's repository: installs bubblewrap and checks it (scripts/setup-linux.sh). */
export const checkoutSetupCommand = 'npm run setup:linux';

const families: ReadonlyArray<{ ids: readonly string[]; install: SandboxInstall }> = [
  { ids: ['debian', 'ubuntu', 'linuxmint', 'pop', 'raspbian', 'kali', 'elementary', 'neon'], install: { distro: 'Debian / Ubuntu', command: 'sudo apt-get install bubblewrap' } },
  { ids: ['fedora', 'rhel', 'centos', 'rocky', 'almalinux', 'amzn', 'ol'], install: { distro: 'Fedora / RHEL', command: 'sudo dnf install bubblewrap' } },
  { ids: ['arch', 'manjaro', 'endeavouros', 'garuda'], install: { distro: 'Arch', command: 'sudo pacman -S bubblewrap' } },
  { ids: ['opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sles', 'suse'], install: { distro: 'openSUSE', command: 'sudo zypper install bubblewrap' } },
  { ids: ['alpine'], install: { distro: 'Alpine', command: 'sudo apk add bubblewrap' } },
  { ids: ['gentoo'], install: { distro: 'Gentoo', command: 'sudo emerge sys-apps/bubblewrap' } },
  { ids: ['void'], install: { distro: 'Void', command: 'sudo xbps-install bubblewrap' } },
  { ids: ['nixos'], install: { distro: 'NixOS', command: 'nix-env -iA nixos.bubblewrap' } },
];

/** `KEY=value` lines of an os-release file (values may be quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** The install command for the distribution in `osRelease` (its ID, then its ID_LIKE), or undefined when unknown. */
export function sandboxInstallCommand(osRelease: string): SandboxInstall | undefined {
  const fields = parseOsRelease(osRelease);
  const ids = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].map((s) => s.toLowerCase()).filter(Boolean);
  for (const id of ids) {
    const family = families.find((f) => f.ids.includes(id));
    if (family) return family.install;
  }
  return undefined;
}

/** Where `name` is on PATH as an executable file, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
