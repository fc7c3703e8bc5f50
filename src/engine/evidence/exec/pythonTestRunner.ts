/**
 * The script that runs a file's related Python tests inside the sandbox: with pytest (through a
 * small plugin) when the project's Python has it, else with unittest (a custom result class).
 * Both report marked JSON lines (protocol.ts):
 *   start {id, name, file, line} · result {id, name, file, line, outcome, exc, msg, frames}
 *   collect {file, exc, msg, frames} · loaded {name} (the file under critique was imported)
 *   budget {unrun} (tests left unrun for time) · collected {files: {path: count}} · end {runner}
 *   stack {id, ms, frames: [{file, line, id}]} (where a test still running after the budget is: a
 *   watchdog's samples, outermost frame first, so a test the timeout kills says where it looped)
 * The module under critique is not preloaded: the tests import it themselves, under whatever name
 * and at whatever moment the project does (after conftest.py, through its package or from its
 * folder), so there is only ever the copy they use. An import hook serves the text under critique
 * (which may be unsaved) for that one file, whatever name it is imported under.
 */

import { pythonCoverageCollector } from './coverageCollector.js';
import { pythonRunnerPrelude, runnerSourceFile } from './runnerPrelude.js';

export const pythonTestRunnerFile = 'critic_tests.py';

export interface PythonTestRunnerConfig {
  marker: string;
  runner: 'pytest' | 'unittest';
  /** Absolute test files. */
  files: string[];
  /** pytest's rootdir: the working directory. */
  root: string;
  /** Folders put first on sys.path. */
  path: string[];
  /** The file under critique; its text is served from `critic_source.py` (unless it is one of the tests). */
  file: string;
  /**
   * A session shared by several files under critique (one check of many files): each file's text
   * is served from its own scratch file, `loaded` events name the file, and coverage is recorded
   * per file (`cov` is then `{index: id}`). Replaces `file` for the hook when given.
   */
  targets?: Array<{ file: string; src: string }>;
  /** With `targets`: the files whose lines coverage records, by index (coverageCollector.ts). */
  covFiles?: string[];
  /** Which installed pytest plugins to load (pytestPlugins.ts); absent: pytest's own autoloading. */
  plugins?: { autoload: boolean; declared: string[]; ini: string[] };
  /** The project's pytest `addopts` that decide how tests load (import mode, plugins, warnings). */
  addopts: string[];
  /** Tests not started within this many ms of the start are left unrun (reported as a count). */
  budgetMs: number;
  /** Record the lines of `file` each test runs (coverageCollector.ts). */
  coverage: boolean;
}

/**
 * The `addopts` words worth keeping: how modules are imported, plugins, warning filters, marker
 * strictness. Reporting, coverage, parallelism and selection options are the project's
 * interactive habits and would break or slow a run of a few files (`--cov` without pytest-cov).
 */
export function keptAddopts(addopts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < addopts.length; i++) {
    const a = addopts[i]!;
    if (/^--import-mode=|^-p.+|^-W.+|^--strict-markers$|^--pythonwarnings=/.test(a)) out.push(a);
    else if ((a === '-p' || a === '-W' || a === '--import-mode' || a === '--pythonwarnings') && i + 1 < addopts.length) out.push(a, addopts[++i]!);
  }
  return out;
}

// Python source in String.raw: backslashes reach Python untouched; apart from the shared snippets
// spliced in (runnerPrelude.ts), no backtick or dollar-brace.
export const pythonTestRunner = String.raw`
import sys, os, json, re, importlib, importlib.machinery, linecache, traceback, inspect

${pythonRunnerPrelude}
${pythonCoverageCollector}
os.chdir(_cfg['root'])

# Tests not started before the budget runs out are left unrun (and counted) rather than cut off
# mid-test by the sandbox's timeout, which would read as a hang in whichever test was running.
import time as _time
_t0 = _time.monotonic()
_deadline = _t0 + _cfg.get('budgetMs', 10 ** 9) / 1000.0

def _ms():
    return int((_time.monotonic() - _t0) * 1000)
_unrun = [0]

def _over_budget():
    return _time.monotonic() > _deadline

# Once the budget is spent, the test still running may be one that never ends (an endless loop):
# the sandbox kills the run at its timeout, which says nothing about where it was. A watchdog
# thread samples the main thread's stack from then on and reports it on the result channel
# ({t: 'stack', id, frames}: outermost first), so the last sample before the kill says which line
# the test was looping on. Pure-Python loops let the thread run (the interpreter switches threads
# every few milliseconds); it writes nothing but result lines.
_running = [None]
_emit_plain = _emit

def _emit(obj):
    if obj.get('t') == 'start':
        _running[0] = obj.get('id')
    elif obj.get('t') == 'result' and obj.get('id') == _running[0]:
        _running[0] = None
    _emit_plain(obj)

def _watch(main_id, _sleep=_time.sleep, _mono=_time.monotonic):
    # The clock's functions as they are now: a test that mocks time.sleep must not make this spin.
    every = min(0.5, max(0.05, (_cfg.get('budgetMs') or 1000) / 40000.0))
    # The frames of the last samples are held, so no new call's frame can reuse the address (the
    # id) of one that returned since: a frame id in every recent sample is one unfinished call.
    held = []
    while True:
        _sleep(max(every, _deadline - _mono()))
        test = _running[0]
        frame = sys._current_frames().get(main_id)
        if test is None or frame is None:
            continue
        # Read from the frames themselves (no source lookup: nothing is opened), innermost 60.
        out = []
        keep = []
        while frame is not None and len(out) < 60:
            keep.append(frame)
            # id: the same frame in two samples is one call that has not returned (the loop's own).
            out.append({'file': os.path.abspath(frame.f_code.co_filename), 'line': frame.f_lineno or 0, 'id': id(frame)})
            frame = frame.f_back
        out.reverse()
        held = (held + [keep])[-4:]
        try:
            _emit_plain({'t': 'stack', 'id': test, 'ms': int((_mono() - _t0) * 1000), 'frames': out})
        except Exception:
            return

if 'budgetMs' in _cfg:
    # A bare thread: not in threading.enumerate() or active_count(), which tests that check for
    # leaked threads count.
    import _thread
    _thread.start_new_thread(_watch, (_thread.get_ident(),))

# Each test file gets a fair share of what is left of the budget when it starts (what is left
# divided by the files not yet started): one slow file (jmespath's hypothesis tests, a stress
# suite traced line by line) leaves the files after it their time instead of starving them. The
# last file gets all that is left; a file that finishes early leaves its time to the others. The
# tests a cut leaves run after every file has had its share, while the budget lasts.
_fair = {'order': [], 'src': None, 'start': 0.0, 'allow': 0.0, 'last': True, 'started': set()}

def _fair_cut(src):
    order = _fair['order']
    if len(order) < 2 or src not in order:
        return False
    now = _time.monotonic()
    if src != _fair['src']:
        _fair['started'].add(src)
        left = len(order) - len(_fair['started']) + 1
        _fair.update(src=src, start=now, allow=max(0.0, _deadline - now) / max(1, left), last=left <= 1)
    return not _fair['last'] and now - _fair['start'] > _fair['allow']

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

# The files under critique whose (maybe unsaved) text the tests must import; a test file under
# critique is collected from disk by the runner itself.
_targets = {}
for _t in (_cfg.get('targets') or [{'file': _cfg['file'], 'src': '${runnerSourceFile}'}]):
    if _t['file'] in _cfg['files']:
        continue
    with open(os.path.join(_here, _t['src']), encoding='utf-8') as _f:
        _src = _f.read()
    linecache.cache[_t['file']] = (len(_src), None, _src.splitlines(True), _t['file'])
    _leaf = os.path.splitext(os.path.basename(_t['file']))[0]
    if _leaf == '__init__':
        _leaf = os.path.basename(os.path.dirname(os.path.realpath(_t['file'])))
    _targets[os.path.realpath(_t['file'])] = (_t['file'], _src, _leaf)
_leaves = {v[2] for v in _targets.values()}

if _targets:
    class _SourceLoader(importlib.machinery.SourceFileLoader):
        def __init__(self, fullname, path, file, src):
            super().__init__(fullname, path)
            self._critic = (file, src)

        def get_code(self, fullname):
            # Tests that never load the file (they import another copy of it) say nothing about it.
            _emit({'t': 'loaded', 'name': fullname, 'file': self._critic[0]})
            return compile(self._critic[1], self.path, 'exec', dont_inherit=True)

        def get_source(self, fullname):
            return self._critic[1]

    class _SourceFinder:
        # Only names ending like a file under critique are looked up twice; everything else goes on untouched.
        @classmethod
        def find_spec(cls, name, path=None, target=None):
            if name.rpartition('.')[2] not in _leaves:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            hit = _targets.get(os.path.realpath(spec.origin)) if spec is not None and spec.origin else None
            if hit is None:
                return None
            spec.loader = _SourceLoader(name, spec.origin, hit[0], hit[1])
            return spec

        @classmethod
        def invalidate_caches(cls):
            pass

    sys.meta_path.insert(0, _SourceFinder)

def _plugin_args():
    # Installed plugins load only when the project asks for them (pytestPlugins.ts): an unrelated
    # plugin costs every run its import (hypothesis alone about 0.6 s). Listed here, inside the
    # sandbox, from the interpreter's own distributions.
    pc = _cfg.get('plugins')
    if not pc or pc.get('autoload'):
        return []
    import importlib.metadata as _md
    norm = lambda s: re.sub(r'[-_.]+', '-', s or '').lower()
    declared = set(pc.get('declared') or [])
    ini = [k.lower().split('_')[0] for k in pc.get('ini') or []]
    picks = []
    for d in _md.distributions():
        try:
            dist = norm(d.metadata['Name'])
            eps = [ep for ep in d.entry_points if ep.group == 'pytest11']
        except Exception:
            continue
        for ep in eps:
            words = set(dist.split('-')) | set(norm(ep.name).split('-'))
            if (dist in declared or any(len(k) >= 3 and k in words for k in ini)) and ep.name not in picks:
                picks.append(ep.name)
    os.environ['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] = '1'
    _emit({'t': 'plugins', 'loaded': picks})
    return [a for n in picks for a in ('-p', n)]

def _run_pytest():
    import pytest

    class _Plugin:
        root = _cfg['root']
        failed_subs = set()

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_protocol(self, item, nextitem):
            if _over_budget():
                _unrun[0] += 1
                return True
            return None

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session):
            # pytest's own loop, in two passes (see _fair_cut): every file its share first, then
            # what the cuts left, in order.
            if session.testsfailed and not session.config.option.continue_on_collection_errors:
                raise session.Interrupted('%d error%s during collection' % (session.testsfailed, 's' if session.testsfailed != 1 else ''))
            if session.config.option.collectonly:
                return True
            setup = getattr(session, '_setupstate', None)
            if setup is None or not hasattr(setup, 'teardown_exact'):
                return None
            def run(item, nextitem):
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
                if session.shouldfail:
                    raise session.Failed(session.shouldfail)
                if session.shouldstop:
                    raise session.Interrupted(session.shouldstop)
            deferred = []
            cut = set()
            items = list(session.items)
            done = None
            for i, item in enumerate(items):
                src = self._src(item.nodeid)
                if src in cut or _fair_cut(src):
                    cut.add(src)
                    deferred.append(item)
                    continue
                # The item run before this one was told another came next: tear down what this one does not share.
                if done is not None and done is not items[i - 1]:
                    setup.teardown_exact(item)
                run(item, items[i + 1] if i + 1 < len(items) else None)
                done = item
            if deferred and done is not None:
                setup.teardown_exact(deferred[0])
            for i, item in enumerate(deferred):
                run(item, deferred[i + 1] if i + 1 < len(deferred) else None)
            return True

        def pytest_configure(self, config):
            self.root = str(config.rootpath)
            # Only this process: a test that starts pytest itself gets the usual plugins.
            os.environ.pop('PYTEST_DISABLE_PLUGIN_AUTOLOAD', None)

        def pytest_collection_finish(self, session):
            self.paths = {i.nodeid: str(i.path) for i in session.items if getattr(i, 'path', None)}
            # How many tests each file holds: a session cut short still completes some files.
            counts = {}
            for i in session.items:
                src = self._src(i.nodeid)
                counts[src] = counts.get(src, 0) + 1
            _fair['order'] = list(counts)
            _emit({'t': 'collected', 'files': counts})

        def _src(self, nodeid):
            # The file the test was collected from (a shared session's results are split by it).
            p = getattr(self, 'paths', {}).get(nodeid)
            return p or os.path.normpath(os.path.join(self.root, nodeid.split('::')[0]))

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            _cov_start()
            try:
                outcome = yield
            finally:
                item.critic_cov = _cov_take()
            # Line tracing keeps frames and objects alive: a test about memory (a leak test that
            # counts gc.get_objects()) can fail only because it was traced. A failure under
            # tracing is confirmed by running the test once more untraced, as plain pytest would;
            # when that run passes, the test passed (without coverage for it).
            exc = outcome.excinfo
            if exc is None or item.critic_cov is None or _over_budget() or item.get_closest_marker('xfail') is not None:
                return
            if issubclass(exc[0], (pytest.skip.Exception, pytest.xfail.Exception)) or not issubclass(exc[0], Exception):
                return
            try:
                item.runtest()
            except BaseException:
                return
            item.critic_cov = None
            item.critic_untraced = True
            outcome.force_result(None)

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            outcome = yield
            rep = outcome.get_result()
            if call.when == 'call':
                rep.critic_cov = getattr(item, 'critic_cov', None)
                if _cov_sub[0] is not None:
                    # A subtest's report (pytest 9 reports each unittest subTest): its own lines.
                    rep.critic_cov = _cov_sub[0]
                    rep.critic_sub = True
                    _cov_sub[0] = None
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
            _emit({'t': 'start', 'id': nodeid, 'name': nodeid.split('::', 1)[-1], 'file': f, 'line': l, 'src': self._src(nodeid), 'ms': _ms()})

        def pytest_runtest_logreport(self, report):
            if report.when != 'call' and not report.failed and not (report.when == 'setup' and report.skipped):
                return
            f, l = self._where(report.location)
            outcome = report.outcome
            if report.failed and report.when != 'call':
                outcome = 'error'
            if hasattr(report, 'wasxfail'):
                outcome = 'skipped' if report.skipped else 'failed'
            ev = {'t': 'result', 'id': report.nodeid, 'name': report.nodeid.split('::', 1)[-1], 'file': f, 'line': l, 'outcome': outcome, 'phase': report.when, 'src': self._src(report.nodeid)}
            describe = getattr(report, '_sub_test_description', None)
            if callable(describe) and hasattr(report, 'context'):
                # One subtest of the test: a result of its own, its parent named.
                label = describe()
                ev.update(id=report.nodeid + ' ' + label, name=ev['name'] + ' ' + label, sub=report.nodeid)
                if report.failed:
                    self.failed_subs.add(report.nodeid)
            elif report.when == 'call' and report.nodeid in self.failed_subs:
                # The test itself, whose subtests failed: pytest marks it failed ("contains 1 failed
                # subtest") only after this hook; its failures are its subtests', reported already.
                self.failed_subs.discard(report.nodeid)
                return
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

    # One file that fails to import must not hide the others' results.
    args = _plugin_args() + ['-p', 'no:cacheprovider', '--tb=short', '-q', '--continue-on-collection-errors', '-o', 'addopts=' + ' '.join(_cfg['addopts'])]
    pytest.main(args + _cfg['files'], plugins=[_Plugin()])

def _module_of(path):
    parts = [os.path.splitext(os.path.basename(path))[0]]
    d = os.path.dirname(path)
    while os.path.exists(os.path.join(d, '__init__.py')) and os.path.dirname(d) != d:
        parts.insert(0, os.path.basename(d))
        d = os.path.dirname(d)
    return '.'.join(parts), d

def _tag(suite, path):
    # The file each test was loaded from (a shared session's results are split by it).
    for t in suite:
        if hasattr(t, '__iter__'):
            _tag(t, path)
        else:
            try:
                t._critic_src = path
            except Exception:
                pass

def _run_unittest():
    import unittest
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    _loaded = []
    for path in _cfg['files']:
        name, root = _module_of(path)
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            module = importlib.import_module(name)
            found = unittest.TestSuite()
            found.addTests(loader.loadTestsFromModule(module))
            # pytest-style test functions without fixtures run too when pytest is not installed.
            for fname, fn in sorted(vars(module).items()):
                if fname.startswith('test') and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                    params = inspect.signature(fn).parameters.values()
                    if all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                        found.addTest(unittest.FunctionTestCase(fn))
            _tag(found, path)
            _loaded.append((path, found))
            suite.addTests(found)
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
        ev = {'t': t, 'id': test.id(), 'name': name, 'file': f, 'line': l, 'src': getattr(test, '_critic_src', f)}
        cov = _cov_take() if t == 'result' else None
        if cov is not None:
            ev['cov'] = cov
        return ev

    def failed(test, err, outcome, label=None, cov=None):
        ev = base(test, 'result') if label is None else sub(test, label, cov)
        e = err[1]
        ev.update({'outcome': outcome, 'exc': err[0].__name__, 'msg': _exc_only(e), 'frames': _frames_tb(err[2])})
        _emit(ev)

    def sub(test, label, cov):
        # A subtest's result: its own lines (the subTest wrapper's record), the test's coverage goes on.
        f, l = where(test)
        fn = func_of(test)
        name = (fn.__name__ if fn else type(test).__name__ + '.' + getattr(test, '_testMethodName', str(test))) + ' ' + label
        ev = {'t': 'result', 'id': test.id() + ' ' + label, 'name': name, 'file': f, 'line': l, 'src': getattr(test, '_critic_src', f), 'sub': test.id()}
        if cov is not None:
            ev['cov'] = cov
        return ev

    class _Result(unittest.TestResult):
        def startTest(self, test):
            # The suite checks shouldStop before each next test: this one still runs.
            if _over_budget() or _fair_cut(getattr(test, '_critic_src', None)):
                self.stop()
            super().startTest(test)
            _emit(dict(base(test, 'start'), ms=_ms()))
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
            cov = _cov_sub[0]
            _cov_sub[0] = None
            if err is not None:
                failed(test, err, 'failed', subtest._subDescription(), cov)
            elif cov is not None:
                # With coverage, passing subtests are runs of their own too (what tells the lines apart).
                _emit(dict(sub(test, subtest._subDescription(), cov), outcome='passed'))

    counts = {}
    for path, found in _loaded:
        counts[path] = counts.get(path, 0) + found.countTestCases()
    _emit({'t': 'collected', 'files': counts})
    result = _Result()
    # File by file, so a file cut short for its share of the budget (_fair_cut) stops only itself;
    # what the cuts left runs after every file has had its share, while the budget lasts.
    _fair['order'] = [path for path, _found in _loaded]
    def flat(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flat(t)
            else:
                yield t
    deferred = []
    for path, found in _loaded:
        tests = list(flat(found))
        before = result.testsRun
        result.shouldStop = False
        unittest.TestSuite(tests).run(result)
        if result.shouldStop:
            deferred.extend(tests[result.testsRun - before:])
    if deferred:
        _fair['order'] = []
        before = result.testsRun
        result.shouldStop = False
        unittest.TestSuite(deferred).run(result)
        if result.shouldStop:
            _unrun[0] += max(0, len(deferred) - (result.testsRun - before))

if _cfg['runner'] == 'pytest':
    _run_pytest()
else:
    _run_unittest()
if _unrun[0]:
    _emit({'t': 'budget', 'unrun': _unrun[0]})
_emit({'t': 'end', 'runner': _cfg['runner']})
_out.flush()
os._exit(0)
`;
