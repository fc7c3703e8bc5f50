// Hostile code under critique, through the whole CLI: it must end within its limits with a
// finding, leave nothing running, and touch nothing outside its scratch folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticAsync, gitIn } from './support/cli.mjs';
import { tempProject } from './support/engine.mjs';
import { processesMentioning } from './support/processes.mjs';
import { needsSandbox } from './support/sandbox.mjs';

test('critic check on hostile examples: bounded, reported, contained, nothing left running', needsSandbox, async (t) => {
  const marker = `critic-hostile-${process.pid}-${Date.now()}`;
  const canary = join(tmpdir(), `${marker}-canary`);
  writeFileSync(canary, 'untouched');
  t.after(() => rmSync(canary, { force: true }));
  const source = [
    'import os, subprocess, time',
    '',
    '',
    'def spin():',
    '    """Never returns.',
    '',
    '    >>> spin()',
    '    1',
    '    """',
    '    while True:',
    '        pass',
    '',
    '',
    'def flood():',
    '    """Prints megabytes.',
    '',
    '    >>> flood()',
    '    1',
    '    """',
    "    print('x' * (8 * 1024 * 1024))",
    '    return 1',
    '',
    '',
    'def escape():',
    '    """Tries to leave traces outside the sandbox and keep running.',
    '',
    '    >>> escape()',
    '    1',
    '    """',
    `    subprocess.Popen(['sleep', '600', '${marker}'], start_new_session=True)`,
    '    try:',
    `        open(${JSON.stringify(canary)}, 'w').write('overwritten')`,
    '    except OSError:',
    '        pass',
    '    try:',
    "        open(__file__, 'w').write('overwritten')",
    '    except OSError:',
    '        pass',
    "    return os.environ.get('OPENAI_API_KEY', 1)",
    '',
  ].join('\n');
  const p = tempProject({ 'hostile.py': source, '.critic.json': JSON.stringify({ execution: { exampleTimeoutMs: 2000 } }) });
  t.after(p.cleanup);
  const secret = `sk-${marker}-secret`;
  const r = await criticAsync(['check', 'hostile.py', '--format', 'json', '--no-color'], { cwd: p.root, env: { OPENAI_API_KEY: secret, CRITIC_MODEL: '', XDG_CACHE_HOME: join(p.root, '.cache') } });
  const out = JSON.parse(r.stdout);
  const byUnit = Object.fromEntries(out.findings.filter((f) => f.tier === 'executed').map((f) => [f.unit, f]));
  assert.equal(byUnit.spin?.rule, 'exec-timeout', r.stdout);
  assert.match(byUnit.spin.message, /did not finish within 2 s/);
  assert.ok(byUnit.flood, 'the flood example is reported');
  assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the API key reached the code');
  assert.equal(readFileSync(canary, 'utf8'), 'untouched');
  assert.equal(readFileSync(join(p.root, 'hostile.py'), 'utf8'), source);
  assert.deepEqual(processesMentioning(marker), [], 'a process from the sandbox survived');
  assert.ok(!existsSync(join(p.root, 'hostile.pyc')));
});

test('critic check on a cloned repository whose doctest prints nested credentials: nothing secret reaches the output or the model', needsSandbox, async (t) => {
  const { startOpenAiServer, reply } = await import('./support/openaiServer.mjs');
  const server = await startOpenAiServer();
  t.after(() => server.close());
  server.script(() => reply.findings([]));
  const dotenv = `sk-nested-${process.pid}-${Date.now()}`;
  const gitToken = `ghp_${Date.now()}${process.pid}abcdefghijklmnop`;
  const source = [
    'import os',
    '',
    '',
    'def config():',
    '    """Reads the settings.',
    '',
    '    >>> config()',
    "    'ok'",
    '    """',
    '    out = []',
    "    for p in ['services/api/.env', 'deploy/server.pem', '.git/config', 'settings.txt']:",
    '        try:',
    '            out.append(open(os.path.join(os.path.dirname(__file__), p)).read())',
    '        except OSError as e:',
    '            out.append(type(e).__name__)',
    "    return ' '.join(out)",
    '',
  ].join('\n');
  const p = tempProject({ 'app.py': source, 'services/api/.env': `API_KEY=${dotenv}\n`, 'deploy/server.pem': `-----BEGIN PRIVATE KEY-----\n${dotenv}\n` });
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'remote', 'add', 'origin', `https://user:${gitToken}@example.com/x.git`);
  symlinkSync('services/api/.env', join(p.root, 'settings.txt'));
  const r = await criticAsync(['check', 'app.py', '--format', 'json'], { cwd: p.root, env: { OPENAI_BASE_URL: `${server.url}`, CRITIC_MODEL: 'test-model', OPENAI_API_KEY: 'test', XDG_CACHE_HOME: join(p.root, '.cache') } });
  const out = JSON.parse(r.stdout);
  const failed = out.findings.find((f) => f.tier === 'executed' && f.unit === 'config');
  assert.ok(failed, r.stdout);
  assert.match(failed.message, /PermissionError PermissionError PermissionError PermissionError/);
  const wire = JSON.stringify(server.completions.map((c) => c.body));
  assert.ok(server.completions.length > 0, 'the model was asked');
  for (const s of [dotenv, gitToken]) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), 'a credential reached the output');
    assert.ok(!wire.includes(s), 'a credential reached the model');
  }
});

test('critic check on a checkout whose pytest.ini is a FIFO: the check ends and the tests still run', needsSandbox, async () => {
  const p = tempProject({
    'calc.py': 'def add(a, b):\n    return a + b\n',
    'tests/test_calc.py': 'from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 5\n',
  });
  // Reading a FIFO blocks until a writer appears: a port that did so would never finish the check.
  execFileSync('mkfifo', [join(p.root, 'pytest.ini')]);
  const r = await criticAsync(['check', 'calc.py', '--format', 'json', '--no-color'], { cwd: p.root, env: { CRITIC_MODEL: '', XDG_CACHE_HOME: join(p.root, '.cache') } });
  const { findings } = JSON.parse(r.stdout);
  assert.ok(findings.some((f) => f.source === 'tests' && f.level === 'error' && f.unit === 'add'), `the failing test of add is reported: ${r.stdout}`);
});
