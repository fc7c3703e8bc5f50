// What the real-editor tests (neovim.e2e.mjs, emacs.e2e.mjs) share: the project both editors open
// (a Python file whose docstring example fails, a TypeScript file with a type error), and one
// headless editor run that drives `critic lsp --stdio` and writes what it saw to a JSON file.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { repoRoot } from '../support/engine.mjs';

export const calc = 'def add(a, b):\n    """Add two numbers.\n\n    >>> add(2, 2)\n    4\n    """\n    return a - b\n';
export const len = 'export function len(s: string): number {\n  return s.size;\n}\n';

/** Runs `cmd args` in `root` until it exits; returns its exit code, its output and the result it wrote. */
export async function runHeadlessEditor(cmd, args, root, resultFile) {
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, CRITIC_ROOT: root, CRITIC_RESULT: resultFile, CRITIC_CLI: join(repoRoot, 'dist', 'cli.js'), CRITIC_NODE: process.execPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.ok(existsSync(resultFile), `${cmd} wrote no result (exit ${code}): ${output}`);
  return { code, output, seen: JSON.parse(readFileSync(resultFile, 'utf8')) };
}
