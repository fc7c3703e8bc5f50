// The execution cache is invalidated by a change in anything the run read: a module two imports
// away, a data file the code opens, a folder it lists. Real runs in real bubblewrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { bwrapSandbox } from './support/bwrapSandbox.mjs';
import { toolChecker } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
const { ExecCache } = await import(out('engine/evidence/execCache.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 8000 } } });
const syntax = new SyntaxService(ctx.assets);
const check = toolChecker(syntax);
const { sandbox, skip } = await bwrapSandbox({ exampleTimeoutMs: 8000 });

const failing = (r) => r.findings.filter((f) => f.level === 'error').length;

test('python: an edit two imports away, in a JSON file the code reads, or in a listed folder drops the cached result', { skip }, async () => {
  const p = tempProject({
    '.git/HEAD': 'ref: refs/heads/main\n',
    'pkg/__init__.py': '',
    'pkg/top.py': ['import json', 'import os', 'from pkg.middle import scaled', '', '', 'def total():', '    """', '    >>> total()', '    30', '    """', '    return scaled()', '', '', 'def limit():', '    """', '    >>> limit()', '    5', '    """', "    with open(os.path.join(os.path.dirname(__file__), 'data.json')) as f:", "        return json.load(f)['limit']", '', '', 'def plugins():', '    """', '    >>> plugins()', '    1', '    """', "    return len(os.listdir(os.path.join(os.path.dirname(__file__), 'plugins')))", ''].join('\n'),
    'pkg/middle.py': 'from pkg.bottom import BASE\n\n\ndef scaled():\n    return BASE * 3\n',
    'pkg/bottom.py': 'BASE = 10\n',
    'pkg/data.json': '{"limit": 5}\n',
    'pkg/plugins/one.txt': '1\n',
  });
  try {
    const cache = new ExecCache();
    const tool = new PythonExamplesTool(ctx, { sandbox, cache });
    const run = () => check(tool, p.root, 'pkg/top.py');
    assert.equal(failing(await run()), 0);
    assert.equal(failing(await run()), 0);
    assert.equal(cache.stats.hits, 1, 'an unchanged project is served from the cache');

    writeFileSync(join(p.root, 'pkg/bottom.py'), 'BASE = 11\n');
    const afterImport = await run();
    assert.equal(cache.stats.hits, 1, 'the edit two imports away is not served from the cache');
    assert.match(afterImport.findings.map((f) => f.message).join('\n'), /`total\(\)` returned 33, expected 30/);

    writeFileSync(join(p.root, 'pkg/bottom.py'), 'BASE = 10\n');
    writeFileSync(join(p.root, 'pkg/data.json'), '{"limit": 6}\n');
    assert.match((await run()).findings.map((f) => f.message).join('\n'), /`limit\(\)` returned 6, expected 5/);

    writeFileSync(join(p.root, 'pkg/data.json'), '{"limit": 5}\n');
    writeFileSync(join(p.root, 'pkg/plugins/two.txt'), '2\n');
    assert.match((await run()).findings.map((f) => f.message).join('\n'), /`plugins\(\)` returned 2, expected 1/);
    assert.equal(cache.stats.hits, 1);

    // The disk copy in a new process carries the same reads. (Outside the project: Python's
    // import system lists the project's folders, so a new file there is a change too.)
    const cacheDir = tempProject({});
    test.after(cacheDir.cleanup);
    const dir = join(cacheDir.root, 'cache');
    const disk = new ExecCache({ dir });
    const tool2 = new PythonExamplesTool(ctx, { sandbox, cache: disk });
    await check(tool2, p.root, 'pkg/top.py');
    const fresh = new ExecCache({ dir });
    const tool3 = new PythonExamplesTool(ctx, { sandbox, cache: fresh });
    await check(tool3, p.root, 'pkg/top.py');
    assert.equal(fresh.stats.diskHits, 1);
    writeFileSync(join(p.root, 'pkg/bottom.py'), 'BASE = 12\n');
    const again = new ExecCache({ dir });
    await check(new PythonExamplesTool(ctx, { sandbox, cache: again }), p.root, 'pkg/top.py');
    assert.equal(again.stats.hits, 0, 'a stale disk entry is not used');
  } finally {
    p.cleanup();
  }
});

test('js: a JSON file the example reads through node:fs drops the cached result', { skip }, async () => {
  const text = [
    "import { readFileSync } from 'node:fs';",
    '/**',
    ' * @example',
    ' * limit() // => 5',
    ' */',
    'export function limit(): number {',
    "  return JSON.parse(readFileSync(new URL('./data.json', import.meta.url), 'utf8')).limit;",
    '}',
    '',
  ].join('\n');
  const p = tempProject({ '.git/HEAD': 'ref: refs/heads/main\n', 'src/limit.ts': text, 'src/data.json': '{"limit": 5}', 'package.json': '{"name":"l","type":"module"}' });
  try {
    const cache = new ExecCache();
    const tool = new JsExamplesTool(ctx, { sandbox, cache });
    const run = () => check(tool, p.root, 'src/limit.ts');
    assert.equal(failing(await run()), 0, 'the example passes');
    await run();
    assert.equal(cache.stats.hits, 1);
    writeFileSync(join(p.root, 'src/data.json'), '{"limit": 7}');
    const after = await run();
    assert.equal(cache.stats.hits, 1);
    assert.match(after.findings.map((f) => f.message).join('\n'), /`limit\(\)` returned 7, expected 5/);
  } finally {
    p.cleanup();
  }
});
