/**
 * The pieces the runner scripts share (Python: doctests, related tests, probes; JS: JSDoc
 * examples, probes). Each runner starts with its prelude, which reads and deletes its settings,
 * sets up the result channel and defines `emit`: one JSON object a line, prefixed with the run's
 * random marker, written synchronously to the results file (protocol.ts). The code under critique
 * runs in the same process, so its own stdout is sent to stderr before any of it runs: what it
 * prints can never pass for a result line, and its volume never costs a result.
 *
 * The snippets are String.raw source text spliced into the runners' own String.raw templates:
 * backslashes reach the interpreter untouched; the only dollar-braces are the file names
 * interpolated below, and the text must never contain a backtick.
 */
import { resultsFdVariable } from '../../sandbox/types.js';
import { runnerConfigFile, runnerResultsFile } from './protocol.js';

/** The text under critique (maybe unsaved) as the Python runners get it. */
export const runnerSourceFile = 'critic_source.py';

/**
 * Python; goes right after the runner's imports, which must include sys, os and json, and must
 * all come first: from here on the project's folders lead sys.path, and a project module could
 * shadow a stdlib one. Defines _here (the scratch folder), _cfg, _mark, _out and _emit(obj).
 */
export const pythonRunnerPrelude = String.raw`_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, '${runnerConfigFile}'), encoding='utf-8') as _f:
    _cfg = json.load(_f)
os.remove(os.path.join(_here, '${runnerConfigFile}'))
_mark = _cfg['marker']
# The scratch folder must not shadow the project's modules; the project's folders come first.
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _here]
for _p in reversed(_cfg['path']):
    sys.path.insert(0, _p)

# Results go to a channel of their own (the sandbox's result pipe, else a file read back after
# the run), never counted against the output cap; whatever the code prints on fd 1 goes to stderr.
sys.stdout.flush()
_fd = os.environ.pop('${resultsFdVariable}', None)
if _fd:
    os.set_inheritable(int(_fd), False)
    _out = os.fdopen(int(_fd), 'w', encoding='utf-8', errors='replace')
else:
    _out = open(os.path.join(_here, '${runnerResultsFile}'), 'a', encoding='utf-8', errors='replace')
os.dup2(2, 1)

# Every file and folder the run opens or lists, so a cached result is dropped when one changes
# (a sibling module two imports away, a JSON file the code reads). An audit hook cannot be removed.
_reads = set()
_reads_max = 20000
# Only the project's folders matter (the interpreter and the system are part of its identity).
_reads_roots = tuple(os.path.join(os.path.abspath(p), '') for p in _cfg['path'])
def _audit(event, args, _abspath=os.path.abspath, _fsdecode=os.fsdecode, _roots=_reads_roots):
    if event != 'open' and event != 'os.listdir' and event != 'os.scandir':
        return
    try:
        p = args[0] if args else None
        if p is None and event != 'open':
            p = '.'
        if isinstance(p, (str, bytes)) and len(_reads) < _reads_max:
            p = _abspath(_fsdecode(p))
            if event != 'open':
                p = p.rstrip('/') + '/'
            if p.startswith(_roots):
                _reads.add(p)
    except Exception:
        pass
sys.addaudithook(_audit)

def _emit(obj):
    if obj.get('t') in ('end', 'import'):
        _out.write(_mark + ' ' + json.dumps({'t': 'reads', 'paths': sorted(_reads), 'complete': len(_reads) < _reads_max}) + '\n')
    _out.write(_mark + ' ' + json.dumps(obj, default=str) + '\n')
    _out.flush()
`;

/**
 * Python, after the prelude; needs importlib, importlib.util and linecache imported. Defines
 * _import(): the module under critique (_cfg's module, file and isPackage), registered in
 * sys.modules and returned.
 */
export const pythonSourceImport = String.raw`def _import():
    # The module is built from the text under critique (maybe unsaved) but under its real file
    # name and package, so relative imports, __file__ and tracebacks behave as in the project.
    name, path = _cfg['module'], _cfg['file']
    # A batch of modules hands each one its text in memory (read before any project code ran).
    src = _cfg.get('text')
    if src is None:
        with open(os.path.join(_here, '${runnerSourceFile}'), encoding='utf-8-sig') as f:
            src = f.read()
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    parent, _, leaf = name.rpartition('.')
    if parent:
        importlib.import_module(parent)
    # The parent package may have imported the module already (toolz/__init__.py imports
    # toolz.curried). With the text on disk, that module is the one the project's runner would
    # use: loaded once, not a second copy beside it.
    existing = sys.modules.get(name)
    if existing is not None and os.path.abspath(getattr(existing, '__file__', None) or '') == os.path.abspath(path):
        try:
            with open(path, encoding='utf-8-sig') as f:
                if f.read() == src:
                    return existing
        except OSError:
            pass
    search = [os.path.dirname(path)] if _cfg['isPackage'] else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    mod = importlib.util.module_from_spec(spec)
    if existing is not None and _cfg['isPackage']:
        # Its submodules are loaded already, so importing them again will not bind them here as
        # the first load did (\`from .exceptions import merge\` then \`del exceptions\`).
        for key, sub in list(sys.modules.items()):
            if key.startswith(name + '.') and '.' not in key[len(name) + 1:]:
                mod.__dict__[key[len(name) + 1:]] = sub
    sys.modules[name] = mod
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], leaf, mod)
    exec(compile(src, path, 'exec', dont_inherit=True), mod.__dict__)
    return mod
`;

/**
 * JS (an ES module) for the wrappers of a project's own runner (frameworkTestRunner.ts,
 * avaRunner.ts): reads and removes the config (`cfg`) and opens the result channel, written
 * synchronously so nothing is pending at exit (`write(s)`, `emit(o)`: a marked JSON line). The
 * script imports readFileSync, rmSync, openSync and writeSync from node:fs itself.
 */
export const jsResultsChannel = String.raw`
const cfgUrl = new URL('./${runnerConfigFile}', import.meta.url);
const cfg = JSON.parse(readFileSync(cfgUrl, 'utf8'));
rmSync(cfgUrl);
const resultsFd = process.env.${resultsFdVariable} ? Number(process.env.${resultsFdVariable}) : openSync(new URL('./${runnerResultsFile}', import.meta.url), 'a');
delete process.env.${resultsFdVariable};
const write = (s) => writeSync(resultsFd, s);
const emit = (o) => write(cfg.marker + ' ' + JSON.stringify(o) + '\n');
`;

/**
 * JS (an ES module); starts the runner. Defines cfg, mark, write (the real stdout), emit(o),
 * show(v), excOf(e) ({exc, msg, frames}), framesOf(e) and raised(e, name): whether e is of a
 * class called `name` or a subclass of it (any error when `name` is empty). isDeepStrictEqual
 * and inspect are imported.
 */
export const jsRunnerPrelude = String.raw`
import { openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

const cfgUrl = new URL('./${runnerConfigFile}', import.meta.url);
const cfg = JSON.parse(readFileSync(cfgUrl, 'utf8'));
rmSync(cfgUrl);
const mark = cfg.marker;
// Results go synchronously to a channel of their own (the sandbox's result pipe, else a file):
// nothing is pending when the process exits, and the code's output (sent to stderr) never counts against them.
const resultsFd = process.env.${resultsFdVariable} ? Number(process.env.${resultsFdVariable}) : openSync(new URL('./${runnerResultsFile}', import.meta.url), 'a');
delete process.env.${resultsFdVariable};
const write = (s) => writeSync(resultsFd, s);
process.stdout.write = process.stderr.write.bind(process.stderr);
// Every file and folder the code opens, lists or probes through node:fs, so a cached result is
// dropped when one changes (a JSON file the code reads); local imports are in the bundle itself.
const reads = new Set();
const readsMax = 20000;
const fsCjs = createRequire(import.meta.url)('node:fs');
const noteRead = (p, dir) => {
  try {
    if (reads.size >= readsMax) return;
    const s = p instanceof URL ? fileURLToPath(p) : typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString() : undefined;
    if (s !== undefined) reads.add(resolvePath(s) + (dir ? '/' : ''));
  } catch {}
};
const wrapFs = (target, names, dir) => {
  for (const name of names) {
    const orig = target[name];
    if (typeof orig !== 'function') continue;
    target[name] = Object.assign(function (p, ...rest) { noteRead(p, dir); return orig.call(this, p, ...rest); }, orig);
  }
};
wrapFs(fsCjs, ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream', 'existsSync', 'exists', 'statSync', 'stat', 'lstatSync', 'lstat', 'accessSync', 'access'], false);
wrapFs(fsCjs, ['readdirSync', 'readdir', 'opendirSync', 'opendir'], true);
wrapFs(fsCjs.promises, ['readFile', 'open', 'stat', 'lstat', 'access'], false);
wrapFs(fsCjs.promises, ['readdir', 'opendir'], true);
syncBuiltinESMExports();
const emit = (o) => {
  if (o.t === 'end' || o.t === 'import') write(mark + ' ' + JSON.stringify({ t: 'reads', paths: [...reads].sort(), complete: reads.size < readsMax }) + '\n');
  write(mark + ' ' + JSON.stringify(o) + '\n');
};

const show = (v) => inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
const framesOf = (e) => {
  const out = [];
  const stack = e && typeof e.stack === 'string' ? e.stack : '';
  for (const m of stack.matchAll(/^\s*at (?:.*?\()?((?:file:\/\/)?\/[^():]*?):(\d+):\d+\)?\s*$/gm)) out.push({ file: m[1], line: Number(m[2]) });
  return out.reverse();
};
const excOf = (e) => {
  if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
    const name = (e.constructor && e.constructor.name) || e.name || 'Error';
    return { exc: String(name), msg: String(name) + ': ' + String(e.message).slice(0, 2000), frames: framesOf(e) };
  }
  return { exc: typeof e, msg: 'threw ' + show(e), frames: [] };
};
const raised = (e, name) => {
  if (!name) return true;
  if (e && e.name === name) return true;
  for (let p = e; p; p = Object.getPrototypeOf(p)) if (p.constructor && p.constructor.name === name) return true;
  return false;
};
`;
