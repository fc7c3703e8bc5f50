// Helpers for end-to-end tests in a real VS Code UI: code-server (the VS Code 1.100 workbench and
// extension host, served over HTTP) driven through Debian's chromium with playwright-core.
// Installed by scripts/setup-code-server.sh into $CRITIC_E2E_HOME (default ~/.cache/critic-e2e).
//
// This file is imported by tests and also picked up as a test file by `node --test test/`, so it
// must have no side effects at import time.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The code-server release that scripts/setup-code-server.sh installs (VS Code 1.100.3). */
export const codeServerVersion = '4.100.3';
export const chromiumPath = '/usr/bin/chromium';
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where tests put screenshots and logs (git-ignored). */
export const defaultArtifactsDir = join(repoRoot, 'test-results', 'e2e');

// Chromium's own connections are refused by this machine's closed network; without these flags
// it retries them many at a time.
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

// Keep the first window quiet: no welcome page, tips, recommendations or network-bound checks.
const defaultUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'security.workspace.trust.enabled': true,
  'window.restoreWindows': 'none',
};

/** Install location, from $CRITIC_E2E_HOME like the setup script. */
export function e2eHome() {
  return process.env.CRITIC_E2E_HOME || join(process.env.HOME || homedir(), '.cache', 'critic-e2e');
}

/** Paths of the installed code-server; `installed` is false until the setup script finished. */
export function codeServerPaths() {
  const root = join(e2eHome(), `code-server-${codeServerVersion}`);
  const pkg = join(root, 'node_modules', 'code-server');
  const entry = join(pkg, 'out', 'node', 'entry.js');
  const marker = join(root, '.installed');
  const installed = existsSync(marker) && readFileSync(marker, 'utf8').trim() === codeServerVersion && existsSync(entry);
  return { root, pkg, entry, installed };
}

/** Why the e2e tests cannot run here, or undefined when they can. */
export function e2eUnavailableReason() {
  if (!codeServerPaths().installed) return `code-server ${codeServerVersion} is not installed in ${e2eHome()}: run scripts/setup-code-server.sh`;
  if (!existsSync(chromiumPath)) return `${chromiumPath} is missing: run scripts/setup-code-server.sh`;
  return undefined;
}

/** A free TCP port on 127.0.0.1 (asks the kernel; tiny race until code-server binds it). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every process whose parent chain leads to `rootPid` (read from /proc). */
function descendants(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
    // The command name is in parentheses and may contain spaces; fields after it are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  const walk = (pid) => { for (const c of children.get(pid) ?? []) { out.push(c); walk(c); } };
  walk(rootPid);
  return out;
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Signals a process, its process group and every descendant (terminals run in their own sessions). */
function killTree(pid, signal) {
  const pids = [pid, ...descendants(pid)];
  try { process.kill(-pid, signal); } catch { /* group already gone */ }
  for (const p of pids) { try { process.kill(p, signal); } catch { /* gone */ } }
  return pids;
}

const liveServers = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that crashes or times out must not leave code-server and its extension hosts behind.
  const killAll = () => { for (const s of liveServers) killTree(s.pid, 'SIGKILL'); };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => { killAll(); process.kill(process.pid, signal); });
  }
}

/**
 * Installs a .vsix into an extensions dir with code-server's own CLI (`--install-extension`).
 * Call before startCodeServer (a running window only sees it after a reload).
 * @returns {Promise<string>} the CLI's output
 */
export async function installVsix(vsixPath, { extensionsDir, userDataDir, timeoutMs = 60_000 }) {
  const { entry, installed } = codeServerPaths();
  if (!installed) throw new Error(e2eUnavailableReason());
  const args = [entry, '--install-extension', resolve(vsixPath), '--force', '--extensions-dir', extensionsDir];
  if (userDataDir) args.push('--user-data-dir', userDataDir);
  const { code, output } = await run(process.execPath, args, { timeoutMs, env: isolatedEnv(userDataDir ?? extensionsDir) });
  if (code !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsixPath} into ${extensionsDir} failed (exit ${code}):\n${output}`);
  }
  return output;
}

/** Packages an extension folder into a .vsix with the repo's @vscode/vsce (no prompts, no npm list). */
export async function packageVsix(extensionDir, outFile, { timeoutMs = 60_000 } = {}) {
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', resolve(outFile)];
  const { code, output } = await run(process.execPath, args, { cwd: extensionDir, timeoutMs });
  if (code !== 0) throw new Error(`vsce package in ${extensionDir} failed (exit ${code}):\n${output}`);
  return resolve(outFile);
}

function run(cmd, args, { cwd, env, timeoutMs }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms:\n${output}`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code, output }); });
  });
}

// code-server writes its config and state under XDG dirs: keep them out of the user's home.
function isolatedEnv(baseDir, extra = {}) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(baseDir, 'xdg-config'),
    XDG_DATA_HOME: join(baseDir, 'xdg-data'),
    XDG_CACHE_HOME: join(baseDir, 'xdg-cache'),
    ...extra,
  };
}

/**
 * Starts code-server on a free loopback port for `workspace`, with its user-data-dir and
 * extensions-dir in a fresh temp folder, and waits until it serves the workbench.
 * @param {object} options
 * @param {string} options.workspace folder to open
 * @param {string[]} [options.vsix] .vsix files to install before starting
 * @param {object} [options.settings] user settings merged over the quiet defaults
 * @param {string[]} [options.args] extra code-server arguments
 * @param {object} [options.env] extra environment for code-server and its extension host
 * @param {number} [options.timeoutMs] how long to wait until it serves
 * @returns {Promise<CodeServer>} `{ url, workspaceUrl, port, pid, tempDir, userDataDir, extensionsDir, logFile, readLog(), stop() }`
 */
export async function startCodeServer({ workspace, vsix = [], settings = {}, args = [], env = {}, timeoutMs = 30_000 }) {
  const { entry, installed } = codeServerPaths();
  if (!installed) throw new Error(e2eUnavailableReason());
  const tempDir = await mkdtemp(join(tmpdir(), 'critic-e2e-'));
  const userDataDir = join(tempDir, 'user-data');
  const extensionsDir = join(tempDir, 'extensions');
  await mkdir(join(userDataDir, 'User'), { recursive: true });
  await mkdir(extensionsDir, { recursive: true });
  await writeFile(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...defaultUserSettings, ...settings }, null, 2));
  for (const file of vsix) await installVsix(file, { extensionsDir, userDataDir });

  const port = await freePort();
  const logFile = join(tempDir, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--config', join(tempDir, 'config.yaml'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...args,
    workspace,
  ], {
    cwd: workspace,
    env: isolatedEnv(tempDir, env),
    stdio: ['ignore', logFd, logFd],
    detached: true, // own process group, so stop() can signal the whole tree
  });
  closeSync(logFd);
  child.unref(); // a test that forgets stop() must still end; the exit hook then kills the tree
  installExitHook();
  const state = { pid: child.pid, exited: false, exitCode: null };
  liveServers.add(state);
  child.on('exit', (code, signal) => { state.exited = true; state.exitCode = code ?? signal; });

  const url = `http://127.0.0.1:${port}/`;
  const workspaceUrl = `${url}?folder=${encodeURIComponent(workspace)}`;
  const readLog = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  const server = {
    url, workspaceUrl, port, pid: child.pid, tempDir, userDataDir, extensionsDir, logFile, workspace, readLog,
    startMs: 0,
    stop: (options) => stopCodeServer(server, options),
    _state: state,
  };
  try {
    await waitUntil(async () => {
      if (state.exited) throw new Error(`code-server exited (${state.exitCode}) before serving:\n${readLog()}`);
      try {
        const res = await fetch(workspaceUrl, { signal: AbortSignal.timeout(2_000) });
        const body = await res.text();
        return res.ok && body.includes('workbench');
      } catch { return false; }
    }, { timeoutMs, intervalMs: 100, what: `code-server on ${url} (log ${logFile})` });
  } catch (e) {
    await stopCodeServer(server);
    throw e;
  }
  server.startMs = Date.now() - started;
  return server;
}

/** Stops code-server and its whole process tree (SIGTERM, then SIGKILL after `graceMs`); keeps tempDir unless `removeTemp`. */
export async function stopCodeServer(server, { graceMs = 3_000, removeTemp = false } = {}) {
  const { _state: state } = server;
  if (state && !state.stopped) {
    state.stopped = true;
    const pids = killTree(state.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && pids.some(isAlive)) await sleep(100);
    killTree(state.pid, 'SIGKILL');
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    liveServers.delete(state);
  }
  if (removeTemp) await rm(server.tempDir, { recursive: true, force: true });
}

async function waitUntil(check, { timeoutMs, intervalMs = 200, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * Launches Debian's chromium (headless unless `headless: false`) with a fresh profile in a temp dir.
 * Collects console errors and page errors into `consoleLines` for failure reports.
 * @returns {Promise<{ context, page, consoleLines: string[], close(): Promise<void> }>}
 */
export async function launchBrowser({ headless = true, viewport = { width: 1400, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const profileDir = await mkdtemp(join(tmpdir(), 'critic-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless,
    args: chromiumArgs,
    viewport,
    acceptDownloads: false,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`[${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack ?? e}`));
  return {
    context, page, consoleLines,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the workspace in the page and waits for the workbench; answers the Workspace Trust dialog
 * with "Yes, I trust the authors" unless `trust: false`.
 */
export async function openWorkbench(page, server, { trust = true, timeoutMs = 60_000 } = {}) {
  await page.goto(server.workspaceUrl, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  if (trust) await trustWorkspace(page, { timeoutMs });
}

/** Clicks "Yes, I trust the authors" in the Workspace Trust dialog (waits for it to appear). */
export async function trustWorkspace(page, { timeoutMs = 30_000 } = {}) {
  const button = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Yes, I trust the authors' });
  await button.waitFor({ state: 'visible', timeout: timeoutMs });
  await button.click();
  await page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: timeoutMs });
}

const quickInput = (page) => page.locator('.quick-input-widget');
const quickInputBox = (page) => page.locator('.quick-input-widget .quick-input-box input');
const quickInputRows = (page) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row');

async function closeQuickInput(page) {
  if (await quickInput(page).isVisible()) {
    await page.keyboard.press('Escape');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  }
}

/**
 * Runs a command from the command palette by its label as shown there ("View: Toggle Problems").
 * Opens the palette with F1 (then Ctrl+Shift+P), types the label, picks the row whose label is
 * exactly it; retries the whole sequence (the palette can lose keys while the workbench is busy).
 */
export async function runCommand(page, label, { attempts = 3, timeoutMs = 10_000 } = {}) {
  let lastError;
  for (let i = 0; i < attempts; i++) {
    try {
      await closeQuickInput(page);
      await page.keyboard.press(i % 2 === 0 ? 'F1' : 'Control+Shift+P');
      await quickInputBox(page).waitFor({ state: 'visible', timeout: timeoutMs });
      await quickInputBox(page).fill(`>${label}`);
      const row = quickInputRows(page).filter({ has: page.locator('.label-name', { hasText: exactText(label) }) }).first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      await row.click();
      // The palette closed — or a command's own input box or quick pick replaced it already (the
      // thin client answers fast enough that the widget may never be hidden in between).
      await page.waitForFunction(() => {
        const widget = document.querySelector('.quick-input-widget');
        if (!widget || widget.offsetParent === null || getComputedStyle(widget).display === 'none') return true;
        const input = widget.querySelector('.quick-input-box input');
        return !input || !input.value.startsWith('>');
      }, null, { timeout: timeoutMs });
      return;
    } catch (e) {
      lastError = e;
      await sleep(500);
    }
  }
  throw new Error(`could not run "${label}" from the command palette: ${lastError?.message}`);
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor tab is active. */
export async function openFile(page, relativePath, { attempts = 3, timeoutMs = 15_000 } = {}) {
  const base = relativePath.split('/').pop();
  let lastError;
  for (let i = 0; i < attempts; i++) {
    try {
      await closeQuickInput(page);
      await page.keyboard.press('Control+P');
      await quickInputBox(page).waitFor({ state: 'visible', timeout: timeoutMs });
      await quickInputBox(page).fill(relativePath);
      const row = quickInputRows(page).filter({ has: page.locator('.label-name', { hasText: exactText(base) }) }).first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      await row.click();
      await quickInput(page).waitFor({ state: 'hidden', timeout: timeoutMs });
      await activeTab(page, base).waitFor({ state: 'visible', timeout: timeoutMs });
      return;
    } catch (e) {
      lastError = e;
      await sleep(500);
    }
  }
  throw new Error(`could not open ${relativePath} with Quick Open: ${lastError?.message}`);
}

/** The active editor tab whose label is `name`. */
export function activeTab(page, name) {
  return page.locator('.tabs-container .tab.active', { has: page.locator('.label-name', { hasText: exactText(name) }) });
}

/** The text of the active editor's visible lines (Monaco renders only what is on screen). */
export async function editorText(page) {
  const lines = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await lines.waitFor({ state: 'visible', timeout: 10_000 });
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/**
 * The counts of the status bar's Problems item, e.g. `{ errors: 1, warnings: 0, infos: 0 }`.
 * Read from its codicons (error / warning / info) and the numbers that follow each.
 */
export async function problemsCount(page, { timeoutMs = 10_000 } = {}) {
  const item = page.locator('[id="status.problems"]');
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  return item.evaluate((el) => {
    const counts = { errors: 0, warnings: 0, infos: 0 };
    const label = el.querySelector('.statusbar-item-label') ?? el;
    let current;
    for (const node of label.childNodes) {
      const cls = node.nodeType === 1 ? node.className : '';
      if (/codicon-error/.test(cls)) current = 'errors';
      else if (/codicon-warning/.test(cls)) current = 'warnings';
      else if (/codicon-info/.test(cls)) current = 'infos';
      else if (current && /\d/.test(node.textContent)) {
        counts[current] = Number(node.textContent.match(/\d+/)[0]);
        current = undefined;
      }
    }
    return counts;
  });
}

/** Waits until `predicate(counts)` holds for the status bar's Problems counts; returns them. */
export async function waitForProblems(page, predicate, { timeoutMs = 30_000 } = {}) {
  let counts;
  await waitUntil(async () => predicate(counts = await problemsCount(page)), { timeoutMs, intervalMs: 250, what: 'the Problems count' })
    .catch((e) => { throw new Error(`${e.message} (last: ${JSON.stringify(counts)})`); });
  return counts;
}

/** A notification toast containing `text` (string or RegExp); waits until it is visible. */
export async function waitForNotification(page, text, { timeoutMs = 20_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', {
    has: page.locator('.notification-list-item-message', { hasText: text }),
  }).first();
  await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  // Toasts slide in; wait for the end of the transition so screenshots show them whole.
  await page.locator('.notifications-toasts .notification-toast-container.notification-fade-in-done', { has: toast })
    .first().waitFor({ state: 'visible', timeout: 2_000 }).catch(() => {});
  return toast;
}

/** Messages of the visible notification toasts. */
export async function notificationMessages(page) {
  return page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
}

/** Saves a full-page PNG as `<artifactsDir>/<name>.png` and returns its path. */
export async function screenshot(page, name, artifactsDir = defaultArtifactsDir) {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
  return file;
}

/**
 * On failure: a screenshot, code-server's log, VS Code's own logs (extension host, remote agent)
 * and the browser console, all under `<artifactsDir>/<name>-*`.
 */
export async function saveFailureArtifacts({ page, server, consoleLines, name = 'failure', artifactsDir = defaultArtifactsDir }) {
  mkdirSync(artifactsDir, { recursive: true });
  const saved = [];
  if (page) { try { saved.push(await screenshot(page, name, artifactsDir)); } catch { /* page gone */ } }
  if (server) {
    const log = join(artifactsDir, `${name}-code-server.log`);
    await writeFile(log, server.readLog());
    saved.push(log);
    const vscodeLogs = join(server.userDataDir, 'logs');
    if (existsSync(vscodeLogs)) {
      const dest = join(artifactsDir, `${name}-vscode-logs`);
      await cp(vscodeLogs, dest, { recursive: true }).then(() => saved.push(dest), () => {});
    }
  }
  if (consoleLines?.length) {
    const file = join(artifactsDir, `${name}-browser-console.log`);
    await writeFile(file, consoleLines.join('\n') + '\n');
    saved.push(file);
  }
  return saved;
}

/** The workspace URL for a folder on a running server (e.g. to open a second folder). */
export function folderUrl(server, folder) {
  return `${server.url}?folder=${encodeURIComponent(folder)}`;
}

function exactText(s) {
  return new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

let packaged;
/** The Critic .vsix, packaged once per test process from the repository (its .vscodeignore decides what goes in). */
export function criticVsix() {
  packaged ??= mkdtemp(join(tmpdir(), 'critic-e2e-vsix-')).then((dir) => packageVsix(repoRoot, join(dir, 'critic-0.1.0.vsix')));
  return packaged;
}

/** git in `cwd` with a fixed identity (the e2e workspaces are fresh repositories). */
export function git(cwd, ...args) {
  return execFileSync('git', ['-c', 'user.name=Critic Test', '-c', 'user.email=test@critic.invalid', ...args], { cwd, encoding: 'utf8' });
}

/** User settings that point Critic at a model server: machine-scoped, so a workspace cannot set them. */
export const modelSettings = (url) => ({ 'critic.model.provider': 'openai', 'critic.model.baseUrl': url, 'critic.model.name': 'test-model' });

/** Waits until `read()` (a log) matches `re`; VS Code writes its log files asynchronously. */
export async function waitForText(read, re, { timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let text = read();
  while (!re.test(text) && Date.now() < deadline) {
    await sleep(250);
    text = read();
  }
  return text;
}
