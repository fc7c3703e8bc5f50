// Shared set-up for the tests that run an evidence tool for real on a project in a temp folder
// (docstring / JSDoc examples, related tests).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { out, repoRoot, tempProject } from './engine.mjs';

const { languageOfPath } = await import(out('engine/languages.js'));

/** A temporary copy of a fixture project under test/fixtures/exec, with some files replaced or added. */
export function fixtureProject(name, overrides = {}) {
  const dir = join(repoRoot, 'test', 'fixtures', 'exec', name);
  const files = {};
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return tempProject({ ...files, ...overrides });
}

/**
 * `check(tool, root, rel, text?)`: runs `tool` on the file `rel` of the project at `root` (its
 * text on disk unless `text` is given), parsed with `syntax`; resolves to `{ doc, ...output }`.
 */
export function toolChecker(syntax) {
  return async (tool, root, rel, text) => {
    const path = join(root, rel);
    text ??= readFileSync(path, 'utf8');
    const language = languageOfPath(path);
    const parsed = await syntax.analyse(path, text, language);
    const doc = { path, text, language, projectRoot: root };
    return { doc, ...(await tool.run(doc, parsed, new AbortController().signal)) };
  };
}

/** The text a finding's range covers (on one line). */
export const unitAt = (f, text) => text.split('\n')[f.range.start.line].slice(f.range.start.character, f.range.end.character);
/** A located failure sits on its faulty line and names its function in the message: `… (in `add`; …)`. */
export const located = /\s\(in `([^`]+)`[,;][^()]*(?:\([^()]*\)[^()]*)*\)$/;
/** The function a finding is about: named by a located message, else the text it covers. */
export const unitOf = (f, text) => located.exec(f.message)?.[1] ?? unitAt(f, text);
/** The 0-based index of the first line of `text` that contains `needle`, or -1. */
export const lineOf = (text, needle) => text.split('\n').findIndex((l) => l.includes(needle));
