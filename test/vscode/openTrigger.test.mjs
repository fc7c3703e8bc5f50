// critic.autoCheck "open": a file is critiqued when it is first shown in an editor, once until it
// is closed, and never when the mode is something else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { OpenTrigger } = await loadPure('src/vscode/openTrigger.ts');
const { resolveServerSettings } = await loadPure('src/lsp/settings.ts');
const { defaultConfig } = await loadPure('src/engine/config.ts');
const { autoCheckModes } = await loadPure('src/engine/configDefinition.ts');

const doc = (key, mode = 'open', supported = true) => ({ key, mode, supported });

test('a supported file shown in an editor is critiqued once; tab switches do not critique it again', () => {
  const runs = [];
  const trigger = new OpenTrigger((key) => runs.push(key));
  trigger.visible([doc('file:///a.py')]);
  trigger.visible([doc('file:///a.py'), doc('file:///b.ts')]);
  trigger.visible([doc('file:///b.ts')]);
  trigger.visible([doc('file:///a.py')]);
  assert.deepEqual(runs, ['file:///a.py', 'file:///b.ts']);
});

test('closing a file makes the next open a new open', () => {
  const runs = [];
  const trigger = new OpenTrigger((key) => runs.push(key));
  trigger.visible([doc('file:///a.py')]);
  trigger.closed('file:///a.py');
  trigger.visible([doc('file:///a.py')]);
  assert.deepEqual(runs, ['file:///a.py', 'file:///a.py']);
});

test('other modes and unsupported documents are never critiqued on open, and turning "open" on later does not sweep open tabs', () => {
  const runs = [];
  const trigger = new OpenTrigger((key) => runs.push(key));
  trigger.visible([doc('file:///a.py', 'insertions'), doc('file:///notes.md', 'open', false), doc('file:///c.py', 'save'), doc('file:///d.py', 'off')]);
  assert.deepEqual(runs, []);
  trigger.visible([doc('file:///a.py', 'open'), doc('file:///e.py', 'open')]);
  assert.deepEqual(runs, ['file:///e.py']);
});

test('"open" is a defined critic.autoCheck value, and autoCheck never reaches the engine configuration', () => {
  assert.ok(autoCheckModes.includes('open'));
  const r = resolveServerSettings({ autoCheck: 'open' }, defaultConfig(), { trusted: true, root: '/p' });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.config, { ...defaultConfig(), model: { ...defaultConfig().model, models: [] } });
});
