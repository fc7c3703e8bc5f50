/**
 * Runs a project's own ESLint inside the sandbox, for projects the user has not trusted: its
 * `eslint.config.*` is JavaScript and may do anything when loaded, so it is loaded only in a Node
 * process under bubblewrap (project read-only, no network, scrubbed environment), never in
 * Critic's own process. Results come back as marked JSON lines (protocol.ts) and are checked
 * field by field, since the config shares that process.
 *
 * Speed: one sandboxed Node start plus ESLint's own start per run (see README, "Trust"). Files
 * that ask while a run for the same configuration is under way are linted together in the next
 * run, and results are remembered per text, so an unchanged file is never linted twice.
 */
import { createHash } from 'node:crypto';
import { dirname, sep } from 'node:path';
import { AbortError } from '../abort.js';
import type { Sandbox, SandboxRunResult } from '../sandbox/types.js';
import { firstLine, oneLine } from '../text.js';
import { asUnavailable } from './exec/execTool.js';
import { collectResults, newMarker, runnerConfigFile, runnerEvents, str, int } from './exec/protocol.js';
import { jsRunnerPrelude } from './exec/runnerPrelude.js';
import { ToolUnavailableError } from './tool.js';
import { Lru } from '../lru.js';

export const eslintRunnerFile = 'critic_eslint.mjs';

/** One message as ESLint reports it (the fields this tool uses), with the rule's documentation link. */
export interface SandboxLintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  fatal?: boolean;
  helpUri?: string;
}

interface RunnerConfig {
  marker: string;
  eslint: string;
  cwd: string;
  files: { id: number; path: string; text: string }[];
}

// An ES module after the shared prelude (which reads and deletes the settings and sets up the
// result channel). No backtick or dollar-brace in the text below.
export const eslintRunner = String.raw`${jsRunnerPrelude}
import { pathToFileURL } from 'node:url';
let linter;
try {
  const loaded = await import(pathToFileURL(cfg.eslint).href);
  const mod = loaded.ESLint || loaded.loadESLint ? loaded : (loaded.default ?? loaded);
  const ESLint = mod.loadESLint ? await mod.loadESLint({ useFlatConfig: true, cwd: cfg.cwd }) : mod.ESLint;
  if (!ESLint) {
    emit({ t: 'noclass' });
    process.exit(0);
  }
  linter = new ESLint({ cwd: cfg.cwd });
} catch (e) {
  emit({ t: 'load', ...excOf(e) });
  process.exit(0);
}
for (const f of cfg.files) {
  let ignored;
  try {
    ignored = await linter.isPathIgnored(f.path);
  } catch (e) {
    emit({ t: 'config', ...excOf(e) });
    process.exit(0);
  }
  if (ignored) {
    emit({ t: 'result', id: f.id, messages: [] });
    continue;
  }
  try {
    const results = await linter.lintText(f.text, { filePath: f.path, warnIgnored: false });
    let meta = {};
    try {
      meta = (linter.getRulesMetaForResults && linter.getRulesMetaForResults(results)) || {};
    } catch {}
    const messages = [];
    for (const r of results) for (const m of r.messages) {
      const docs = m.ruleId && meta[m.ruleId] && meta[m.ruleId].docs;
      messages.push({ ruleId: m.ruleId, severity: m.severity, message: m.message, line: m.line, column: m.column, endLine: m.endLine, endColumn: m.endColumn, fatal: m.fatal, helpUri: docs && docs.url });
    }
    emit({ t: 'result', id: f.id, messages });
  } catch (e) {
    emit({ t: 'lint', id: f.id, ...excOf(e) });
  }
}
emit({ t: 'end' });
process.exit(0);
`;

/** What one lint needs: the sandbox-visible folder holding project, config and ESLint, and the file. */
export interface SandboxLintRequest {
  /** Bound read-only; must contain the config, the eslint package and the file. */
  root: string;
  /** Bound read-only too: where the eslint package and its dependencies are installed. */
  readOnly: string[];
  configPath: string;
  eslintPath: string;
  /** Version of the config file (its mtime): results are remembered per version. */
  configVersion: number;
  filePath: string;
  text: string;
  timeoutMs: number;
  signal: AbortSignal;
}

interface Pending {
  req: SandboxLintRequest;
  /** The signals of everyone waiting for this file's result; it is dropped only when all are aborted. */
  waiters: AbortSignal[];
  done: Promise<SandboxLintMessage[]>;
  resolve: (m: SandboxLintMessage[]) => void;
  reject: (e: unknown) => void;
}

const abandoned = (p: Pending) => p.waiters.every((s) => s.aborted);

/** At most this many files per sandbox run, so one run stays well inside its time and output limits. */
const maxBatch = 16;
const maxRemembered = 256;

/** The deepest folder containing every path (`/` at worst, which the sandbox refuses to bind). */
export function commonAncestor(paths: readonly string[]): string {
  let common = paths[0]!;
  for (const p of paths.slice(1)) {
    while (common !== dirname(common) && p !== common && !p.startsWith(common.endsWith(sep) ? common : common + sep)) common = dirname(common);
  }
  return common;
}

/** Lints in the sandbox, batching files that wait for the same configuration. */
export class SandboxedEslint {
  private readonly queues = new Map<string, { running: boolean; waiting: Pending[] }>();
  /** Files queued or being linted, by memo key: a second caller for the same text joins the first. */
  private readonly inFlight = new Map<string, Pending>();
  private readonly remembered = new Lru<string, SandboxLintMessage[]>(maxRemembered);
  /** How many sandbox runs were started (tests, benchmarks). */
  runs = 0;

  constructor(private readonly sandbox: Sandbox) {}

  lint(req: SandboxLintRequest): Promise<SandboxLintMessage[]> {
    const memo = createHash('sha256').update(JSON.stringify([req.root, req.readOnly, req.configPath, req.configVersion, req.eslintPath, req.filePath, req.text])).digest('hex');
    const hit = this.remembered.get(memo);
    if (hit) return Promise.resolve(hit);
    let pending = this.inFlight.get(memo);
    if (pending) pending.waiters.push(req.signal);
    else pending = this.enqueue(req, memo);
    const done = pending.done;
    // A cancelled caller stops waiting at once; the run goes on for the others in its batch.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new AbortError());
      req.signal.addEventListener('abort', onAbort, { once: true });
      done.then(resolve, reject).finally(() => req.signal.removeEventListener('abort', onAbort));
    });
  }

  private enqueue(req: SandboxLintRequest, memo: string): Pending {
    const key = JSON.stringify([req.root, req.readOnly, req.configPath, req.configVersion, req.eslintPath]);
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = { running: false, waiting: [] }));
    const q = queue;
    let resolve!: (m: SandboxLintMessage[]) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<SandboxLintMessage[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const pending: Pending = { req, waiters: [req.signal], done, resolve, reject };
    this.inFlight.set(memo, pending);
    done.then(
      (messages) => {
        this.inFlight.delete(memo);
        this.remembered.set(memo, messages);
      },
      () => this.inFlight.delete(memo),
    );
    q.waiting.push(pending);
    if (!q.running) {
      // Started after the current burst of callers, so files asked for together share the first run.
      q.running = true;
      queueMicrotask(() => void this.drain(key, q));
    }
    return pending;
  }

  private async drain(key: string, q: { running: boolean; waiting: Pending[] }): Promise<void> {
    try {
      while (q.waiting.length) {
        const batch = q.waiting.splice(0, maxBatch).filter((p) => {
          if (!abandoned(p)) return true;
          p.reject(new AbortError());
          return false;
        });
        if (batch.length) await this.runBatch(batch);
      }
    } finally {
      q.running = false;
      this.queues.delete(key);
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const first = batch[0]!.req;
    const marker = newMarker();
    const config: RunnerConfig = { marker, eslint: first.eslintPath, cwd: dirname(first.configPath), files: batch.map((p, id) => ({ id, path: p.req.filePath, text: p.req.text })) };
    // The batch is cancelled only when every file in it is.
    const everyAborted = new AbortController();
    const signals = batch.flatMap((p) => p.waiters);
    const onAbort = () => batch.every(abandoned) && everyAborted.abort();
    for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
    let r: SandboxRunResult;
    try {
      this.runs++;
      r = await asUnavailable('eslint', () =>
        this.sandbox.run({
          interpreter: 'node',
          args: [eslintRunnerFile],
          projectRoot: first.root,
          readOnly: first.readOnly.filter((p) => p !== first.root && !p.startsWith(first.root + sep)),
          files: { [eslintRunnerFile]: eslintRunner, [runnerConfigFile]: JSON.stringify(config) },
          timeoutMs: first.timeoutMs * Math.max(1, Math.ceil(batch.length / 4)),
          signal: everyAborted.signal,
          ...collectResults,
        }),
      );
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    } finally {
      for (const signal of signals) signal.removeEventListener('abort', onAbort);
    }
    settle(batch, r, marker, first.configPath, first.eslintPath);
  }
}

function settle(batch: Pending[], r: SandboxRunResult, marker: string, configPath: string, eslintPath: string): void {
  const events = runnerEvents(r, marker);
  const fatal = events.find((e) => e.t === 'load' || e.t === 'noclass' || e.t === 'config');
  if (fatal) {
    const why = oneLine(str(fatal.msg) ?? '', 300);
    const err =
      fatal.t === 'config'
        ? new ToolUnavailableError('eslint', `ESLint configuration ${configPath} could not be loaded (${why}); lint findings are not reported; fix the configuration`)
        : fatal.t === 'noclass'
          ? new ToolUnavailableError('eslint', `The eslint package at ${eslintPath} has no ESLint class; lint findings are not reported; install ESLint 9 with npm install --save-dev eslint@9`)
          : new ToolUnavailableError('eslint', `ESLint at ${eslintPath} could not be loaded in the sandbox (${why}); lint findings are not reported; reinstall it with npm install --save-dev eslint`);
    for (const p of batch) p.reject(err);
    return;
  }
  const byId = new Map<number, Record<string, unknown>>();
  for (const e of events) {
    const id = int(e.id);
    if ((e.t === 'result' || e.t === 'lint') && id !== undefined && !byId.has(id)) byId.set(id, e);
  }
  batch.forEach((p, id) => {
    const e = byId.get(id);
    if (e?.t === 'result') return p.resolve(messagesOf(e.messages));
    if (e?.t === 'lint') {
      return p.reject(new ToolUnavailableError('eslint', `ESLint failed on ${p.req.filePath} with ${configPath} (${oneLine(str(e.msg) ?? '', 300)}); lint findings are not reported for this file; check the configuration and its plugins`));
    }
    const how = r.limitHit ? `it hit the sandbox's ${r.limitHit} limit` : `it stopped with ${r.signal ? `signal ${r.signal}` : `exit code ${r.exitCode}`}${r.stderr.trim() ? `: ${firstLine(r.stderr.trim())}` : ''}`;
    p.reject(new ToolUnavailableError('eslint', `ESLint did not finish in the sandbox for ${p.req.filePath} (${oneLine(how, 300)}); lint findings are not reported for this file`));
  });
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/** The well-formed messages of an untrusted `messages` field. */
function messagesOf(v: unknown): SandboxLintMessage[] {
  if (!Array.isArray(v)) return [];
  const out: SandboxLintMessage[] = [];
  for (const m of v.slice(0, 5_000)) {
    if (typeof m !== 'object' || m === null) continue;
    const o = m as Record<string, unknown>;
    const message = str(o.message);
    if (message === undefined) continue;
    const ruleId = typeof o.ruleId === 'string' && /^[\w@/.-]{1,200}$/.test(o.ruleId) ? o.ruleId : null;
    const helpUri = typeof o.helpUri === 'string' && /^https?:\/\/\S{1,500}$/.test(o.helpUri) ? o.helpUri : undefined;
    out.push({
      ruleId,
      severity: o.severity === 2 ? 2 : 1,
      message: message.slice(0, 2_000),
      line: num(o.line),
      column: num(o.column),
      endLine: num(o.endLine),
      endColumn: num(o.endColumn),
      fatal: o.fatal === true,
      ...(helpUri ? { helpUri } : {}),
    });
  }
  return out;
}
