/**
 * `critic.rewrite` and `critic.previewRewrite`: the expensive half of the Rewrite code action.
 * It rewrites the finding's unit with the project's model, verifies it with the same tools, and —
 * only when verified and the document is still at the version the finding was shown for — returns
 * (preview) or applies (`workspace/applyEdit`) a WorkspaceEdit with that version in a
 * VersionedTextDocumentIdentifier, so a client refuses it if the buffer moved on meanwhile.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { isAbortError } from '../engine/abort.js';
import type { Critic } from '../engine/critic.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { UnitNotFoundError } from '../engine/rewrite/rewrite.js';
import { probeSource } from '../engine/critique/probes.js';
import type { DocumentState } from './documentState.js';
import type { RewriteArgs, RewriteCommandResult } from './protocol.js';

/** The smallest single edit turning `doc`'s text into `newText` (common prefix and suffix kept). */
export function minimalEdit(doc: TextDocument, newText: string): TextEdit {
  const old = doc.getText();
  let start = 0;
  while (start < old.length && start < newText.length && old[start] === newText[start]) start++;
  let end = 0;
  while (end < old.length - start && end < newText.length - start && old[old.length - 1 - end] === newText[newText.length - 1 - end]) end++;
  return { range: { start: doc.positionAt(start), end: doc.positionAt(old.length - end) }, newText: newText.slice(start, newText.length - end) };
}

export function parseRewriteArgs(raw: unknown): RewriteArgs | string {
  const a = (Array.isArray(raw) ? raw[0] : raw) as Partial<RewriteArgs> | undefined;
  if (!a || typeof a !== 'object' || typeof a.uri !== 'string' || typeof a.version !== 'number') return 'expected one argument { uri, version, fingerprint | unit }';
  if (typeof a.fingerprint !== 'string' && typeof a.unit !== 'string') return 'expected a fingerprint or a unit name';
  return a as RewriteArgs;
}

export interface RewriteContext {
  args: RewriteArgs;
  /** The document now (undefined when closed). */
  current: () => TextDocument | undefined;
  state: DocumentState | undefined;
  source: SourceDocument;
  critic: Critic;
  signal: AbortSignal;
  progress: (message: string) => void;
}

/** Runs the rewrite; never throws for an expected outcome (stale, cancelled, no model). */
export async function runRewrite(c: RewriteContext): Promise<RewriteCommandResult> {
  const { args } = c;
  const doc = c.current();
  if (!doc || doc.version !== args.version) return { status: 'stale', summary: 'The document changed since this finding was shown; critique it again, then rewrite.' };
  if (!c.critic.canRewrite) return { status: 'failed', summary: 'Rewriting needs a critic model, and none is configured: set critic.model.provider and critic.model.name.' };
  const finding = args.fingerprint ? c.state?.finding(args.fingerprint) : undefined;
  const unitName = args.unit ?? finding?.unit;
  if (!unitName) return { status: 'stale', summary: 'That finding is not current any more; critique the document again, then rewrite.' };
  try {
    // Model findings, and what probes found (a crash is executed, but only a probe re-run can check it).
    const checked = c.state?.checked;
    const modelFindings = checked?.findings.filter((f) => (f.tier === 'model' || f.source === probeSource) && f.unit === unitName) ?? [];
    const r = await c.critic.rewrite({
      doc: c.source,
      unitName,
      signal: c.signal,
      findings: modelFindings,
      probes: checked?.probes ?? [],
      onRound: (round) => c.progress(`round ${round.round}: ${round.outcome === 'verified' ? 'verified' : round.summary}`),
    });
    const status = r.status === 'no-model-answer' ? 'failed' : r.status;
    const result: RewriteCommandResult = { status, unit: unitName, summary: r.summary, ...(r.diff ? { diff: r.diff } : {}) };
    const now = c.current();
    if (status === 'verified' && r.newText !== undefined) {
      if (!now || now.version !== args.version) return { ...result, status: 'stale', summary: `${r.summary} — but the document changed meanwhile, so nothing was applied.` };
      const edit: WorkspaceEdit = { documentChanges: [{ textDocument: { uri: args.uri, version: args.version }, edits: [minimalEdit(now, r.newText)] }] };
      result.edit = edit;
    }
    return result;
  } catch (err) {
    if (isAbortError(err) || c.signal.aborted) return { status: 'cancelled', summary: 'Rewrite cancelled; nothing changed.' };
    if (err instanceof UnitNotFoundError) return { status: 'stale', summary: err.message };
    throw err;
  }
}
