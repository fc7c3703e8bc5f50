/**
 * The script that runs a file's related Python tests inside the sandbox: with pytest (through a
 * small plugin) when the project's Python has it, else with unittest (a custom result class).
 * Both report marked JSON lines:
 *   start {id, name, file, line} · result {id, name, file, line, outcome, exc, msg, frames}
 *   collect {file, exc, msg, frames} · import {exc, msg, frames} · end {runner}
 * Before the tests, the module under critique is loaded from the text under critique (which may
 * be unsaved) under its real name, so the tests exercise exactly that text.
 */

import { pythonCoverageCollector } from './coverageCollector.js';
import { pythonRunnerPrelude, pythonSourceImport } from './runnerPrelude.js';

export const pythonTestRunnerFile = 'critic_tests.py';

export interface PythonTestRunnerConfig {
  marker: string;
  runner: 'pytest' | 'unittest';
  /** Absolute test files. */
  files: string[];
  /** The project root: working directory and pytest's rootdir. */
  root: string;
  /** Folders put first on sys.path. */
  path: string[];
  /** The module under critique, preloaded from `critic_source.py`. */
  module: string;
  file: string;
  isPackage: boolean;
  /** Record the lines of `file` each test runs (coverageCollector.ts). */
  coverage: boolean;
}

// Python source in String.raw: backslashes reach Python untouched; apart from the shared snippets
// spliced in (runnerPrelude.ts), no backtick or dollar-brace.
export const pythonTestRunner = String.raw`
import sys, os, json, re, importlib, importlib.util, linecache, traceback, inspect

${pythonRunnerPrelude}
${pythonCoverageCollector}
os.chdir(_cfg['root'])

def _frames_tb(tb):
    return [{'file': os.path.abspath(f.filename), 'line': f.lineno or 0} for f in traceback.extract_tb(tb)]

def _frames_text(text):
    out = []
    for m in re.finditer(r'^(\S+?\.py):(\d+)(?::|$)', text, re.M):
        out.append({'file': os.path.abspath(m.group(1)), 'line': int(m.group(2))})
    for m in re.finditer(r'File "([^"]+)", line (\d+)', text):
        out.append({'file': os.path.abspath(m.group(1)), 'line': int(m.group(2))})
    return out

def _exc_only(e):
    return ''.join(traceback.format_exception_only(type(e), e)).strip()[-2000:]

${pythonSourceImport}
if _cfg['module'] and _cfg['file'] not in _cfg['files']:
    try:
        _mod = _import()
    except BaseException as e:
        fr = _frames_tb(e.__traceback__)
        if isinstance(e, SyntaxError) and e.filename:
            fr.append({'file': e.filename, 'line': e.lineno or 0})
        _emit({'t': 'import', 'exc': type(e).__name__, 'msg': _exc_only(e), 'frames': fr})
        os._exit(0)
    # As after a real import, the module is also an attribute of its package.
    _parent, _, _leaf = _cfg['module'].rpartition('.')
    if _parent:
        setattr(sys.modules[_parent], _leaf, _mod)

def _run_pytest():
    import pytest

    class _Plugin:
        root = _cfg['root']

        def pytest_configure(self, config):
            self.root = str(config.rootpath)

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            _cov_start()
            try:
                yield
            finally:
                item.critic_cov = _cov_take()

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            rep = outcome.get_result()
            if call.when == 'call':
                rep.critic_cov = getattr(item, 'critic_cov', None)
            if call.excinfo is not None and rep.failed:
                e = call.excinfo
                rep.critic_exc = {
                    'exc': e.typename,
                    'msg': e.exconly()[-2000:],
                    'frames': [{'file': str(x.path), 'line': x.lineno + 1} for x in e.traceback],
                }

        def _where(self, location):
            return os.path.join(self.root, location[0]), (location[1] or 0) + 1

        def pytest_runtest_logstart(self, nodeid, location):
            f, l = self._where(location)
            _emit({'t': 'start', 'id': nodeid, 'name': nodeid.split('::', 1)[-1], 'file': f, 'line': l})

        def pytest_runtest_logreport(self, report):
            if report.when != 'call' and not report.failed and not (report.when == 'setup' and report.skipped):
                return
            f, l = self._where(report.location)
            outcome = report.outcome
            if report.failed and report.when != 'call':
                outcome = 'error'
            if hasattr(report, 'wasxfail'):
                outcome = 'skipped' if report.skipped else 'failed'
            ev = {'t': 'result', 'id': report.nodeid, 'name': report.nodeid.split('::', 1)[-1], 'file': f, 'line': l, 'outcome': outcome, 'phase': report.when}
            ev.update(getattr(report, 'critic_exc', None) or {})
            if getattr(report, 'critic_cov', None) is not None:
                ev['cov'] = report.critic_cov
            if report.failed and 'msg' not in ev:
                text = str(report.longrepr)
                ev['msg'] = text.strip().splitlines()[-1][-2000:] if text.strip() else 'failed'
                ev['frames'] = _frames_text(text)
            _emit(ev)

        def pytest_collectreport(self, report):
            if report.failed:
                text = str(report.longrepr)
                lines = [l[1:].strip() for l in text.splitlines() if l.startswith('E ')]
                _emit({'t': 'collect', 'file': os.path.join(self.root, report.nodeid.split('::')[0]), 'msg': ' '.join(lines)[-2000:] or text[-2000:], 'frames': _frames_text(text)})

    pytest.main(['-p', 'no:cacheprovider', '--tb=short', '-q', '--rootdir', _cfg['root']] + _cfg['files'], plugins=[_Plugin()])

def _module_of(path):
    parts = [os.path.splitext(os.path.basename(path))[0]]
    d = os.path.dirname(path)
    while os.path.exists(os.path.join(d, '__init__.py')) and os.path.dirname(d) != d:
        parts.insert(0, os.path.basename(d))
        d = os.path.dirname(d)
    return '.'.join(parts), d

def _run_unittest():
    import unittest
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for path in _cfg['files']:
        name, root = _module_of(path)
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            module = importlib.import_module(name)
            suite.addTests(loader.loadTestsFromModule(module))
            # pytest-style test functions without fixtures run too when pytest is not installed.
            for fname, fn in sorted(vars(module).items()):
                if fname.startswith('test') and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                    params = inspect.signature(fn).parameters.values()
                    if all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                        suite.addTest(unittest.FunctionTestCase(fn))
        except BaseException as e:
            _emit({'t': 'collect', 'file': path, 'exc': type(e).__name__, 'msg': _exc_only(e), 'frames': _frames_tb(e.__traceback__)})

    def func_of(test):
        return getattr(test, '_testFunc', None) if isinstance(test, unittest.FunctionTestCase) else None

    def where(test):
        try:
            fn = inspect.unwrap(func_of(test) or getattr(type(test), test._testMethodName))
            code = fn.__code__
            return os.path.abspath(code.co_filename), code.co_firstlineno
        except Exception:
            return '', 0

    def base(test, t):
        f, l = where(test)
        fn = func_of(test)
        name = fn.__name__ if fn else type(test).__name__ + '.' + getattr(test, '_testMethodName', str(test))
        ev = {'t': t, 'id': test.id(), 'name': name, 'file': f, 'line': l}
        cov = _cov_take() if t == 'result' else None
        if cov is not None:
            ev['cov'] = cov
        return ev

    def failed(test, err, outcome, label=None):
        ev = base(test, 'result')
        e = err[1]
        ev.update({'outcome': outcome, 'exc': err[0].__name__, 'msg': _exc_only(e), 'frames': _frames_tb(err[2])})
        if label:
            ev['name'] += ' ' + label
        _emit(ev)

    class _Result(unittest.TestResult):
        def startTest(self, test):
            super().startTest(test)
            _emit(base(test, 'start'))
            _cov_start()
        def addSuccess(self, test):
            _emit(dict(base(test, 'result'), outcome='passed'))
        def addFailure(self, test, err):
            failed(test, err, 'failed')
        def addError(self, test, err):
            failed(test, err, 'error')
        def addSkip(self, test, reason):
            _emit(dict(base(test, 'result'), outcome='skipped'))
        def addExpectedFailure(self, test, err):
            _emit(dict(base(test, 'result'), outcome='passed'))
        def addUnexpectedSuccess(self, test):
            _emit(dict(base(test, 'result'), outcome='failed', msg='unexpected success (marked expectedFailure)'))
        def addSubTest(self, test, subtest, err):
            if err is not None:
                failed(test, err, 'failed', subtest._subDescription())

    suite.run(_Result())

if _cfg['runner'] == 'pytest':
    _run_pytest()
else:
    _run_unittest()
_emit({'t': 'end', 'runner': _cfg['runner']})
_out.flush()
os._exit(0)
`;
