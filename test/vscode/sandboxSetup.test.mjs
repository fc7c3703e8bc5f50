// The walkthrough's sandbox step: the exact bubblewrap install command for this distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPure } from './support/pure.mjs';

const { sandboxInstallCommand, parseOsRelease, findOnPath } = await loadPure('src/vscode/sandboxSetup.ts');

test('the install command follows /etc/os-release: ID first, then ID_LIKE', () => {
  const cmd = (text) => sandboxInstallCommand(text)?.command;
  assert.equal(cmd('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'), 'sudo apt-get install bubblewrap');
  assert.equal(cmd('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'), 'sudo apt-get install bubblewrap');
  assert.equal(cmd('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'), 'sudo apt-get install bubblewrap');
  assert.equal(cmd('NAME="Fedora Linux"\nID=fedora\n'), 'sudo dnf install bubblewrap');
  assert.equal(cmd('ID="rocky"\nID_LIKE="rhel centos fedora"\n'), 'sudo dnf install bubblewrap');
  assert.equal(cmd('NAME="Arch Linux"\nID=arch\n'), 'sudo pacman -S bubblewrap');
  assert.equal(cmd('ID=manjaro\nID_LIKE=arch\n'), 'sudo pacman -S bubblewrap');
  assert.equal(cmd('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n'), 'sudo zypper install bubblewrap');
  assert.equal(cmd('ID=somethingelse\n'), undefined);
  assert.equal(cmd(''), undefined);
  assert.equal(sandboxInstallCommand('ID=fedora\n').distro, 'Fedora / RHEL');
  assert.deepEqual(parseOsRelease("ID='debian'\n# comment\nBROKEN\n"), { ID: 'debian' });
});

test('bwrap is found on PATH only as an executable file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'critic-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bwrap'), '#!/bin/sh\n');
  assert.equal(findOnPath('bwrap', `/nonexistent:${dir}`), undefined, 'not executable');
  chmodSync(join(dir, 'bwrap'), 0o755);
  assert.equal(findOnPath('bwrap', `/nonexistent:${dir}`), join(dir, 'bwrap'));
  assert.equal(findOnPath('bwrap', '/nonexistent'), undefined);
});
