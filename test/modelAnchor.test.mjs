// Quote anchoring, the findings budget and the level rules for model findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './support/engine.mjs';

const { anchorQuote, findQuote, positionAt, applyBudget, levelForModelFinding, isCorroborated } = await import(out('engine/model/anchor.js'));
const { redactSecrets, redactedSlice } = await import(out('engine/model/redact.js'));

const doc = [
  'def mean(items):',
  '    total = 0',
  '    for x in items:',
  '        total += x',
  '    return total / len(items)',
  '',
  'def median(items):',
  '    s = sorted(items)',
  '    return total / len(items)',
  '',
].join('\n');
const unitOf = (name) => {
  const start = doc.indexOf(`def ${name}`);
  const next = doc.indexOf('\ndef ', start + 1);
  return { documentText: doc, unitStart: start, unitEnd: next < 0 ? doc.length : next };
};
const r = (sl, sc, el, ec) => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

test('exact quote → its range in the document', () => {
  const a = anchorQuote('return total / len(items)', unitOf('mean'));
  assert.deepEqual(a.range, r(4, 4, 4, 29));
  assert.equal(a.match, 'exact');
  assert.equal(a.inUnit, true);
  assert.equal(doc.slice(a.start, a.end), 'return total / len(items)');
});

test('the occurrence inside the unit wins; elsewhere → nearest, flagged as not in the unit', () => {
  assert.deepEqual(anchorQuote('return total / len(items)', unitOf('median')).range, r(8, 4, 8, 29));
  const outside = anchorQuote('total += x', unitOf('median'));
  assert.equal(outside.inUnit, false);
  assert.deepEqual(outside.range, r(3, 8, 3, 18));
});

test('whitespace-insensitive: different spacing and re-indented multi-line quotes map back to the original span', () => {
  const a = anchorQuote('return total/len(items)', unitOf('mean'));
  assert.equal(a.match, 'whitespace');
  assert.deepEqual(a.range, r(4, 4, 4, 29));
  const multi = anchorQuote('for x in items:\n    total += x\nreturn   total / len(items)', unitOf('mean'));
  assert.deepEqual(multi.range, r(2, 4, 4, 29));
  assert.equal(doc.slice(multi.start, multi.end), 'for x in items:\n        total += x\n    return total / len(items)');
});

test('multi-line exact quotes, Markdown decoration and elided quotes', () => {
  assert.deepEqual(anchorQuote('    for x in items:\n        total += x', unitOf('mean')).range, r(2, 0, 3, 18));
  assert.deepEqual(anchorQuote('`total += x`', unitOf('mean')).range, r(3, 8, 3, 18));
  assert.deepEqual(anchorQuote('```python\ntotal += x\n```', unitOf('mean')).range, r(3, 8, 3, 18));
  const e = anchorQuote('total = 0 ... return total / len(items)', unitOf('mean'));
  assert.equal(e.match, 'elided');
  assert.deepEqual(e.range, r(1, 4, 4, 29));
});

test('quotes copied with a line-number gutter or a trailing ellipsis still land on the code', () => {
  for (const q of ['5: return total / len(items)', '5 | return total / len(items)', 'L5:     return total / len(items)', '  5\treturn total / len(items)']) {
    assert.deepEqual(anchorQuote(q, unitOf('mean'))?.range, r(4, 4, 4, 29), q);
  }
  const multi = anchorQuote('3:     for x in items:\n4:         total += x', unitOf('mean'));
  assert.deepEqual(multi.range, r(2, 4, 3, 18));
  assert.deepEqual(anchorQuote('for x in items: ...', unitOf('mean'))?.range, r(2, 4, 2, 19));
  assert.deepEqual(anchorQuote('... total += x', unitOf('mean'))?.range, r(3, 8, 3, 18));
  assert.equal(anchorQuote('7: if self.cache is None:', unitOf('mean')), null, 'a numbered hallucination is still one');
});

test('hallucinated or too-short quotes → null', () => {
  assert.equal(anchorQuote('if self.cache is not None:', unitOf('mean')), null);
  assert.equal(anchorQuote('x', unitOf('mean')), null);
  assert.equal(anchorQuote(' ) ', unitOf('mean')), null);
  assert.equal(anchorQuote('', unitOf('mean')), null);
  assert.equal(findQuote('median', doc, 0, 10), null, 'the search stays inside the given span');
});

test('offsets are UTF-16 characters on lines with non-ASCII text, CRLF and CR line ends', () => {
  const text = 'def greet(name):\n    s = "héllo 😀 wörld"; return s + name[::-1]\n';
  const line = text.split('\n')[1];
  const a = anchorQuote('return s + name[::-1]', { documentText: text, unitStart: 0, unitEnd: text.length });
  assert.deepEqual(a.range, r(1, line.indexOf('return'), 1, line.indexOf('return') + 'return s + name[::-1]'.length));
  assert.equal(a.range.start.character, 26, 'the emoji counts as two UTF-16 units');

  const crlf = 'a = 1\r\nb = "ü"\r\nreturn b\r\n';
  assert.deepEqual(anchorQuote('return b', { documentText: crlf, unitStart: 0, unitEnd: crlf.length }).range, r(2, 0, 2, 8));
  assert.deepEqual(positionAt('a\rb\r\nc', 5), { line: 2, character: 0 });
});

test('redacted units: quotes containing placeholders anchor on the original secret span', () => {
  const text = 'def client():\n    key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"\n    return OpenAI(api_key=key, timeout=0)\n';
  const redaction = redactSecrets(text);
  const unitStart = 0;
  const unitEnd = text.length;
  assert.ok(redactedSlice(redaction, unitStart, unitEnd).includes('key = "<REDACTED:openai-key>"'));
  const a = anchorQuote('key = "<REDACTED:openai-key>"', { documentText: text, unitStart, unitEnd, redaction });
  assert.equal(text.slice(a.start, a.end), 'key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"');
  assert.deepEqual(a.range, r(1, 4, 1, 50));
  // After the secret, offsets shift back by the length difference.
  const b = anchorQuote('timeout=0', { documentText: text, unitStart, unitEnd, redaction });
  assert.equal(text.slice(b.start, b.end), 'timeout=0');
  // Part of a placeholder widens to the whole secret.
  const c = anchorQuote('"<REDACTED:openai', { documentText: text, unitStart, unitEnd, redaction });
  assert.equal(text.slice(c.start, c.end), '"sk-proj-abcdefghijklmnopqrstuvwxyz0123');
});

test('budget: confidence floor, then top N per unit by confidence and severity', () => {
  const f = (unit, confidence, severity, id) => ({ unit, confidence, severity, id });
  const kept = applyBudget(
    [f('a', 0.4, 'error', 1), f('a', 0.9, 'note', 2), f('a', 0.9, 'error', 3), f('a', 0.7, 'warning', 4), f('a', 0.6, 'error', 5), f('b', 0.55, 'warning', 6), f('b', NaN, 'error', 7)],
    { maxPerUnit: 2, minConfidence: 0.5 },
  );
  assert.deepEqual(kept.map((x) => x.id), [3, 2, 6]);
  assert.deepEqual(applyBudget([f(undefined, 0.8, 'note', 1)], { maxPerUnit: 0, minConfidence: 0 }), []);
  // Findings with `level` (already built) are ranked the same way.
  assert.deepEqual(applyBudget([{ confidence: 0.8, level: 'note', id: 1 }, { confidence: 0.8, level: 'error', id: 2 }], { maxPerUnit: 1, minConfidence: 0.5 }).map((x) => x.id), [2]);
});

test('levels: model-only findings are at most warnings unless corroborated', () => {
  assert.equal(levelForModelFinding('error', false), 'warning');
  assert.equal(levelForModelFinding('error', true), 'error');
  assert.equal(levelForModelFinding('warning', true), 'warning');
  assert.equal(levelForModelFinding('note', false), 'note');
  const target = { file: '/p/a.py', range: r(4, 4, 4, 29) };
  assert.equal(isCorroborated(target, [{ file: '/p/a.py', tier: 'tool', range: r(4, 10, 4, 12) }]), true);
  assert.equal(isCorroborated(target, [{ file: '/p/a.py', tier: 'executed', range: r(3, 0, 5, 0) }]), true);
  assert.equal(isCorroborated(target, [{ file: '/p/a.py', tier: 'model', range: r(4, 4, 4, 29) }]), false);
  assert.equal(isCorroborated(target, [{ file: '/p/b.py', tier: 'tool', range: r(4, 4, 4, 29) }]), false);
  assert.equal(isCorroborated(target, [{ file: '/p/a.py', tier: 'tool', range: r(6, 0, 6, 3) }]), false);
});
