// The Source Control commands say why they cannot run: the Git extension disabled, Git turned
// off, git not installed, or no repository — each with what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { gitUnavailableReason } = await loadPure('src/vscode/gitState.ts');
const ok = { extensionFound: true, settingEnabled: true, apiEnabled: true, repositories: 1 };

test('each cause gets its own message, checked in the order they hide each other', () => {
  assert.equal(gitUnavailableReason(ok), undefined);
  assert.match(gitUnavailableReason({ ...ok, extensionFound: false, apiEnabled: false }), /built-in Git extension is disabled.*@builtin git/);
  assert.match(gitUnavailableReason({ ...ok, settingEnabled: false, apiEnabled: false }), /git\.enabled is false/);
  assert.match(gitUnavailableReason({ ...ok, apiEnabled: false }), /Git was not found on this machine: install git/);
  assert.match(gitUnavailableReason({ ...ok, repositories: 0 }), /not a git repository: run "git init"/);
  for (const s of [{ extensionFound: false }, { settingEnabled: false }, { apiEnabled: false }, { repositories: 0 }]) {
    assert.equal(gitUnavailableReason({ ...ok, ...s }).split('\n').length, 1, 'one line');
  }
});
