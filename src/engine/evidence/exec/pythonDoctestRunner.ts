/**
 * The script that runs a module's docstring examples inside the sandbox with the stdlib doctest
 * machinery (DocTestFinder / DocTestRunner), reporting each example as a marked JSON line.
 * It reads its settings from `critic_config.json` next to itself and the module's text from
 * `critic_source.py` (the text under critique, which may be unsaved).
 */

export const pythonDoctestRunnerFile = 'critic_doctests.py';
export const runnerSourceFile = 'critic_source.py';

/** Settings written next to the runner. */
export interface DoctestRunnerConfig {
  marker: string;
  /** Dotted module name to import. */
  module: string;
  /** The file under critique; frames in it are reported for locating a raise. */
  file: string;
  /** Folders put first on sys.path (the folder above the top package, the project root). */
  path: string[];
  /** Whether the file is a package's `__init__.py`. */
  isPackage: boolean;
  /** Docstrings (relative names, '' = the module's) already reported by an earlier batch. */
  skip: string[];
}

// Python source in String.raw: backslashes reach Python untouched; it must never contain a
// backtick or a dollar-brace.
export const pythonDoctestRunner = String.raw`
import sys, os, json, doctest, importlib, importlib.util, linecache, traceback

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, 'critic_config.json'), encoding='utf-8') as _f:
    _cfg = json.load(_f)
os.remove(os.path.join(_here, 'critic_config.json'))
_mark = _cfg['marker']
# The scratch folder must not shadow the project's modules; the project's folders come first.
sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != _here]
for _p in reversed(_cfg['path']):
    sys.path.insert(0, _p)

# Results go to a private copy of stdout; whatever the code prints (fd 1) goes to stderr instead,
# so it can neither interleave with the results nor push them past the output cap.
sys.stdout.flush()
_out = os.fdopen(os.dup(1), 'w', encoding='utf-8', errors='replace')
os.dup2(2, 1)

def _emit(obj):
    _out.write(_mark + ' ' + json.dumps(obj) + '\n')
    _out.flush()

_target = os.path.realpath(_cfg['file'])

def _frames(tb):
    out = []
    for fr in traceback.extract_tb(tb):
        out.append({'file': fr.filename, 'line': fr.lineno or 0})
    return out

def _exc(e):
    lines = traceback.format_exception_only(type(e), e)
    return {'exc': type(e).__name__, 'msg': ''.join(lines).strip()[-2000:]}

def _import():
    # The module is built from the text under critique (maybe unsaved) but under its real file
    # name and package, so relative imports, __file__ and tracebacks behave as in the project.
    name, path = _cfg['module'], _cfg['file']
    with open(os.path.join(_here, 'critic_source.py'), encoding='utf-8') as f:
        src = f.read()
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    parent = name.rpartition('.')[0]
    if parent:
        importlib.import_module(parent)
    search = [os.path.dirname(path)] if _cfg['isPackage'] else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    exec(compile(src, path, 'exec', dont_inherit=True), mod.__dict__)
    return mod

try:
    _mod = _import()
except BaseException as e:
    fr = _frames(e.__traceback__)
    if isinstance(e, SyntaxError) and e.filename:
        fr.append({'file': e.filename, 'line': e.lineno or 0})
    _emit(dict(t='import', frames=fr, **_exc(e)))
    os._exit(0)

_prefix = _mod.__name__

def _rel(name):
    if name == _prefix:
        return ''
    return name[len(_prefix) + 1:] if name.startswith(_prefix + '.') else name

try:
    _tests = doctest.DocTestFinder(recurse=True, exclude_empty=True).find(_mod, _prefix)
except BaseException as e:
    _emit(dict(t='import', frames=_frames(e.__traceback__), **_exc(e)))
    os._exit(0)
_tests.sort(key=lambda t: (t.lineno is None, t.lineno or 0, t.name))
_skip = set(_cfg['skip'])

class _Reporter(doctest.DocTestRunner):
    def _base(self, t, test, example):
        idx = self._index.get(id(example), -1)
        line = None if test.lineno is None else test.lineno + example.lineno
        return {'t': t, 'test': _rel(test.name), 'i': idx, 'line': line, 'src': example.source.rstrip(), 'want': example.want.rstrip()}

    def report_start(self, out, test, example):
        _emit(self._base('start', test, example))

    def report_success(self, out, test, example, got):
        _emit(self._base('pass', test, example))

    def report_failure(self, out, test, example, got):
        ev = self._base('fail', test, example)
        ev['got'] = got.rstrip()[-2000:]
        _emit(ev)

    def report_unexpected_exception(self, out, test, example, exc_info):
        ev = self._base('raise', test, example)
        ev.update(_exc(exc_info[1]))
        ev['frames'] = [f for f in _frames(exc_info[2]) if os.path.realpath(f['file']) == _target]
        _emit(ev)

_runner = _Reporter(verbose=False, optionflags=0)
for _t in _tests:
    _name = _rel(_t.name)
    if _name in _skip or not _t.examples:
        continue
    _runner._index = {id(ex): i for i, ex in enumerate(_t.examples)}
    try:
        _runner.run(_t, out=lambda s: None, clear_globs=True)
    except BaseException as e:
        _emit(dict(t='crash', test=_name, frames=_frames(e.__traceback__), **_exc(e)))
    _emit({'t': 'done', 'test': _name})
_emit({'t': 'end'})
_out.flush()
# Skips interpreter shutdown: a thread the code left running must not hold the run open.
os._exit(0)
`;
