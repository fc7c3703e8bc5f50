// What an untrusted project's .critic.json may set, the user config, and the trust decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { out, tempProject } from './support/engine.mjs';

const { restrictProjectConfig } = await import(out('engine/projectTrust.js'));
const { defaultConfig, parseConfig, ConfigError } = await import(out('engine/config.js'));
const { loadProject, untrustedNotice } = await import(out('engine/project.js'));
const { loadUserConfig, projectTrust, userConfigPath } = await import(out('engine/userConfig.js'));

function xdgWith(t, config) {
  const dir = mkdtempSync(join(tmpdir(), 'critic-xdg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (config !== undefined) {
    mkdirSync(join(dir, 'critic'));
    writeFileSync(join(dir, 'critic', 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  }
  return { XDG_CONFIG_HOME: dir, HOME: '/nonexistent-home' };
}

test('an untrusted project may tighten limits and switch things off, never loosen or choose the endpoint', () => {
  const user = defaultConfig();
  const merged = parseConfig(
    {
      model: { baseUrl: 'http://evil.example/v1', models: ['evil'], timeoutMs: 3_600_000, maxRetries: 10, minConfidence: 0.9 },
      execution: { allowUnsandboxed: true, memoryMb: 128, maxProcesses: 4_096, exampleTimeoutMs: 1_000, testTimeoutMs: 3_600_000, maxOutputBytes: 1_024 },
      tools: { ruff: false },
      rules: { 'ruff-F401': 'off' },
      failOn: 'warning',
    },
    '.critic.json',
    user,
  );
  const { config, ignored } = restrictProjectConfig(merged, user);
  assert.equal(config.model.baseUrl, undefined);
  assert.deepEqual(config.model.models, []);
  assert.equal(config.execution.allowUnsandboxed, false);
  // Tightened: kept.
  assert.equal(config.execution.memoryMb, 128);
  assert.equal(config.execution.exampleTimeoutMs, 1_000);
  assert.equal(config.execution.maxOutputBytes, 1_024);
  // Raised: back to the user's value.
  assert.equal(config.execution.maxProcesses, 64);
  assert.equal(config.execution.testTimeoutMs, 30_000);
  assert.equal(config.model.timeoutMs, 60_000);
  assert.equal(config.model.maxRetries, 2);
  // About the project's own findings: the project's choice.
  assert.equal(config.model.minConfidence, 0.9);
  assert.equal(config.tools.ruff, false);
  assert.equal(config.rules['ruff-F401'], 'off');
  assert.equal(config.failOn, 'warning');
  assert.deepEqual(ignored, [
    'model.models',
    'model.baseUrl',
    'execution.allowUnsandboxed',
    'execution.testTimeoutMs above 30000',
    'execution.maxProcesses above 64',
    'model.timeoutMs above 60000',
    'model.maxRetries above 2',
  ]);
});

test("the user's level is the ceiling: what the user turned off or lowered, a project cannot undo", () => {
  const user = parseConfig({ execution: { enabled: false, memoryMb: 256 }, tools: { eslint: false, tests: false }, model: { probes: false, baseUrl: 'http://127.0.0.1:11434/v1', models: ['mine'] } }, 'user');
  const merged = parseConfig({ execution: { enabled: true, memoryMb: 400 }, tools: { eslint: 'auto', tests: true }, model: { probes: true, baseUrl: 'http://evil.example/v1' } }, '.critic.json', user);
  const { config, ignored } = restrictProjectConfig(merged, user);
  assert.equal(config.execution.enabled, false);
  assert.equal(config.execution.memoryMb, 256);
  assert.equal(config.tools.eslint, false);
  assert.equal(config.tools.tests, false);
  assert.equal(config.model.probes, false);
  assert.equal(config.model.baseUrl, 'http://127.0.0.1:11434/v1');
  assert.deepEqual(config.model.models, ['mine']);
  assert.deepEqual(ignored, ['model.baseUrl', 'execution.enabled', 'tools.tests', 'model.probes', 'tools.eslint', 'execution.memoryMb above 256']);
});

test('loadProject: defaults ← user config ← project file, restricted unless trusted, with one notice', (t) => {
  const p = tempProject({ '.critic.json': JSON.stringify({ model: { models: ['repo'], baseUrl: 'http://repo.example/v1' }, execution: { memoryMb: 4096 } }), 'a.py': 'x = 1\n' });
  t.after(p.cleanup);
  const env = xdgWith(t, { model: { models: ['mine'], baseUrl: 'http://127.0.0.1:1/v1' }, execution: { memoryMb: 1024 } });
  const untrusted = loadProject(p.root, { env });
  assert.equal(untrusted.trust, undefined);
  assert.deepEqual(untrusted.config.model.models, ['mine']);
  assert.equal(untrusted.config.model.baseUrl, 'http://127.0.0.1:1/v1');
  assert.equal(untrusted.config.execution.memoryMb, 1024);
  assert.equal(untrusted.userConfig.execution.memoryMb, 1024);
  assert.match(untrustedNotice(untrusted, env), /\.critic\.json is not trusted, so Critic ignored model\.models, model\.baseUrl, execution\.memoryMb above 1024; to trust this project pass --trust-project, set CRITIC_TRUST_PROJECT=1, or add it to "trustedProjects" in .*critic\/config\.json$/);
  const trusted = loadProject(p.root, { env, trustFlag: true });
  assert.equal(trusted.trust, '--trust-project');
  assert.deepEqual(trusted.config.model.models, ['repo']);
  assert.equal(trusted.config.execution.memoryMb, 4096);
  assert.equal(untrustedNotice(trusted, env), undefined);
  // Nothing ignored, nothing said.
  const tame = tempProject({ '.critic.json': JSON.stringify({ execution: { memoryMb: 128 } }) });
  t.after(tame.cleanup);
  assert.equal(untrustedNotice(loadProject(tame.root, { env }), env), undefined);
});

test('--config FILE is the user\'s own choice: it may name the endpoint and loosen limits', (t) => {
  const p = tempProject({ 'mine.json': JSON.stringify({ model: { models: ['m'], baseUrl: 'http://127.0.0.1:2/v1' }, execution: { memoryMb: 2048, allowUnsandboxed: true } }) });
  t.after(p.cleanup);
  const project = loadProject(p.root, { explicitConfig: 'mine.json', env: xdgWith(t) });
  assert.equal(project.userConfig.model.baseUrl, 'http://127.0.0.1:2/v1');
  assert.equal(project.config.execution.memoryMb, 2048);
  assert.equal(project.config.execution.allowUnsandboxed, true);
  assert.deepEqual(project.ignored, []);
});

test('trust: the flag, CRITIC_TRUST_PROJECT, or a trusted root at or above the project (symlinks resolved, no name prefixes)', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'critic-trust-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, 'work', 'app', 'sub'), { recursive: true });
  mkdirSync(join(base, 'work-evil'));
  symlinkSync(join(base, 'work'), join(base, 'link'));
  const user = { config: defaultConfig(), trustedProjects: [join(base, 'work')] };
  const trust = (root, extra = {}) => projectTrust(root, { flag: false, env: {}, user, ...extra });
  assert.equal(trust(join(base, 'work')), 'trustedProjects');
  assert.equal(trust(join(base, 'work', 'app', 'sub')), 'trustedProjects');
  assert.equal(trust(join(base, 'link', 'app')), 'trustedProjects');
  assert.equal(trust(join(base, 'work-evil')), undefined);
  assert.equal(trust(base), undefined);
  assert.equal(trust(base, { flag: true }), '--trust-project');
  for (const v of ['1', 'true', 'YES']) assert.equal(trust(base, { env: { CRITIC_TRUST_PROJECT: v } }), 'CRITIC_TRUST_PROJECT');
  for (const v of ['', '0', 'false']) assert.equal(trust(base, { env: { CRITIC_TRUST_PROJECT: v } }), undefined);
});

test('the user config: XDG path, ~/ in trustedProjects, and one clear error for a broken file', (t) => {
  assert.equal(userConfigPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/h' }), '/x/conf/critic/config.json');
  assert.equal(userConfigPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }), '/h/.config/critic/config.json');
  assert.equal(userConfigPath({ HOME: '/h' }), '/h/.config/critic/config.json');
  const env = xdgWith(t, { trustedProjects: ['~/code'], tools: { ruff: false } });
  const user = loadUserConfig(env);
  assert.deepEqual(user.trustedProjects, ['/nonexistent-home/code']);
  assert.equal(user.config.tools.ruff, false);
  assert.deepEqual(loadUserConfig(xdgWith(t)).trustedProjects, []);
  for (const [text, pattern] of [
    ['{"trustedProjects": "/a"}', /config\.json: invalid "trustedProjects": expected an array of absolute paths/],
    ['{"execution": {"memoryMb": 1}}', /config\.json: invalid "execution\.memoryMb": expected an integer from 32 to 65536/],
    ['{oops', /config\.json: invalid "\(file\)": not valid JSON/],
    ['[]', /config\.json: invalid "\(file\)": expected an object/],
  ]) {
    assert.throws(() => loadUserConfig(xdgWith(t, text)), (err) => err instanceof ConfigError && pattern.test(err.message));
  }
});

test('the user config schema is the project schema plus trustedProjects', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('./support/engine.mjs');
  const read = (name) => JSON.parse(readFileSync(join(repoRoot, 'media', name), 'utf8'));
  const noDescriptions = (o) => JSON.parse(JSON.stringify(o, (k, v) => (k === 'description' ? undefined : v)));
  const project = read('critic.schema.json');
  const user = read('critic-user.schema.json');
  const { trustedProjects, ...rest } = user.properties;
  assert.equal(trustedProjects.type, 'array');
  assert.deepEqual(noDescriptions(rest), noDescriptions(project.properties));
  assert.equal(user.additionalProperties, false);
});
