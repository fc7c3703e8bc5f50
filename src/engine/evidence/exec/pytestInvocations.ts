/**
 * Where a project's own commands point pytest when its configuration names no `testpaths`: the
 * CI workflow, tox, a Makefile. pytest collects only the paths it is given, so a project whose CI
 * runs `cd tests/ && py.test` never collects `extra/test_hypothesis.py`, even though pytest's
 * defaults would find it from the root (jmespath). Only literal words are read; nothing runs.
 * When any command runs pytest without a path, or none runs it, nothing is inferred.
 */
import { join, normalize, relative, sep } from 'node:path';
import type { FileSystemPort } from '../../types.js';

export interface PytestInvocations {
  /** Folders or files, relative to the rootdir, that every pytest command found names. */
  paths: string[];
  /** The first command found (for the verbose log), with the file it is in. */
  example: string;
}

const commandFiles = ['tox.ini', 'Makefile', 'makefile', '.gitlab-ci.yml', '.travis.yml', 'azure-pipelines.yml', 'appveyor.yml'];
const pytestCommand = /(?:^|[\s;&|(`"'])(?:python[\d.]*\s+-m\s+pytest|py\.test|pytest)(?=\s|$|["'`;&|)])(.*)$/;
/** Options whose value is the next word (`--cov jmespath`, `-k name`). */
const takesValue = new Set(['-k', '-m', '-p', '-c', '-o', '-W', '-n', '-r', '--cov', '--cov-report', '--cov-config', '--junitxml', '--junit-xml', '--rootdir', '--basetemp', '--ignore', '--ignore-glob', '--deselect', '--maxfail', '--durations', '--tb', '--log-level', '--import-mode', '--confcutdir', '--override-ini', '--pythonwarnings', '--dist', '--numprocesses', '--timeout', '--hypothesis-profile', '--html']);

async function read(fs: FileSystemPort, path: string): Promise<string | undefined> {
  try {
    return (await fs.exists(path)) ? (await fs.readFile(path)).slice(0, 200_000) : undefined;
  } catch {
    return undefined;
  }
}

/** The words of a command line after `pytest`, up to the next `&&`, `;`, `|` or comment. */
function argsOf(rest: string): string[] {
  const words: string[] = [];
  for (const m of rest.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const w = m[1] ?? m[2] ?? m[3]!;
    if (m[3] && /^(?:&&|\|\|?|;|#)/.test(w)) break;
    words.push(w.replace(/[;)]+$/, ''));
  }
  return words;
}

/** Reads one command line; undefined when it does not run pytest. `paths` is empty for a bare run. */
async function invocation(line: string, base: string, rootdir: string, fs: FileSystemPort): Promise<string[] | undefined> {
  // tox substitutions: the project folder, and {posargs} (the user's own arguments: none here).
  const text = line.replace(/\{toxinidir\}/g, '.').replace(/\{posargs(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}/g, '');
  const m = pytestCommand.exec(text);
  if (!m) return undefined;
  const cd = /(?:^|[\s;&|(])cd\s+(\S+?)\/?\s*(?:&&|;)/.exec(text.slice(0, m.index + 1));
  const cwd = cd ? join(base, cd[1]!) : base;
  const paths: string[] = [];
  const words = argsOf(m[1]!);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) {
      if (!w.includes('=') && takesValue.has(w)) i++;
      continue;
    }
    const abs = normalize(join(cwd, w.split('::')[0]!));
    // A word that is no file or folder is an option's value or a substitution, not a test path.
    if (abs.startsWith(rootdir + sep) && (await fs.exists(abs))) paths.push(relative(rootdir, abs));
  }
  // `cd tests && pytest` collects the folder it runs in.
  if (!paths.length && cd && cwd.startsWith(rootdir + sep) && (await fs.exists(cwd))) paths.push(relative(rootdir, cwd));
  return paths;
}

/** tox.ini's `commands` lines (with their continuation lines); `deps` and the rest are not commands. */
function toxCommands(text: string): string[] {
  const out: string[] = [];
  let inCommands = false;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\S/.test(raw)) {
      inCommands = /^commands(?:_pre)?\s*=/.test(raw);
      if (inCommands) out.push(raw.replace(/^commands(?:_pre)?\s*=\s*/, ''));
    } else if (inCommands && raw.trim()) out.push(raw.trim());
  }
  return out;
}

/** The test paths the project's own pytest commands name (see the module comment). */
export async function pytestInvocations(rootdir: string, fs: FileSystemPort): Promise<PytestInvocations | undefined> {
  const files = commandFiles.map((f) => join(rootdir, f));
  const workflows = join(rootdir, '.github', 'workflows');
  for (const w of (await fs.readdir(workflows).catch(() => undefined)) ?? []) if (/\.ya?ml$/.test(w.name)) files.push(join(workflows, w.name));
  const paths = new Set<string>();
  let example: string | undefined;
  for (const file of files) {
    const text = await read(fs, file);
    if (text === undefined) continue;
    for (const raw of file.endsWith('tox.ini') ? toxCommands(text) : text.split(/\r?\n/)) {
      const line = raw.replace(/^\s*(?:-\s+)?(?:run:\s*|script:\s*|commands\s*=\s*)?/, '');
      // Comments, step names (`name: Test with pytest`) and installs (`pip install pytest`) run nothing.
      if (/^\s*#/.test(raw) || !line || /^\s*-?\s*name\s*:/.test(raw) || /\b(?:pip3?|uv|poetry|conda|pipx|apt(?:-get)?)\b.*\b(?:install|add|sync)\b/.test(line)) continue;
      const found = await invocation(line, rootdir, rootdir, fs);
      if (!found) continue;
      if (!found.length) return undefined;
      example ??= `${relative(rootdir, file)}: ${line.trim().slice(0, 120)}`;
      for (const p of found) paths.add(p);
    }
  }
  return example ? { paths: [...paths].sort(), example } : undefined;
}
