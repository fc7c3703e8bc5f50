/**
 * Turning a model's rewrite answer into a candidate document: strip what models add around code
 * (fences, blank lines), put the unit back at its indentation, restore the secrets that were
 * redacted from the prompt, and splice the result over the unit's span.
 */
import type { Redaction, Replacement } from '../model/redact.js';
import type { CodeUnit } from '../syntax/units.js';

/** A candidate the answer could not become, with the reason to show the model next round. */
export class CandidateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CandidateError';
  }
}

const fencePattern = /^\s*```[\w+.#-]*[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```[ \t]*\s*$/;

/** The code inside a Markdown fence when the whole answer is one fenced block. */
export function stripFence(code: string): string {
  const m = fencePattern.exec(code);
  return m ? m[1]! : code;
}

const leading = (line: string) => /^[ \t]*/.exec(line)![0];

/** The indentation of the line the unit starts on (its first line's, as the file has it). */
export function unitIndent(text: string, unit: Pick<CodeUnit, 'startIndex'>): string {
  const lineStart = text.lastIndexOf('\n', unit.startIndex - 1) + 1;
  return leading(text.slice(lineStart, unit.startIndex + 1));
}

function minIndent(lines: readonly string[]): number {
  const widths = lines.filter((l) => l.trim()).map((l) => leading(l).length);
  return widths.length ? Math.min(...widths) : 0;
}

/**
 * Puts the answer at the unit's indentation. The unit's text starts at its first character, so its
 * first line has no indentation and later lines carry the file's. Models answer in three ways: as
 * asked; with every line dedented (a method written as if at top level); or with the first line
 * indented too. The original's shape tells them apart: how far its later lines sit from the base.
 */
export function reindent(code: string, originalUnitText: string, indent: string): string {
  const lines = code.split('\n');
  const firstIndent = leading(lines[0]!);
  lines[0] = lines[0]!.slice(firstIndent.length);
  const rest = lines.slice(1);
  if (rest.every((l) => !l.trim())) return lines.join('\n');
  const shift = (relativeTo: string) =>
    rest.map((l) => {
      if (!l.trim()) return '';
      const ws = leading(l);
      const keep = ws.startsWith(relativeTo) ? ws.slice(relativeTo.length) : ws.slice(Math.min(ws.length, relativeTo.length));
      return `${indent}${keep}${l.slice(ws.length)}`;
    });
  if (firstIndent) return [lines[0], ...shift(firstIndent)].join('\n');
  if (!indent) return lines.join('\n');
  const originalRest = originalUnitText.split('\n').slice(1);
  const offset = Math.max(0, minIndent(originalRest) - indent.length);
  if (minIndent(rest) - offset >= indent.length) return lines.join('\n');
  return [lines[0], ...shift('')].join('\n');
}

/**
 * The answer's code, ready to splice: fences stripped, blank lines around it dropped, at the
 * unit's indentation and with the file's line endings. Throws CandidateError when nothing is left.
 */
export function normaliseAnswer(code: string, originalUnitText: string, indent: string): string {
  let text = stripFence(code.replace(/\r\n/g, '\n'));
  text = text.replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
  if (!text.trim()) throw new CandidateError('the answer had no code');
  text = reindent(text, originalUnitText.replace(/\r\n/g, '\n'), indent);
  if (originalUnitText.includes('\r\n')) text = text.replace(/\n/g, '\r\n');
  // A unit that ended with a line break (rare: most end at their last token) keeps it.
  if (/\r?\n$/.test(originalUnitText) && !/\n$/.test(text)) text += originalUnitText.endsWith('\r\n') ? '\r\n' : '\n';
  return text;
}

const placeholderPattern = /<REDACTED:([A-Za-z0-9_-]+)>/g;

/** The few characters before a position on its line, without indentation: where a secret sits. */
function lineContext(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return text.slice(Math.max(lineStart, at - 24), at).trimStart();
}

/**
 * Puts the secrets that were redacted from the unit back into the answer. Only the unit's own
 * secrets can come back: a placeholder that stands for a secret elsewhere in the file (or in
 * another file) makes the candidate invalid — otherwise a model could ask for any secret Critic
 * knows, have it restored into code that runs, and read it in the next round's output. Each
 * placeholder is matched to one of the unit's secrets of the same kind: the one written after the
 * same text on its line, else the next unused one. A placeholder never reaches the file.
 */
export function restoreSecrets(code: string, original: string, redaction: Redaction, unit: Pick<CodeUnit, 'startIndex' | 'endIndex'>): string {
  if (!code.includes('<REDACTED:')) return code;
  const inUnit = (r: Replacement) => r.start >= unit.startIndex && r.end <= unit.endIndex;
  const pool = redaction.replacements.filter(inUnit);
  const used = new Set<Replacement>();
  const parts: string[] = [];
  let last = 0;
  for (const m of code.matchAll(placeholderPattern)) {
    const kind = m[1]!;
    const at = m.index!;
    const sameKind = pool.filter((r) => r.kind === kind);
    const free = sameKind.filter((r) => !used.has(r));
    const context = lineContext(code, at);
    const pick =
      free.find((r) => context && lineContext(redaction.text, redaction.text.indexOf('<REDACTED:', r.redactedStart)) === context) ??
      free[0] ??
      // A secret used twice (the model repeated it): fine only when every candidate value is the same.
      (sameKind.length && new Set(sameKind.map((r) => original.slice(r.start, r.end))).size === 1 ? sameKind[0] : undefined);
    if (!pick) {
      throw new CandidateError(
        sameKind.length || !redaction.replacements.some((r) => r.kind === kind)
          ? `the answer has a placeholder <REDACTED:${kind}> that does not stand for one secret of the unit`
          : `the answer uses <REDACTED:${kind}>, a secret from outside the unit; a rewrite may only keep the secrets the unit already has`,
      );
    }
    used.add(pick);
    // The redacted form may be more than the placeholder (a private key keeps its line breaks).
    const form = redaction.text.slice(pick.redactedStart, pick.redactedEnd);
    const inForm = form.indexOf(m[0]);
    const start = at - inForm;
    if (inForm < 0 || start < last || code.slice(start, start + form.length) !== form) {
      throw new CandidateError(`the answer changed the text around the placeholder <REDACTED:${kind}>, so the secret cannot be put back`);
    }
    parts.push(code.slice(last, start), original.slice(pick.start, pick.end));
    last = start + form.length;
  }
  parts.push(code.slice(last));
  const restored = parts.join('');
  if (restored.includes('<REDACTED:')) throw new CandidateError('the answer has a placeholder for a secret that cannot be put back');
  return restored;
}

/** The document with the unit's span replaced; also where the new unit text lies in it. */
export function splice(text: string, unit: Pick<CodeUnit, 'startIndex' | 'endIndex'>, code: string): { text: string; start: number; end: number } {
  return { text: `${text.slice(0, unit.startIndex)}${code}${text.slice(unit.endIndex)}`, start: unit.startIndex, end: unit.startIndex + code.length };
}

const pythonImport =
  /^(?:import [A-Za-z_][\w.]*(?: as [A-Za-z_]\w*)?(?:, *[A-Za-z_][\w.]*(?: as [A-Za-z_]\w*)?)*|from [A-Za-z_][\w.]* import [A-Za-z_]\w*(?: as [A-Za-z_]\w*)?(?:, *[A-Za-z_]\w*(?: as [A-Za-z_]\w*)?)*)[ \t]*$/;
const jsImport = /^import (?:type )?(?:[A-Za-z_$][\w$]*|\{[\w$\s,]*\}|\* as [A-Za-z_$][\w$]*)(?:, *(?:\{[\w$\s,]*\}|\* as [A-Za-z_$][\w$]*))? from (['"])[^'"\s]+\1;?[ \t]*$/;

/** A plain import statement on one line: absolute `import a`/`from a import b`, or a JS `import … from '…'`. */
export function isPlainImport(line: string, language: string): boolean {
  return (language === 'python' ? pythonImport : jsImport).test(line.trim());
}

/**
 * The plain import lines a model put above the unit in its answer (fences stripped), and the rest.
 * Only whole leading lines count; anything else before the unit stays and is refused by the shape check.
 */
export function peelImports(answer: string, language: string): { imports: string[]; rest: string } {
  const lines = stripFence(answer.replace(/\r\n/g, '\n')).split('\n');
  const imports: string[] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    if (!isPlainImport(line, language)) break;
    imports.push(line.trim());
  }
  return imports.length ? { imports, rest: lines.slice(i).join('\n') } : { imports, rest: answer };
}

/**
 * Where new imports go: after the module's last top-level import line above `before` (its import
 * block), else after the leading comments, shebang and docstring. Returns the offset and the text
 * to insert for `imports` (those not already in the file), or undefined when none are new.
 */
export function importInsertion(text: string, imports: readonly string[], language: string, before: number): { at: number; insert: string; added: string[] } | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.slice(0, before).split('\n');
  const existing = new Set(text.split('\n').map((l) => l.trim()));
  const added = [...new Set(imports)].filter((l) => !existing.has(l));
  if (!added.length) return undefined;
  let offset = 0;
  let afterImports = -1;
  let afterHeader = 0;
  let inHeader = true;
  for (const line of lines) {
    const end = offset + line.length + 1;
    if (end > before) break;
    const t = line.trim();
    if (/^(?:import\b|from \S+ import\b)/.test(line) && !t.endsWith('(') && !t.endsWith('\\')) afterImports = end;
    if (inHeader && (t === '' || t.startsWith('#') || t.startsWith('//') || /^(["'])use strict\1;?$/.test(t))) afterHeader = end;
    else inHeader = false;
    offset = end;
  }
  let at = afterImports >= 0 ? afterImports : afterHeader;
  // A Python module docstring stays first: new imports go after it.
  const doc = afterImports < 0 && language === 'python' ? /^[ \t]*[rRuU]?("""|''')[\s\S]*?\1[ \t]*\r?\n/.exec(text.slice(at)) : null;
  if (doc && at + doc[0].length <= before) at += doc[0].length;
  const block = added.join(eol) + eol;
  return { at, insert: afterImports >= 0 ? block : `${block}${eol}`, added };
}
