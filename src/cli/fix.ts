/**
 * `critic fix <file> [--line N | --unit NAME] [--apply]`: rewrite one unit with the critic model,
 * verify the rewrite with the same tools, print the diff and the verification, and — with
 * `--apply` — write it, only when verified, atomically, and only if the file did not change
 * meanwhile. Exit codes: 0 verified (and written when asked); 1 not verified or refused (nothing
 * written); 2 usage, configuration or model error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { isAbortError } from '../engine/abort.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { compareLevel, type Finding } from '../engine/findings.js';
import { languageOfPath, supportedExtensions } from '../engine/languages.js';
import { ModelError } from '../engine/model/errors.js';
import type { Critic } from '../engine/critic.js';
import type { CheckResult } from '../engine/pipeline.js';
import { UnitNotFoundError, type RewriteResult, type RoundReport } from '../engine/rewrite/rewrite.js';
import { moduleUnitName, type CodeUnit } from '../engine/syntax/units.js';
import { displayPath } from './output.js';
import { findProjectRoot } from '../engine/project.js';
import { guardedWriter, jsonSafe, quotedPath, visible } from './terminalText.js';
import { decodeExactly, encodeSource, SourceEncodingError } from './sourceEncoding.js';

export interface FixOptions {
  /** The file to fix, as the user wrote it (relative to `io.cwd`). */
  file: string;
  /** 1-based line: the innermost function, method or class around it. */
  line?: number;
  /** Qualified unit name (`Cart.total`), or its last segment when that is unique. */
  unit?: string;
  apply: boolean;
  /** With `apply`: also write a rewrite that adds imports to the module (the diff shows them). */
  allowImports?: boolean;
  format: 'text' | 'json' | 'sarif';
  /** Stack traces for unexpected errors. */
  verbose?: boolean;
  /** Default 3. */
  maxRounds?: number;
}

export interface FixIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  isTTY: boolean;
}

export interface FixDeps {
  /** The façade; without a model (`canRewrite` false) `fix` says how to configure one. */
  critic: Critic;
  io: FixIo;
  color: boolean;
  /** The project root (where `.critic.json` is); default: found from the file's folder. */
  projectRoot?: string;
  signal?: AbortSignal;
}

/** The one line printed when no model is configured. */
export function noModelMessage(file: string): string {
  return (
    'critic: "critic fix" needs a critic model: set OPENAI_BASE_URL and CRITIC_MODEL (and OPENAI_API_KEY if the server needs one) or pass --base-url and --model, ' +
    `e.g. with Ollama: OPENAI_BASE_URL=http://localhost:11434/v1 CRITIC_MODEL=qwen2.5-coder:7b critic fix ${file} --line 12\n`
  );
}

/** A problem the user fixes by changing the command line (exit code 2). */
class FixUsageError extends Error {}

const tierRank = { executed: 3, tool: 2, model: 1 } as const;

/** The units a user can ask for by name or line: everything but the module. */
function namedUnits(units: readonly CodeUnit[]): CodeUnit[] {
  return units.filter((u) => u.name !== moduleUnitName);
}

/** `--unit`: the qualified name, else the last segment when exactly one unit has it. */
export function unitByName(units: readonly CodeUnit[], name: string, file: string): CodeUnit {
  const named = namedUnits(units);
  const exact = named.find((u) => u.name === name);
  if (exact) return exact;
  const bySegment = named.filter((u) => u.name.slice(u.name.lastIndexOf('.') + 1) === name);
  if (bySegment.length === 1) return bySegment[0]!;
  if (bySegment.length > 1) throw new FixUsageError(`--unit ${name} is ambiguous in ${file}: ${bySegment.map((u) => u.name).join(', ')}; pass the qualified name`);
  const known = named.map((u) => u.name);
  throw new FixUsageError(`${file} has no function, method or class named ${name}${known.length ? ` (it has ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : ''}`);
}

/** `--line`: the innermost function, method or class whose lines include the 1-based line. */
export function unitAtLine(units: readonly CodeUnit[], line: number, file: string): CodeUnit {
  const l = line - 1;
  const around = namedUnits(units).filter((u) => u.range.start.line <= l && l <= u.range.end.line);
  if (!around.length) throw new FixUsageError(`line ${line} of ${file} is not inside a function, method or class`);
  return around.reduce((a, b) => (b.startIndex >= a.startIndex && b.endIndex <= a.endIndex ? b : a));
}

/** No target given: the unit of the most severe finding (strongest evidence first, then the first in the file). */
export function unitToFix(result: CheckResult): string | undefined {
  const candidates = result.findings.filter((f) => f.unit !== moduleUnitName && result.units.some((u) => u.name === f.unit));
  const worst = candidates.reduce<Finding | undefined>((a, b) => {
    if (!a) return b;
    const byLevel = compareLevel(b.level, a.level) || tierRank[b.tier] - tierRank[a.tier];
    return byLevel > 0 ? b : a;
  }, undefined);
  return worst?.unit;
}

const ansi = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m' } as const;

function colourDiff(diff: string, color: boolean): string {
  if (!color) return diff;
  const paint = (code: keyof typeof ansi, s: string) => `${ansi[code]}${s}${ansi.reset}`;
  return diff
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return paint('bold', l);
      if (l.startsWith('@@')) return paint('cyan', l);
      if (l.startsWith('+')) return paint('green', l);
      if (l.startsWith('-')) return paint('red', l);
      if (l.startsWith('\\')) return paint('dim', l);
      return l;
    })
    .join('\n');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Replaces the file with `text` through a temporary file in the same folder and a rename (no reader
 * ever sees half a file), keeping its mode; refuses when the content on disk no longer hashes to
 * `readHash` (edited since it was read), checked right before the rename.
 */
export async function writeIfUnchanged(path: string, text: string | Buffer, readHash: string): Promise<'written' | 'changed'> {
  // Through a symlink, replace the file it points at, not the link.
  const target = await realpath(path);
  const mode = (await stat(target)).mode & 0o7777;
  const tmp = join(dirname(target), `.${basename(target)}.critic-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, text, { flag: 'wx', mode });
  try {
    // The creation mode is filtered by the umask; the file's own mode is what it must keep.
    await chmod(tmp, mode);
    if (sha256(await readFile(target)) !== readHash) {
      await rm(tmp, { force: true });
      return 'changed';
    }
    await rename(tmp, target);
    return 'written';
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function roundLine(r: RoundReport): string {
  const what = r.outcome === 'verified' ? 'verified' : r.outcome === 'invalid' ? 'unusable answer' : 'not verified';
  const why = r.reasons[0] ? `: ${visible(r.reasons[0], { singleLine: true })}${r.reasons.length > 1 ? ` (and ${r.reasons.length - 1} more)` : ''}` : '';
  return `critic: round ${r.round}: ${what}${why}\n`;
}

/** Runs `critic fix`; returns the exit code. Never throws. */
export async function runFix(opts: FixOptions, deps: FixDeps): Promise<number> {
  // Reasons, summaries and the diff quote the code, its output and the model: nothing raw reaches the terminal.
  const io: FixIo = { ...deps.io, stdout: guardedWriter(deps.io.stdout), stderr: guardedWriter(deps.io.stderr) };
  if (!deps.critic.canRewrite) {
    io.stderr(noModelMessage(opts.file));
    return 2;
  }
  if (opts.format === 'sarif') {
    io.stderr('critic: "critic fix" prints text or json, not sarif\n');
    return 2;
  }
  const json = opts.format === 'json';
  const path = resolve(io.cwd, opts.file);
  const shown = quotedPath(displayPath(path, io.cwd));
  try {
    const language = languageOfPath(path);
    if (!language) throw new FixUsageError(`cannot fix ${shown}: Critic reads ${supportedExtensions.join(' ')} files`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new FixUsageError(`cannot read ${shown}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    const readHash = sha256(bytes);
    // Refused before anything runs when the bytes could not be written back exactly (sourceEncoding.ts).
    const source = decodeExactly(bytes, language, shown);
    const encodable = (text: string) => {
      try {
        encodeSource(text, source, shown);
        return undefined;
      } catch (err) {
        if (err instanceof SourceEncodingError) return err.message;
        throw err;
      }
    };
    const doc: SourceDocument = { path, text: source.text, language, projectRoot: deps.projectRoot ?? findProjectRoot(dirname(path)).root };
    const baseline = await deps.critic.check(doc, { model: false, signal: deps.signal });
    if (opts.line !== undefined && opts.line > doc.text.split('\n').length) throw new FixUsageError(`${shown} has only ${doc.text.split('\n').length} lines, so there is no line ${opts.line}`);
    const unitName =
      opts.unit !== undefined ? unitByName(baseline.units, opts.unit, shown).name : opts.line !== undefined ? unitAtLine(baseline.units, opts.line, shown).name : unitToFix(baseline);
    if (!unitName) return nothingToFix(opts, io, `nothing to fix in ${shown}: no function, method or class has a finding`);

    // Imports may be proposed: they are shown in the diff, and --apply writes them only with --allow-imports.
    const result = await deps.critic.rewrite({ doc, unitName, baseline, allowImports: true, signal: deps.signal, maxRounds: opts.maxRounds, onRound: json ? undefined : (r) => io.stderr(roundLine(r)) });
    if (result.status === 'nothing-to-fix') return nothingToFix(opts, io, `nothing to fix in ${unitName} (${shown}): it has no findings`, result);

    let applied = false;
    let refused: string | undefined;
    if (opts.apply && result.status === 'verified' && result.newText !== undefined) {
      refused = (await outsideProject(path, doc.projectRoot, shown)) ?? encodable(result.newText);
      if (!refused && result.addedImports?.length && !opts.allowImports) {
        refused = `the rewrite also adds ${result.addedImports.map((l) => `"${l}"`).join(', ')} to the module's imports; nothing written — review the diff and run again with --allow-imports to apply it`;
      }
      if (!refused) {
        const outcome = await writeIfUnchanged(path, encodeSource(result.newText, source, shown), readHash);
        if (outcome === 'written') applied = true;
        else refused = `${shown} changed on disk while the rewrite was being verified; nothing written — run critic fix again`;
      }
    }
    if (json) io.stdout(jsonSafe(`${JSON.stringify(jsonReport(result, applied), null, 2)}\n`));
    else io.stdout(textReport(result, { color: deps.color, applied, shown }));
    if (refused) {
      io.stderr(`critic: ${refused}\n`);
      return 1;
    }
    return result.status === 'verified' ? 0 : 1;
  } catch (err) {
    if (err instanceof FixUsageError || err instanceof UnitNotFoundError || err instanceof ModelError || err instanceof SourceEncodingError) {
      io.stderr(`critic: ${err.message}\n`);
      return 2;
    }
    if (isAbortError(err)) {
      io.stderr('critic: cancelled; nothing written\n');
      return 2;
    }
    io.stderr(`critic: internal error: ${(err as Error).message}${opts.verbose ? `\n${(err as Error).stack}` : ' (run with --verbose for details)'}\n`);
    return 2;
  }
}

/** Why the file may not be written: a symlink (at any level) that leads out of the project; else undefined. */
async function outsideProject(path: string, projectRoot: string, shown: string): Promise<string | undefined> {
  const [real, root] = await Promise.all([realpath(path), realpath(projectRoot).catch(() => projectRoot)]);
  const rel = relative(root, real);
  if (rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep)) return undefined;
  return `${shown} leads to ${quotedPath(real)}, outside the project ${quotedPath(root)}; nothing written — Critic writes only files inside the project`;
}

function nothingToFix(opts: FixOptions, io: FixIo, message: string, result?: RewriteResult): number {
  if (opts.format === 'json') io.stdout(`${JSON.stringify({ status: 'nothing-to-fix', unit: result?.unitName ?? null, rounds: [], summary: message, diff: null, applied: false }, null, 2)}\n`);
  else io.stdout(`${message}\n`);
  return 0;
}

function jsonReport(r: RewriteResult, applied: boolean): object {
  return { status: r.status, unit: r.unitName, rounds: r.rounds, summary: r.summary, diff: r.diff ?? null, addedImports: r.addedImports ?? [], applied };
}

function textReport(r: RewriteResult, o: { color: boolean; applied: boolean; shown: string }): string {
  const parts: string[] = [];
  // Made inert before colouring: an ESC in the diff could otherwise erase or rewrite the lines around it.
  if (r.diff) parts.push(colourDiff(visible(r.diff), o.color).replace(/\n$/, ''), '');
  parts.push(visible(r.summary));
  if (r.addedImports?.length) parts.push(`adds to the module's imports (a separate change, applied only with --allow-imports): ${visible(r.addedImports.join('; '), { singleLine: true })}`);
  const paint = (code: keyof typeof ansi, s: string) => (o.color ? `${ansi[code]}${s}${ansi.reset}` : s);
  if (r.status === 'verified') parts.push(paint('green', o.applied ? `verified — written to ${o.shown}` : 'verified'));
  else parts.push(paint('red', 'not verified — nothing written'));
  return `${parts.join('\n')}\n`;
}
