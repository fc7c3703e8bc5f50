// The detection corpus: loading and checking the cases, writing a variant (the correct module or
// one inserted bug) into a folder, and an oracle that runs a variant's examples and tests with the
// plain tools (doctest, pytest, node --test, a small JSDoc example checker) outside Critic, so the
// `breaksEvidence` labels are measured rather than trusted.
import { spawnSync } from 'node:child_process';
import { runGroup } from '../stats.mjs';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const corpusDir = dirname(fileURLToPath(import.meta.url));
export const languages = ['python', 'typescript'];
export const bugKinds = ['off-by-one', 'wrong-operator', 'missed-case', 'swapped-arguments', 'infinite-loop', 'wrong-constant', 'wrong-variable', 'wrong-return', 'missing-statement'];
/** What every variant folder gets as `.critic.json`: short limits so infinite loops end quickly. */
export const criticJson = { execution: { exampleTimeoutMs: 2500, testTimeoutMs: 5000 } };

const isTestName = (name) => /^test_.*\.py$/.test(name) || /\.test\.ts$/.test(name);

function occurrences(text, find) {
  let n = 0;
  for (let i = text.indexOf(find); i !== -1; i = text.indexOf(find, i + 1)) n++;
  return n;
}

/**
 * Every case of the corpus, checked: one module per case folder, a bugs.json whose patches each
 * match the module exactly once, known kinds, unique ids. Throws one message listing every problem.
 */
export function loadCorpus() {
  const cases = [];
  const problems = [];
  for (const language of languages) {
    const ext = language === 'python' ? '.py' : '.ts';
    const langDir = join(corpusDir, language);
    for (const name of readdirSync(langDir).sort()) {
      const dir = join(langDir, name);
      if (!statSync(dir).isDirectory()) continue;
      const id = `${language}/${name}`;
      const modules = readdirSync(dir).filter((f) => f.endsWith(ext) && !isTestName(f));
      if (modules.length !== 1) {
        problems.push(`${id}: expected exactly one ${ext} module next to bugs.json, found ${modules.length}`);
        continue;
      }
      const module = modules[0];
      const text = readFileSync(join(dir, module), 'utf8');
      let bugs;
      try {
        bugs = JSON.parse(readFileSync(join(dir, 'bugs.json'), 'utf8'));
      } catch (err) {
        problems.push(`${id}/bugs.json: ${err.message}`);
        continue;
      }
      if (!Array.isArray(bugs) || bugs.length === 0) problems.push(`${id}/bugs.json: expected a non-empty array of bugs`);
      const seen = new Set();
      for (const bug of bugs) {
        const where = `${id}/bugs.json "${bug.id}"`;
        for (const key of ['id', 'kind', 'unit', 'find']) if (typeof bug[key] !== 'string' || !bug[key]) problems.push(`${where}: "${key}" must be a non-empty string`);
        if (typeof bug.replace !== 'string') problems.push(`${where}: "replace" must be a string`);
        if (typeof bug.breaksEvidence !== 'boolean') problems.push(`${where}: "breaksEvidence" must be true or false`);
        if (!bugKinds.includes(bug.kind)) problems.push(`${where}: unknown kind "${bug.kind}"; known: ${bugKinds.join(', ')}`);
        if (seen.has(bug.id)) problems.push(`${where}: duplicate id`);
        seen.add(bug.id);
        const n = typeof bug.find === 'string' && bug.find ? occurrences(text, bug.find) : 0;
        if (n !== 1) problems.push(`${where}: "find" occurs ${n} times in ${module}, must occur exactly once`);
        if (bug.find === bug.replace) problems.push(`${where}: "replace" equals "find"`);
      }
      const tests = [];
      if (existsSync(join(dir, 'tests'))) tests.push(...readdirSync(join(dir, 'tests')).filter(isTestName).map((f) => `tests/${f}`));
      tests.push(...readdirSync(dir).filter((f) => f.endsWith(ext) && isTestName(f)));
      cases.push({ id, language, name, dir, module, text, bugs, tests, hasExamples: language === 'python' ? /^\s*>>> /m.test(text) : /@example/.test(text) });
    }
  }
  if (problems.length) throw new Error(`the detection corpus is broken:\n  ${problems.join('\n  ')}`);
  return cases;
}

/** The variants of every case: the correct module first, then one per bug. */
export function variantsOf(cases) {
  return cases.flatMap((c) => [{ caseId: c.id, case: c, id: `${c.id}#correct`, bug: undefined }, ...c.bugs.map((bug) => ({ caseId: c.id, case: c, id: `${c.id}#${bug.id}`, bug }))]);
}

/** Writes a variant into `dir` (the case's files, the patched module, `.critic.json`); returns the module's path. */
export function materialise(variant, dir) {
  const c = variant.case;
  mkdirSync(dir, { recursive: true });
  cpSync(c.dir, dir, { recursive: true, filter: (src) => !['bugs.json', '__pycache__', '.pytest_cache'].includes(basename(src)) });
  const text = variant.bug ? c.text.replace(variant.bug.find, () => variant.bug.replace) : c.text;
  const path = join(dir, c.module);
  writeFileSync(path, text);
  writeFileSync(join(dir, '.critic.json'), `${JSON.stringify(criticJson, null, 2)}\n`);
  return { path, text };
}

/**
 * The 1-based lines of `buggy` the bug is on: the lines that differ from `original` (common
 * leading and trailing lines stripped). A bug that only deletes lines has none of its own, so the
 * lines on either side of the deletion count: that is where a reviewer would point.
 */
export function bugLines(original, buggy) {
  const a = original.split('\n');
  const b = buggy.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const changed = [];
  for (let i = head; i < b.length - tail; i++) changed.push(i + 1);
  if (changed.length > 0) return { lines: changed, deletion: false };
  return { lines: [head, head + 1].filter((l) => l >= 1 && l <= b.length), deletion: true };
}

// ---- the oracle: the same evidence run by the plain tools, no Critic involved ----

const oracleTimeoutMs = 4000;
let python;
/** The real interpreter behind `python3` (version-manager shims cost a shell start per call). */
function pythonExecutable() {
  python ??= spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim() || 'python3';
  return python;
}
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

/**
 * Runs a command in its own process group, killed as a group on timeout; Python gets a 1 GiB
 * address-space cap and Node a 512 MB heap, so an inserted infinite loop that allocates cannot
 * take the machine's memory.
 */
function run(cmd, args, opts) {
  const [file, argv] = cmd === 'python' ? (hasPrlimit ? ['prlimit', [`--as=${1 << 30}`, pythonExecutable(), ...args]] : [pythonExecutable(), args]) : [process.execPath, ['--max-old-space-size=512', ...args]];
  return runGroup(file, argv, { ...opts, timeoutMs: oracleTimeoutMs, maxOutput: 64 * 1024 }).then((r) => ({
    ok: r.code === 0 && !r.timedOut,
    timedOut: r.timedOut,
    output: r.error ? r.output : r.output.trim(),
  }));
}

/** The lines of each JSDoc `@example` block in a TypeScript source. */
function jsdocExamples(text) {
  const blocks = [];
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    let current;
    for (const raw of m[1].split('\n')) {
      const line = raw.replace(/^\s*\*\s?/, '');
      const tag = /^@(\w+)/.exec(line.trim());
      if (tag) {
        current = tag[1] === 'example' ? [] : undefined;
        if (current) blocks.push(current);
        continue;
      }
      if (current && line.trim()) current.push(line);
    }
  }
  return blocks;
}

/** Turns example blocks into checking code appended to the module (so unexported names are reachable). */
function exampleChecks(blocks) {
  const body = blocks.map((lines, b) => {
    const stmts = lines.map((line) => {
      const thrown = /^(.*?)\s*\/\/\s*=>\s*throws\b\s*(\w+)?(?:\s*:\s*(.*))?$/.exec(line);
      if (thrown) return `__throws(() => { ${thrown[1]}; }, ${JSON.stringify(thrown[2] ?? '')}, ${JSON.stringify(thrown[3] ?? '')}, ${JSON.stringify(line.trim())});`;
      const value = /^(.*?)\s*\/\/\s*=>\s*(.*)$/.exec(line);
      if (value) return `__check(await (${value[1]}), (${value[2]}), ${JSON.stringify(line.trim())});`;
      return `${line};`;
    });
    return `__blocks.push((async () => {\n${stmts.join('\n')}\n})().catch((e) => __fail(${JSON.stringify(`block ${b + 1}`)}, e)));`;
  });
  return `
const __failures: string[] = [];
const __blocks: Promise<unknown>[] = [];
const __fail = (where: string, e: unknown) => { __failures.push(where + ': ' + String(e)); };
const __check = (got: unknown, want: unknown, src: string) => { if (!require('node:util').isDeepStrictEqual(got, want)) __failures.push(src + ' -> got ' + JSON.stringify(got)); };
const __throws = (fn: () => unknown, name: string, msg: string, src: string) => {
  try { fn(); } catch (e: any) {
    if (name && e?.constructor?.name !== name && e?.name !== name) __failures.push(src + ' -> threw ' + e?.name);
    else if (msg && !String(e?.message).includes(msg)) __failures.push(src + ' -> message ' + e?.message);
    return;
  }
  __failures.push(src + ' -> did not throw');
};
${body.join('\n')}
Promise.all(__blocks).then(() => { if (__failures.length) { console.error(__failures.join('\\n')); process.exit(1); } });
`;
}

/**
 * Runs the variant's examples and tests outside Critic; returns what failed
 * (`examples`, `tests`, with `timedOut` when a run had to be killed).
 */
export async function oracle(variant, dir, modulePath, moduleText) {
  const c = variant.case;
  const broken = [];
  const note = (what, r) => {
    if (!r.ok) broken.push({ what, timedOut: r.timedOut, output: r.output.split('\n').slice(-6).join('\n') });
  };
  if (c.language === 'python') {
    // Plugins stay off: the corpus needs none, and an installed plugin can cost seconds of start-up.
    const env = { ...process.env, PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: '1', PYTEST_DISABLE_PLUGIN_AUTOLOAD: '1' };
    if (c.hasExamples) note('examples', await run('python', ['-m', 'doctest', c.module], { cwd: dir, env }));
    if (c.tests.length) note('tests', await run('python', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', ...c.tests], { cwd: dir, env }));
    return broken;
  }
  const esbuild = await import('esbuild');
  const bundle = async (opts, out) => {
    try {
      await esbuild.build({ bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'silent', ...opts });
      return undefined;
    } catch (err) {
      return { ok: false, timedOut: false, output: err.message };
    }
  };
  if (c.hasExamples) {
    const out = join(dir, '.oracle-examples.cjs');
    const failedBuild = await bundle({ stdin: { contents: `${moduleText}\n${exampleChecks(jsdocExamples(moduleText))}`, loader: 'ts', resolveDir: dir, sourcefile: modulePath } }, out);
    note('examples', failedBuild ?? (await run('node', [out], { cwd: dir })));
  }
  for (const t of c.tests) {
    // Run directly (not `node --test`), so node:test runs in this one process and a kill ends it.
    const out = join(dir, `.oracle-${basename(t)}.cjs`);
    const failedBuild = await bundle({ entryPoints: [join(dir, t)] }, out);
    note('tests', failedBuild ?? (await run('node', [out], { cwd: dir })));
  }
  return broken;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
