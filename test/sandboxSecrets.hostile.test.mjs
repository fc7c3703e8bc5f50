// What sandboxed code can see of the project and the host: credentials at any depth and through
// symlinks, the configurable hide list, Unix sockets, and shared folders as project roots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { critic } from './support/cli.mjs';
import { out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';

const { builtinHidden, builtinHides, scanProject, sharedFolderReason } = await import(out('engine/sandbox/hidden.js'));
const { default: ignore } = await import('ignore');
const { parseConfig, defaultConfig } = await import(out('engine/config.js'));

const token = (name) => `${name}-${randomBytes(8).toString('hex')}`;
/** Credential files at every depth, each holding its own token. */
const secretFiles = {
  '.env': token('dotenv'),
  'services/api/.env.production': token('envprod'),
  'deploy/tls/server.pem': token('pem'),
  'deploy/tls/server.key': token('key'),
  'deploy/putty.ppk': token('ppk'),
  'keys/id_ed25519': token('ed25519'),
  'ops/ssh/id_rsa.bak': token('rsa'),
  'tools/.npmrc': token('npmrc'),
  'tools/.pypirc': token('pypirc'),
  'home/.netrc': token('netrc'),
  'home/.git-credentials': token('gitcred'),
  'home/.aws/credentials': token('aws'),
  'home/.ssh/config': token('sshcfg'),
  'home/.gnupg/secring.gpg': token('gpg'),
  'home/.docker/config.json': token('docker'),
  'home/.kube/config': token('kube'),
  'app/config/secrets.yaml': token('secretsyaml'),
  'app/config/credentials.json': token('credjson'),
  'node_modules/leaky/.env': token('depenv'),
};
const readable = { '.env.example': 'EXAMPLE=1', 'app/config/settings.yaml': 'debug: true', 'private/customers.csv': token('csv') };
const project = tempProject({ ...secretFiles, ...readable, 'app/main.py': 'def f():\n    return 1\n' });
const outsideSecret = join(homedir(), `.critic-outside-secret-${randomBytes(4).toString('hex')}`);
writeFileSync(outsideSecret, token('outside'));
// A real git repository whose remote URL carries a token.
const gitToken = token('ghp');
execFileSync('git', ['init', '-q', project.root]);
execFileSync('git', ['-C', project.root, 'remote', 'add', 'origin', `https://x-access-token:${gitToken}@github.com/acme/app.git`]);
// Symlinks: to a nested secret, to one inside a skipped folder, to a secret folder, and out of the project.
symlinkSync('../services/api/.env.production', join(project.root, 'app/settings.txt'));
symlinkSync(join(project.root, 'node_modules/leaky/.env'), join(project.root, 'app/defaults.txt'));
symlinkSync('../home/.aws', join(project.root, 'app/cloud'));
symlinkSync(outsideSecret, join(project.root, 'app/outside.txt'));
test.after(() => {
  project.cleanup();
  rmSync(outsideSecret, { force: true });
});

const sandbox = await realSandbox({ hide: ['private/'] });
const everySecret = () => [...Object.values(secretFiles), gitToken, readable['private/customers.csv']];

/** Python that reads every file under the project (following symlinks) and prints what it got. */
const readAll = (root) =>
  [
    'import os',
    `root = ${JSON.stringify(root)}`,
    'for d, dirs, files in os.walk(root, followlinks=True):',
    '    for n in files:',
    '        p = os.path.join(d, n)',
    '        try:',
    '            print(os.path.relpath(p, root), open(p, errors="replace").read()[:200].replace("\\n", " "))',
    '        except OSError as e:',
    '            print(os.path.relpath(p, root), "ERR", e.errno)',
    'for p in ["app/settings.txt", "app/defaults.txt", "app/cloud/credentials", "app/outside.txt", ".git/config"]:',
    '    try:',
    '        print("direct", p, open(os.path.join(root, p)).read())',
    '    except OSError as e:',
    '        print("direct", p, "ERR", e.errno)',
  ].join('\n');

test('credentials at any depth, in .git/config and behind symlinks are unreadable; ordinary files are not', needsSandbox, async () => {
  const r = await sandbox.run({ interpreter: 'python', args: ['-c', readAll(project.root)], projectRoot: project.root, timeoutMs: 10_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  for (const s of everySecret()) assert.ok(!r.stdout.includes(s), `leaked ${s.split('-')[0]}:\n${r.stdout}`);
  assert.match(r.stdout, /^\.env\.example EXAMPLE=1$/m);
  assert.match(r.stdout, /^app\/config\/settings\.yaml debug: true$/m);
  assert.match(r.stdout, /^direct app\/settings\.txt ERR 13$/m);
  assert.match(r.stdout, /^direct app\/defaults\.txt ERR 13$/m);
  assert.match(r.stdout, /^direct app\/cloud\/credentials ERR 2$/m);
  assert.match(r.stdout, /^direct app\/outside\.txt ERR 2$/m);
  assert.match(r.stdout, /^direct \.git\/config ERR 13$/m);
});

test('execution.hide only ever adds: a repository cannot un-hide a credential', () => {
  const user = parseConfig({ execution: { hide: ['private/'] } }, 'user config');
  const both = parseConfig({ execution: { hide: ['*.sqlite'] } }, '.critic.json', user);
  assert.deepEqual(both.execution.hide, ['private/', '*.sqlite']);
  assert.throws(() => parseConfig({ execution: { hide: ['!.env'] } }, '.critic.json'), { name: 'ConfigError', message: /execution\.hide.*can only hide more/ });
  assert.throws(() => parseConfig({ execution: { hide: 'x' } }, '.critic.json'), { name: 'ConfigError' });
  assert.deepEqual(defaultConfig().execution.hide, []);
  // Even a negation smuggled past validation does not show a built-in credential.
  const { masks } = scanProject(project.root, { hide: ['!.env'], visible: () => false });
  assert.ok(masks.some((m) => m.path === join(project.root, '.env')));
});

test('a Unix socket or FIFO in the project is hidden: the host listener gets no connection', needsSandbox, async () => {
  const sockDir = tempProject({ 'm.py': 'x = 1\n' });
  const sock = join(sockDir.root, 'agent.sock');
  let connections = 0;
  const server = createServer((c) => {
    connections++;
    c.end('owned\n');
  });
  await new Promise((r) => server.listen(sock, r));
  execFileSync('mkfifo', [join(sockDir.root, 'pipe')]);
  try {
    const code = [
      'import os, socket',
      'for p in ["agent.sock", "pipe"]:',
      '    try:',
      '        if p.endswith(".sock"):',
      '            s = socket.socket(socket.AF_UNIX); s.connect(p); print(p, "connected", s.recv(10))',
      '        else:',
      '            os.open(p, os.O_WRONLY | os.O_NONBLOCK); print(p, "opened")',
      '    except OSError as e:',
      '        print(p, "refused", e.errno)',
    ].join('\n');
    const r = await sandbox.run({ interpreter: 'python', args: ['-c', code], projectRoot: sockDir.root, cwd: 'project', timeoutMs: 10_000 });
    assert.match(r.stdout, /^agent\.sock refused \d+$/m);
    assert.match(r.stdout, /^pipe refused \d+$/m);
  } finally {
    server.close();
    sockDir.cleanup();
  }
  assert.equal(connections, 0);
});

test('shared folders are never a project root: one line, nothing runs', needsSandbox, async () => {
  for (const root of ['/', '/tmp', '/var/tmp', '/dev/shm', '/run', homedir(), tmpdir()]) {
    await assert.rejects(sandbox.run({ interpreter: 'python', args: ['-c', 'print(1)'], projectRoot: root, timeoutMs: 5000 }), (err) => {
      assert.equal(err.name, 'SandboxError', root);
      assert.match(err.message, /^Code is not executed with .* as the project root: .*; move the code into a folder of its own\.$/);
      return true;
    });
  }
  assert.equal(sharedFolderReason(join(tmpdir(), 'my-project')), undefined);
  assert.match(sharedFolderReason('/run/user/0'), /sockets/);
});

test('critic check in /tmp: the tmux-style socket there is never reached, and the user is told why nothing ran', needsSandbox, async () => {
  const nonce = randomBytes(4).toString('hex');
  const sock = join(tmpdir(), `critic-tmux-${nonce}.sock`);
  const file = join(tmpdir(), `critic-shared-${nonce}.py`);
  let connections = 0;
  const server = createServer((c) => {
    connections++;
    c.destroy();
  });
  await new Promise((r) => server.listen(sock, r));
  writeFileSync(file, `import socket\n\n\ndef poke():\n    """\n    >>> poke()\n    1\n    """\n    s = socket.socket(socket.AF_UNIX)\n    s.connect(${JSON.stringify(sock)})\n    return 1\n`);
  try {
    const r = critic(['check', file, '--format', 'json'], { cwd: tmpdir(), env: { CRITIC_MODEL: '', XDG_CACHE_HOME: join(tmpdir(), `critic-cache-${nonce}`) } });
    assert.match(r.stderr, /Code is not executed with \/tmp as the project root: \/tmp is a folder other programs share/);
  } finally {
    server.close();
    rmSync(file, { force: true });
    rmSync(join(tmpdir(), `critic-cache-${nonce}`), { recursive: true, force: true });
  }
  assert.equal(connections, 0);
});

test('the credential walk is bounded: a tree beyond the limit is refused in one line, node_modules is not walked', () => {
  const big = tempProject(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`d${i % 6}/f${i}.txt`, 'x'])));
  try {
    assert.throws(() => scanProject(big.root, { visible: () => false, maxEntries: 50 }), { name: 'ProjectScanError', message: /^Code is not executed: .* more than 50 files/ });
  } finally {
    big.cleanup();
  }
  // This repository: its node_modules (tens of thousands of entries) is skipped, its .git/config is not.
  const { masks, entries } = scanProject(repoRoot, { visible: () => false });
  assert.ok(entries < 20_000, `${entries} entries walked`);
  assert.ok(!masks.some((m) => m.path.includes('/node_modules/')));
});

test('the compiled built-in list hides exactly what the documented gitignore patterns hide', () => {
  const m = ignore().add([...builtinHidden]);
  const files = [...Object.keys(secretFiles), '.git/config', 'sub/.git/config', '.env.example', '.env.local', 'a/.env.dist', 'README.md', 'src/key.ts', 'src/keys.py', 'monkey', 'x.pem.txt',
    'id_rsa.pub', 'a/id_ecdsa', 'secrets', 'my_secrets.txt', 'credentials', 'infra/terraform.tfstate', 'infra/terraform.tfstate.backup', '.yarnrc.yml', 'docker/config.json', 'kubeconfig', 'dev.kubeconfig', 'a/.config/gcloud/x'];
  // The walk masks a hidden folder as a whole, so a file is hidden when it or a folder above it is.
  const hidden = (f) => builtinHides(f, false) || f.split('/').slice(0, -1).some((_, i, parts) => builtinHides(parts.slice(0, i + 1).join('/'), true));
  for (const f of files) assert.equal(hidden(f), m.ignores(f), f);
  for (const d of ['.aws', 'x/.ssh', '.gnupg', 'a/.kube', '.azure', 'h/.config/gcloud']) assert.equal(builtinHides(d, true), true, d);
  for (const d of ['.env', 'src', '.git', '.docker', 'aws', 'ssh']) assert.equal(builtinHides(d, true), false, d);
});

test('a credential file imported by JS code is not bundled into the sandbox', async () => {
  const { bundleModule } = await import(out('engine/evidence/exec/bundle.js'));
  const secret = token('bundled');
  const p = tempProject({ 'secrets.json': JSON.stringify({ secret }), 'data.json': '{"n": 1}', 'leak.js': "import cfg from './secrets.json';\nexport const leak = () => cfg.secret;\n", 'ok.js': "import d from './data.json';\nexport const n = () => d.n;\n" });
  try {
    await assert.rejects(bundleModule({ entry: join(p.root, 'leak.js'), projectRoot: p.root }, 'test'), { name: 'BundleError', message: /secrets\.json is a credential file the sandbox hides/ });
    assert.match(await bundleModule({ entry: join(p.root, 'ok.js'), projectRoot: p.root }, 'test'), /"n": 1|n: 1/);
  } finally {
    p.cleanup();
  }
});
