/**
 * The requests of a client that decides itself when to critique and sends the text (protocol.ts
 * `clientRequests`): the VS Code client keeps its `critic.autoCheck` policy, its Source Control
 * commands (the staged blob is not the buffer) and its rewrite preview, while TypeScript, ruff,
 * tree-sitter, the sandbox and the model client stay in this process.
 */
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ignore from 'ignore';
import type { CancellationToken, Connection } from 'vscode-languageserver';
import { isAbortError } from '../engine/abort.js';
import type { Critic } from '../engine/critic.js';
import { probeSource } from '../engine/critique/probes.js';
import type { EvidenceRecord, SourceDocument } from '../engine/evidence/tool.js';
import type { Finding } from '../engine/findings.js';
import { languageOfDocument, type LanguageId } from '../engine/languages.js';
import type { CheckResult } from '../engine/pipeline.js';
import { UnitNotFoundError } from '../engine/rewrite/rewrite.js';
import { uncommittedChange, type Projects } from './projects.js';
import {
  clientRequests,
  dropNotification,
  partialNotification,
  phaseNotification,
  progressNotification,
  type CheckParams,
  type CheckReply,
  type EngineInfo,
  type PartialParams,
  type PhaseParams,
  type TextParams,
  type TextRewriteParams,
  type TextRewriteReply,
} from './protocol.js';

export interface ClientRequestDeps {
  projects: () => Projects;
  /** The project root of a file (nearest .critic.json, git root, workspace folder). */
  rootOf(path: string): string;
  trusted: () => boolean;
  /** Rule-id prefixes the client does not show (initializationOptions.omitDiagnostics). */
  omitted(rule: string): boolean;
  toSignal(token: CancellationToken): AbortSignal;
}

function sourceOf(p: TextParams, root: string): SourceDocument | string {
  if (typeof p?.uri !== 'string' || !p.uri.startsWith('file:') || typeof p.text !== 'string' || typeof p.version !== 'number') return 'expected { uri (file:), languageId, version, text }';
  const path = fileURLToPath(p.uri);
  const language: LanguageId | undefined = languageOfDocument(p.languageId, path);
  if (!language) return `${path}: not a Python, JavaScript or TypeScript file`;
  return { path, text: p.text, language, projectRoot: root, version: p.version };
}

export function engineInfo(root: string, critic: Critic, trusted: boolean): EngineInfo {
  return { root, isolation: critic.isolation, isolationReason: critic.isolationReason, trusted, models: [...critic.modelIds], canRewrite: critic.canRewrite };
}

export function registerClientRequests(connection: Connection, deps: ClientRequestDeps): void {
  const visible = (findings: Finding[]) => findings.filter((f) => !deps.omitted(f.rule));
  // The probes the last critique of each document ran, with the text they ran on: a rewrite of
  // that same text re-runs them on its candidates (so a probe's finding can be verified fixed).
  const probesOf = new Map<string, { text: string; probes: EvidenceRecord[] }>();
  const reply = (r: CheckResult, engine: EngineInfo): CheckReply => ({
    file: r.file,
    findings: visible(r.findings),
    units: r.units,
    suppressed: r.suppressed,
    timings: r.timings,
    notices: r.notices.map((n) => ({ tool: n.tool, message: n.message })),
    engine,
    ...(r.execution ? { execution: r.execution } : {}),
  });

  connection.onRequest(clientRequests.check, async (p: CheckParams, token: CancellationToken): Promise<CheckReply> => {
    const path = typeof p?.uri === 'string' && p.uri.startsWith('file:') ? fileURLToPath(p.uri) : '';
    const root = deps.rootOf(path);
    const source = sourceOf(p, root);
    if (typeof source === 'string') throw new Error(source);
    const signal = deps.toSignal(token);
    const cancelled: CheckReply = { cancelled: true, file: path, findings: [], units: [], suppressed: 0, timings: {}, notices: [] };
    try {
      return await deps.projects().use(root, async ({ settings, critic }) => {
        const engine = engineInfo(root, critic, deps.trusted());
        const rel = relative(root, path).split(sep).join('/');
        if (settings.config.ignore.length && !rel.startsWith('..') && ignore().add(settings.config.ignore).ignores(rel)) {
          return { file: path, findings: [], units: [], suppressed: 0, timings: {}, notices: [{ tool: 'ignore', message: `${rel} matches an ignore pattern; not critiqued` }], engine };
        }
        // A diff-mode check knows its change; an ordinary one is about the buffer's uncommitted lines.
        const change = p.changedLines ? {} : await uncommittedChange(settings.config, path, source.text);
        const r = await critic.check(source, {
          signal,
          changedLines: p.changedLines,
          ...change,
          model: p.model,
          diffHunk: p.diffHunk,
          onPhase: (phase) => {
            if (!signal.aborted) void connection.sendNotification(phaseNotification, { token: p.token, phase } satisfies PhaseParams);
          },
          onProgress: (partial) => {
            if (signal.aborted) return;
            const params: PartialParams = { token: p.token, findings: visible(partial.findings), timings: partial.timings };
            void connection.sendNotification(partialNotification, params);
          },
        });
        if (signal.aborted) return cancelled;
        const probes = r.records.filter((x) => x.kind === 'probe');
        if (probes.length || probesOf.get(p.uri)?.text !== source.text) probesOf.set(p.uri, { text: source.text, probes });
        return reply(r, engine);
      });
    } catch (err) {
      if (isAbortError(err) || signal.aborted) return cancelled;
      throw err;
    }
  });

  connection.onRequest(clientRequests.units, async (p: TextParams, token: CancellationToken) => {
    const path = typeof p?.uri === 'string' && p.uri.startsWith('file:') ? fileURLToPath(p.uri) : '';
    const root = deps.rootOf(path);
    const source = sourceOf(p, root);
    if (typeof source === 'string') throw new Error(source);
    return deps.projects().use(root, ({ critic }) => critic.units(source, deps.toSignal(token)));
  });

  connection.onRequest(clientRequests.rewrite, async (p: TextRewriteParams, token: CancellationToken): Promise<TextRewriteReply> => {
    const path = typeof p?.uri === 'string' && p.uri.startsWith('file:') ? fileURLToPath(p.uri) : '';
    const root = deps.rootOf(path);
    const source = sourceOf(p, root);
    if (typeof source === 'string') return { status: 'failed', summary: source };
    if (typeof p.unit !== 'string' || !p.unit) return { status: 'failed', summary: 'expected the name of the unit to rewrite' };
    const signal = deps.toSignal(token);
    // Model findings, and what probes found (a probe's crash is executed, but only its re-run checks it).
    const findings = (Array.isArray(p.findings) ? (p.findings as Finding[]) : []).filter((f) => f && (f.tier === 'model' || f.source === probeSource));
    const known = probesOf.get(p.uri);
    const probes = known?.text === source.text ? known.probes : [];
    try {
      return await deps.projects().use(root, async ({ critic }) => {
        if (!critic.canRewrite) return { status: 'failed', summary: 'Rewriting needs a critic model, and none is configured: run "Critic: Select Model" to choose one (tool findings keep working without it).' };
        const r = await critic.rewrite({
          doc: source,
          unitName: p.unit,
          signal,
          findings,
          probes,
          onRound: (round) => void connection.sendNotification(progressNotification, { token: p.token ?? '', message: `round ${round.round}: ${round.outcome === 'verified' ? 'verified' : round.summary}` }),
        });
        return { status: r.status === 'no-model-answer' ? 'failed' : r.status, summary: r.summary, ...(r.newText !== undefined ? { newText: r.newText } : {}), ...(r.diff ? { diff: r.diff } : {}) };
      });
    } catch (err) {
      if (isAbortError(err) || signal.aborted) return { status: 'cancelled', summary: 'Rewrite cancelled; nothing changed.' };
      if (err instanceof UnitNotFoundError) return { status: 'failed', summary: err.message };
      throw err;
    }
  });

  connection.onNotification(dropNotification, (p: { uri?: string }) => {
    if (typeof p?.uri !== 'string' || !p.uri.startsWith('file:')) return;
    const path = fileURLToPath(p.uri);
    probesOf.delete(p.uri);
    void deps.projects().peek(deps.rootOf(path)).then((c) => c?.drop(path));
  });
}
