/** Rendering results for people (text) and machines (json, sarif). */
import { relative } from 'node:path';
import { summarise, type Finding, type Level } from '../engine/findings.js';
import { toSarif } from '../engine/sarif.js';
import type { ToolNotice } from '../engine/pipeline.js';
import { describeExecution, failedCount, type ExecutionSummary } from '../engine/executionSummary.js';

/** The summary as JSON shows it: counts, not the ids that made them. */
const withoutTestIds = ({ testIds: _ids, ...rest }: ExecutionSummary) => rest;
import { plural } from '../engine/text.js';
import { jsonSafe, quotedPath, visible } from './terminalText.js';

export interface Report {
  findings: Finding[];
  filesChecked: number;
  root: string;
  cwd: string;
  durationMs: number;
  notices: ToolNotice[];
  version: string;
  /** What was executed over all files (absent: not known, e.g. `critic fix`). */
  execution?: ExecutionSummary;
  /** Why nothing could be executed at all (`execution is off`, no sandbox); absent when it could. */
  executionOff?: string;
}

const ansi = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', green: '\x1b[32m' };

function painter(color: boolean) {
  return (code: keyof typeof ansi, s: string) => (color ? `${ansi[code]}${s}${ansi.reset}` : s);
}

const levelColor: Record<Level, keyof typeof ansi> = { error: 'red', warning: 'yellow', note: 'cyan' };

/** A path relative to `cwd` when inside it (as typed by users), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Compiler-style lines, `file:line:col: level rule message`, then a one-line summary. */
export function formatText(r: Report, opts: { color: boolean; quiet: boolean }): string {
  const paint = painter(opts.color);
  const lines: string[] = [];
  for (const f of r.findings) {
    if (opts.quiet && f.level !== 'error') continue;
    // Everything but the numbers comes from the code, its output, file names or the model.
    const where = `${quotedPath(displayPath(f.file, r.cwd))}:${f.range.start.line + 1}:${f.range.start.character + 1}`;
    const [first, ...rest] = visible(f.message).split('\n');
    const one = (s: string) => visible(s, { singleLine: true });
    const also = f.alsoReportedBy?.length ? `, also ${f.alsoReportedBy.map(one).join(', ')}` : '';
    lines.push(`${paint('bold', where)}: ${paint(levelColor[f.level], f.level)} ${paint('dim', one(f.rule))} ${first} ${paint('dim', `[${one(f.unit)} · ${f.tier}${also}]`)}`);
    for (const more of rest) lines.push(`    ${more}`);
    for (const rel of f.related) {
      lines.push(`    ${paint('dim', `${quotedPath(displayPath(rel.file, r.cwd))}:${rel.range.start.line + 1}:${rel.range.start.character + 1}:`)} ${one(rel.message)}`);
    }
  }
  if (opts.quiet) return lines.length ? `${lines.join('\n')}\n` : '';
  const s = summarise(r.findings, r.filesChecked);
  const withFindings = new Set(r.findings.map((f) => f.file)).size;
  const seconds = `${(r.durationMs / 1000).toFixed(1)} s`;
  const counts = [s.error && paint('red', plural(s.error, 'error')), s.warning && paint('yellow', plural(s.warning, 'warning')), s.note && paint('cyan', plural(s.note, 'note'))].filter(Boolean);
  if (lines.length) lines.push('');
  lines.push(
    counts.length
      ? `${paint(s.error ? 'red' : 'yellow', '✖')} ${counts.join(', ')} in ${withFindings} of ${plural(r.filesChecked, 'file')}${r.execution ? ` — ${describeExecution(r.execution, r.executionOff)}` : ''} (${seconds})`
      : r.execution && failedCount(r.execution)
        ? // Evidence failed, but on no line checked here (a test that reaches these files only
          // through another module, a failure outside the diff): never a green tick.
          `${paint('yellow', '!')} no findings in ${plural(r.filesChecked, 'file')}, but ${describeExecution(r.execution, r.executionOff)}: the failures point at no line checked here (${seconds})`
        : `${paint('green', '✔')} no findings in ${plural(r.filesChecked, 'file')}${r.execution && r.filesChecked ? ` — ${describeExecution(r.execution, r.executionOff)}` : ''} (${seconds})`,
  );
  return `${lines.join('\n')}\n`;
}

/** One JSON document; positions are 1-based like the text output. */
export function formatJson(r: Report): string {
  const s = summarise(r.findings, r.filesChecked);
  return jsonSafe(`${JSON.stringify(
    {
      version: r.version,
      summary: { errors: s.error, warnings: s.warning, notes: s.note, filesChecked: r.filesChecked, durationMs: Math.round(r.durationMs), ...(r.execution ? { execution: { ...withoutTestIds(r.execution), ...(r.executionOff ? { off: r.executionOff } : {}) } } : {}) },
      notices: r.notices,
      findings: r.findings.map((f) => ({
        file: displayPath(f.file, r.cwd),
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        level: f.level,
        rule: f.rule,
        message: f.message,
        unit: f.unit,
        tier: f.tier,
        confidence: f.confidence,
        source: f.source,
        fingerprint: f.fingerprint,
        ...(f.alsoReportedBy?.length ? { alsoReportedBy: f.alsoReportedBy } : {}),
        related: f.related.map((rel) => ({ file: displayPath(rel.file, r.cwd), line: rel.range.start.line + 1, column: rel.range.start.character + 1, message: rel.message })),
      })),
    },
    null,
    2,
  )}\n`);
}

export function formatSarif(r: Report): string {
  return jsonSafe(`${JSON.stringify(toSarif(r.findings, { root: r.root, version: r.version, notifications: r.notices }), null, 2)}\n`);
}
