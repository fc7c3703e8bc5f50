// The probes a CLI process would repeat (interpreter resolution, interpreter identity, what
// bubblewrap can do here) are remembered on disk next to the execution cache: owner-only, used by
// the next process, and ignored when corrupted, foreign or stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { out, tempProject } from './support/engine.mjs';
import { needsSandbox } from './support/sandbox.mjs';
import { critic } from './support/cli.mjs';

const { ProbeCache, fileFingerprint } = await import(out('engine/sandbox/probeCache.js'));

const project = () =>
  tempProject({
    '.critic.json': '{}',
    'calc.py': 'def add(a, b):\n    """\n    >>> add(1, 2)\n    4\n    """\n    return a + b\n',
  });

const entries = (dir) => Object.fromEntries(readdirSync(dir).map((n) => [n.split('-')[0], join(dir, n)]));

test('a second CLI process uses the probes the first one stored, and a corrupted or foreign entry is ignored', needsSandbox, async () => {
  const p = project();
  const cache = mkdtempSync(join(tmpdir(), 'critic-probe-cache-'));
  try {
    const run = () => critic(['check', 'calc.py', '--format', 'json', '--trust-project'], { cwd: p.root, env: { CRITIC_CACHE_DIR: cache } });
    const first = run();
    assert.equal(first.code, 1, first.stderr);
    const dir = join(cache, 'probes');
    const found = entries(dir);
    assert.deepEqual(Object.keys(found).sort(), ['bwrap', 'identity', 'interpreter']);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of Object.values(found)) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    const before = Object.fromEntries(Object.entries(found).map(([k, f]) => [k, statSync(f).ino]));

    // Used: an entry that was not would be probed again and written anew (a new file, a new inode).
    const second = run();
    assert.equal(second.code, 1, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout).findings, JSON.parse(first.stdout).findings);
    for (const [k, f] of Object.entries(entries(dir))) assert.equal(statSync(f).ino, before[k], `${k} was probed again`);

    // Corrupted and foreign (readable by others) entries are ignored: probed again, rewritten, same answer.
    writeFileSync(found.identity, '{"version":1,"key":"x","files":[],"value":{"id":');
    chmodSync(found.interpreter, 0o644);
    const third = run();
    assert.equal(third.code, 1, third.stderr);
    assert.deepEqual(JSON.parse(third.stdout).findings, JSON.parse(first.stdout).findings);
    const after = entries(dir);
    assert.doesNotThrow(() => JSON.parse(readFileSync(after.identity, 'utf8')));
    assert.notEqual(statSync(after.interpreter).ino, before.interpreter);
    assert.equal(statSync(after.interpreter).mode & 0o777, 0o600);
    assert.equal(statSync(after.bwrap).ino, before.bwrap);
  } finally {
    p.cleanup();
    rmSync(cache, { recursive: true, force: true });
  }
});

test('an entry is used only while the files it depends on are unchanged, and only when well-formed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'critic-probe-unit-'));
  try {
    const dep = join(dir, 'python3');
    writeFileSync(dep, 'v1');
    const probes = new ProbeCache({ dir: join(dir, 'probes'), salt: 'build-1' });
    const isName = (v) => (typeof v?.name === 'string' ? { name: v.name } : undefined);
    await probes.set('interpreter', ['a'], { name: 'one' }, [dep, join(dir, 'absent')]);
    assert.deepEqual(await probes.get('interpreter', ['a'], isName), { name: 'one' });
    assert.equal(await probes.get('interpreter', ['b'], isName), undefined, 'other key parts');
    assert.equal(await new ProbeCache({ dir: join(dir, 'probes'), salt: 'build-2' }).get('interpreter', ['a'], isName), undefined, 'another build');
    assert.equal(await probes.get('interpreter', ['a'], () => undefined), undefined, 'a value of the wrong shape');
    writeFileSync(join(dir, 'absent'), '');
    assert.equal(await probes.get('interpreter', ['a'], isName), undefined, 'a file it depends on appeared');
    rmSync(join(dir, 'absent'));
    assert.deepEqual(await probes.get('interpreter', ['a'], isName), { name: 'one' });
    const was = fileFingerprint(dep);
    writeFileSync(dep, 'v2 (reinstalled)');
    assert.notEqual(fileFingerprint(dep), was);
    assert.equal(await probes.get('interpreter', ['a'], isName), undefined, 'the interpreter changed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
