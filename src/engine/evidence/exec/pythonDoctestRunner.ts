/**
 * The script that runs a module's docstring examples inside the sandbox with the stdlib doctest
 * machinery (DocTestFinder / DocTestRunner), reporting each example as a marked JSON line.
 * It reads its settings from `critic_config.json` next to itself and the module's text from
 * `critic_source.py` (the text under critique, which may be unsaved).
 */

import { pythonCoverageCollector } from './coverageCollector.js';
import { pythonRunnerPrelude, pythonSourceImport } from './runnerPrelude.js';

export const pythonDoctestRunnerFile = 'critic_doctests.py';
export { runnerSourceFile } from './runnerPrelude.js';

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
  /** doctest option flags by name (the project's pytest `doctest_optionflags`); unknown names are ignored. */
  optionflags: string[];
  /** Record the lines of `file` each example runs (coverageCollector.ts). */
  coverage: boolean;
}

// Python source in String.raw: backslashes reach Python untouched; apart from the shared snippets
// spliced in (runnerPrelude.ts) it must never contain a backtick or a dollar-brace.
export const pythonDoctestImports = 'import sys, os, json, doctest, importlib, importlib.util, linecache, traceback';

/**
 * Everything after the prelude: one module's examples, from `_cfg`. The batch runner
 * (pythonExampleBatch.ts) runs this same text in a forked child per module.
 */
export const pythonDoctestBody = String.raw`
${pythonCoverageCollector}
_target = os.path.realpath(_cfg['file'])

def _frames(tb):
    out = []
    for fr in traceback.extract_tb(tb):
        out.append({'file': fr.filename, 'line': fr.lineno or 0})
    return out

def _exc(e):
    lines = traceback.format_exception_only(type(e), e)
    return {'exc': type(e).__name__, 'msg': ''.join(lines).strip()[-2000:]}

${pythonSourceImport}
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

# pytest's own flags (its doctest_optionflags and '# doctest: +ALLOW_UNICODE' directives): u''
# and b'' prefixes ignored, numbers equal to the precision the example writes. Registered before
# the examples are parsed, so their directives are known names.
import re as _re
_ALLOW_UNICODE = doctest.register_optionflag('ALLOW_UNICODE')
_ALLOW_BYTES = doctest.register_optionflag('ALLOW_BYTES')
_NUMBER = doctest.register_optionflag('NUMBER')
_unicode_prefix = _re.compile(r"(\W|^)[uU]([rR]?['\"])")
_bytes_prefix = _re.compile(r"(\W|^)[bB]([rR]?['\"])")
_number = _re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")

class _Checker(doctest.OutputChecker):
    def check_output(self, want, got, optionflags):
        if super().check_output(want, got, optionflags):
            return True
        if not optionflags & (_ALLOW_UNICODE | _ALLOW_BYTES | _NUMBER):
            return False
        if optionflags & _ALLOW_UNICODE:
            want, got = _unicode_prefix.sub(r'\1\2', want), _unicode_prefix.sub(r'\1\2', got)
        if optionflags & _ALLOW_BYTES:
            want, got = _bytes_prefix.sub(r'\1\2', want), _bytes_prefix.sub(r'\1\2', got)
        if optionflags & _NUMBER:
            got = _as_precise_as(want, got)
        return super().check_output(want, got, optionflags)

def _as_precise_as(want, got):
    # Each number of the output that equals the example's to the digits the example shows is
    # written as the example writes it (3.14 for 3.141592653589793).
    wants, gots = list(_number.finditer(want)), list(_number.finditer(got))
    if len(wants) != len(gots):
        return got
    out, last = [], 0
    for w, g in zip(wants, gots):
        text = w.group()
        mantissa, _, exponent = text.lower().partition('e')
        if '.' not in mantissa:
            continue
        digits = len(mantissa.split('.')[1]) - (int(exponent) if exponent else 0)
        try:
            close = abs(float(text) - float(g.group())) <= 10.0 ** -digits
        except (ValueError, OverflowError):
            close = False
        if close:
            out.append(got[last:g.start()])
            out.append(text)
            last = g.end()
    out.append(got[last:])
    return ''.join(out)

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

    def _outcome(self, t, test, example):
        cov = _cov_take()
        ev = self._base(t, test, example)
        if cov is not None:
            ev['cov'] = cov
        return ev

    def report_start(self, out, test, example):
        _emit(self._base('start', test, example))
        _cov_start()

    def report_success(self, out, test, example, got):
        _emit(self._outcome('pass', test, example))

    def report_failure(self, out, test, example, got):
        ev = self._outcome('fail', test, example)
        ev['got'] = got.rstrip()[-2000:]
        if ''.join(got.split()) == ''.join(example.want.split()):
            # Only whitespace differs: the exact texts, so the message can show where.
            ev['ws'] = {'want': example.want[-2000:], 'got': got[-2000:]}
        _emit(ev)

    def report_unexpected_exception(self, out, test, example, exc_info):
        ev = self._outcome('raise', test, example)
        ev.update(_exc(exc_info[1]))
        ev['frames'] = [f for f in _frames(exc_info[2]) if os.path.realpath(f['file']) == _target]
        _emit(ev)

# The project's flags (pytest doctest_optionflags); per-example '# doctest:' directives still apply on top.
_flags = 0
for _n in _cfg.get('optionflags', []):
    _flags |= doctest.OPTIONFLAGS_BY_NAME.get(_n, 0)
_runner = _Reporter(verbose=False, optionflags=_flags, checker=_Checker())
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

export const pythonDoctestRunner = `
${pythonDoctestImports}

${pythonRunnerPrelude}
${pythonDoctestBody}`;
