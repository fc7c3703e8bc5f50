/**
 * Code actions are lookups only: nothing here calls a model or runs a tool. For each Critic
 * diagnostic in the request: Rewrite (verified) and Preview rewrite as commands (the work runs in
 * `workspace/executeCommand`), when the project has a model and the finding is in a named unit;
 * Ignore as a direct edit (a `critic-ignore-next-line <rule>` comment above the line).
 */
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { LanguageId } from '../engine/languages.js';
import { canSuppressInline, suppressionEdit } from '../engine/suppressionEdit.js';
import { moduleUnitName } from '../engine/syntax/units.js';
import type { DiagnosticData } from './diagnostics.js';
import { commands, type RewriteArgs } from './protocol.js';

export interface CodeActionInput {
  uri: string;
  version: number;
  language: LanguageId;
  lines: readonly string[];
  diagnostics: readonly Diagnostic[];
  canRewrite: boolean;
}

export function codeActionsFor(input: CodeActionInput): CodeAction[] {
  const actions: CodeAction[] = [];
  const rewritten = new Set<string>();
  for (const d of input.diagnostics) {
    if (d.source !== 'critic' || typeof d.code !== 'string') continue;
    const data = d.data as DiagnosticData | undefined;
    if (!data?.fingerprint) continue;
    if (input.canRewrite && data.unit !== moduleUnitName && !rewritten.has(data.unit)) {
      rewritten.add(data.unit);
      const args: RewriteArgs = { uri: input.uri, version: input.version, fingerprint: data.fingerprint };
      actions.push(
        { title: `Rewrite ${data.unit} with Critic (verified)`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Rewrite with Critic', command: commands.rewrite, arguments: [args] } },
        { title: `Preview Critic rewrite of ${data.unit}`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Preview rewrite', command: commands.previewRewrite, arguments: [args] } },
      );
    }
    const line = d.range.start.line;
    if (!canSuppressInline(input.lines[line] ?? '')) continue;
    const e = suppressionEdit(input.lines, line, input.language, d.code);
    const eol = '\n';
    const edit =
      e.kind === 'insert'
        ? { range: { start: { line: e.line, character: 0 }, end: { line: e.line, character: 0 } }, newText: `${e.text}${eol}` }
        : { range: { start: { line: e.line, character: 0 }, end: { line: e.line, character: (input.lines[e.line] ?? '').replace(/\r$/, '').length } }, newText: e.text };
    actions.push({
      title: `Ignore ${d.code} on this line (critic-ignore comment)`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: { documentChanges: [{ textDocument: { uri: input.uri, version: input.version }, edits: [edit] }] },
    });
  }
  return actions;
}
