// The client's one findings store: what each view reads, what earlier checks found per content
// hash (undo, reload), and the persisted form (bounded, validated when read back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { FindingsStore, contentHash } = await loadPure('src/vscode/findingsStore.ts');
const r = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const finding = (line, rule, extra = {}) => ({
  rule, level: 'error', message: `${rule} here`, file: '/p/a.py', range: r(line, 4, line, 9), unit: 'f', tier: 'tool', confidence: 1, source: 'ruff', fingerprint: `${rule}@f`, related: [], ...extra,
});
const unit = { name: 'f', kind: 'function', range: r(0, 0, 3, 0), nameRange: r(0, 4, 0, 5), startIndex: 0, endIndex: 30 };

test('contentHash is the sha256 of the text', () => {
  assert.equal(contentHash(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.notEqual(contentHash('a - b'), contentHash('a + b'));
});

test('shown findings carry their content hash and version; views are told which document changed', () => {
  const store = new FindingsStore();
  const changed = [];
  const sub = store.onDidChange((uri) => changed.push(uri));
  store.set('file:///p/a.py', [finding(1, 'F821'), finding(2, 'E1')], { hash: contentHash('x'), version: 3 });
  assert.equal(store.get('file:///p/a.py').version, 3);
  assert.equal(store.get('file:///p/a.py').hash, contentHash('x'));
  assert.deepEqual(store.at('file:///p/a.py', { line: 2, character: 5 }).map((f) => f.rule), ['E1']);
  assert.deepEqual(store.at('file:///p/a.py', { line: 2, character: 10 }), []);
  assert.equal(store.byFingerprint('file:///p/a.py', 'F821@f').rule, 'F821');
  store.set('file:///p/a.py', []);
  assert.equal(store.get('file:///p/a.py'), undefined);
  assert.deepEqual(store.all(), []);
  sub.dispose();
  store.set('file:///p/b.py', [finding(0, 'X')]);
  assert.deepEqual(changed, ['file:///p/a.py', 'file:///p/a.py']);
});

test('an earlier check is recalled by exact content hash only, without the client marks', () => {
  const store = new FindingsStore();
  const buggy = contentHash('return a - b');
  store.remember({ uri: 'file:///p/a.py', hash: buggy, findings: [finding(1, 'doctest-failed', { restored: true })], units: [unit] });
  assert.equal(store.recall('file:///p/a.py', contentHash('return a + b')), undefined);
  assert.equal(store.recall('file:///p/b.py', buggy), undefined, 'another document with the same text is another entry');
  const back = store.recall('file:///p/a.py', buggy);
  assert.deepEqual(back.findings.map((f) => f.rule), ['doctest-failed']);
  assert.equal(back.findings[0].restored, undefined);
  assert.equal(store.remembers('file:///p/a.py'), true);
  assert.equal(store.remembers('file:///p/c.py'), false);
});

test('the history is bounded: the least recently used content goes first', () => {
  const store = new FindingsStore({ maxEntries: 2, maxBytes: 1_000_000 });
  const h = (n) => contentHash(String(n));
  store.remember({ uri: 'u', hash: h(1), findings: [finding(1, 'A')], units: [] });
  store.remember({ uri: 'u', hash: h(2), findings: [finding(1, 'B')], units: [] });
  store.recall('u', h(1)); // used again: now the most recent
  store.remember({ uri: 'u', hash: h(3), findings: [finding(1, 'C')], units: [] });
  assert.ok(store.recall('u', h(1)));
  assert.equal(store.recall('u', h(2)), undefined);
  assert.ok(store.recall('u', h(3)));
});

test('persisted: most recent first, within the byte budget, read back into a new store', () => {
  const store = new FindingsStore({ maxEntries: 10, maxBytes: 1_500 });
  for (let i = 0; i < 5; i++) store.remember({ uri: `file:///p/${i}.py`, hash: contentHash(String(i)), findings: [finding(1, `R${i}`)], units: [unit] });
  const saved = JSON.parse(JSON.stringify(store.serialize()));
  assert.ok(JSON.stringify(saved).length <= 1_500);
  assert.ok(saved.entries.length >= 1 && saved.entries.length < 5, `${saved.entries.length} entries fit`);
  assert.equal(saved.entries[0].uri, 'file:///p/4.py');
  const next = new FindingsStore();
  assert.equal(next.load(saved), saved.entries.length);
  assert.deepEqual(next.recall('file:///p/4.py', contentHash('4')).findings.map((f) => f.rule), ['R4']);
  assert.equal(next.recall('file:///p/0.py', contentHash('0')), undefined);
  assert.deepEqual(next.rememberedUris()[0], 'file:///p/4.py');
});

test('a damaged or foreign saved file loads nothing it cannot trust', () => {
  const store = new FindingsStore();
  assert.equal(store.load(null), 0);
  assert.equal(store.load({ format: 2, entries: [] }), 0);
  assert.equal(store.load({ format: 1, entries: 'x' }), 0);
  const good = { uri: 'file:///p/a.py', hash: contentHash('a'), findings: [finding(1, 'A')], units: [unit] };
  const loaded = store.load({
    format: 1,
    entries: [
      good,
      { ...good, hash: 'not-a-hash' },
      { ...good, uri: 'file:///p/b.py', findings: [{ ...finding(1, 'B'), range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } }] },
      { ...good, uri: 'file:///p/c.py', findings: [{ ...finding(1, 'C'), tier: 'oracle' }] },
      { ...good, uri: 'file:///p/d.py', units: [{ name: 3 }] },
    ],
  });
  assert.equal(loaded, 1);
  assert.deepEqual(store.rememberedUris(), ['file:///p/a.py']);
});

test('an edit is checked against the history by length first, so most keystrokes hash nothing', () => {
  const store = new FindingsStore();
  const text = 'def f():\n    return 1\n';
  store.remember({ uri: 'file:///p/a.py', hash: contentHash(text), length: text.length, findings: [finding(1, 'A')], units: [unit] });
  assert.equal(store.remembers('file:///p/a.py', text.length), true, 'an undo back to this text has its length');
  assert.equal(store.remembers('file:///p/a.py', text.length + 1), false, 'a text of another length cannot be the remembered one');
  // Saved by an older version, without the length: any length may match (the hash decides).
  const old = new FindingsStore();
  old.load({ format: 1, entries: [{ uri: 'file:///p/a.py', hash: contentHash(text), findings: [finding(1, 'A')], units: [unit] }] });
  assert.equal(old.remembers('file:///p/a.py', 5), true);
  // The length survives a reload, and a damaged one is not trusted.
  const next = new FindingsStore();
  assert.equal(next.load(JSON.parse(JSON.stringify(store.serialize()))), 1);
  assert.equal(next.remembers('file:///p/a.py', text.length + 1), false);
  assert.equal(new FindingsStore().load({ format: 1, entries: [{ ...store.serialize().entries[0], length: -3 }] }), 0);
});
