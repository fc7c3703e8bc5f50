/**
 * Line coverage of the file under critique, per example / test, for fault localisation
 * (faultLocalisation.ts). Runners splice the snippet in after the prelude and call
 * `_cov_start()` before a run and `_cov_take()` after it; the lines travel on the result channel
 * (`_emit`), never on the code's stdout. Each distinct set of lines is sent once as
 * `cov {n, lines}` (`lines` as ranges: "3-7,9") and results refer to it by `n`, so a suite of a
 * thousand tests that all run the same lines costs one line of output, not a thousand.
 *
 * Python 3.12+ uses `sys.monitoring` (events are disabled after their first hit and re-armed per
 * run, so a loop costs one callback per line); before that `sys.settrace`, with a local tracer
 * only on frames of the file under critique, so other code runs at the cost of one call event.
 */
import { int, str } from './protocol.js';

// Python source in String.raw, spliced into the runners' String.raw templates: no backtick or dollar-brace.
/** Python; after the prelude (needs _cfg, _emit, sys, os). Defines _cov_start() and _cov_take() -> id or None ({index: id} with covFiles), and wraps unittest's subTest so each subtest's lines are its own record (_cov_sub[0], taken by the runner's subtest report). */
export const pythonCoverageCollector = String.raw`
_cov_on = bool(_cfg.get('coverage'))
# Several files under critique share a session (covFiles): their lines are kept apart, by index.
_cov_multi = bool(_cfg.get('covFiles'))
_cov_files = {}
for _i, _p in enumerate(_cfg.get('covFiles') or [_cfg['file']]) if _cov_on else ():
    _cov_files[os.path.abspath(_p)] = _i
    _cov_files[os.path.realpath(_p)] = _i
_cov_count = len(set(_cov_files.values()))
_cov_lines = None
# The first line of the file a run executes is told at once ('touch'): a run stopped by the
# timeout never reports its lines, and whether it was inside the file tells a hang here from one elsewhere.
# With several files, each is told once per run: {'t': 'touch', 'f': index}.
_cov_touched = None
_cov_ids = {}
_cov_tool = None
if _cov_on and hasattr(sys, 'monitoring'):
    _mon = sys.monitoring
    for _t in (_mon.COVERAGE_ID, 3, 4, 5):
        try:
            _mon.use_tool_id(_t, 'critic-coverage')
            _cov_tool = _t
            break
        except ValueError:
            pass

    def _cov_line(code, line):
        if _cov_lines is not None:
            i = _cov_files.get(code.co_filename)
            if i is not None:
                _cov_lines[i].add(line)
                _cov_touch(i)
        return _mon.DISABLE

    if _cov_tool is not None:
        _mon.register_callback(_cov_tool, _mon.events.LINE, _cov_line)

def _cov_touch(i):
    if _cov_touched is not None and i not in _cov_touched:
        _cov_touched.add(i)
        _emit({'t': 'touch', 'f': i})

def _cov_global(frame, event, arg):
    i = _cov_files.get(frame.f_code.co_filename)
    if i is None:
        return None
    if _cov_lines is not None:
        _cov_touch(i)
    # A loop that has shown no new line for a while stops paying for line events in this frame:
    # a hot loop then runs at full speed, at the price of a branch first taken very late.
    idle = [0]

    def local(frame, event, arg):
        if event == 'line' and _cov_lines is not None:
            lines = _cov_lines[i]
            seen = len(lines)
            lines.add(frame.f_lineno)
            if len(lines) != seen:
                idle[0] = 0
            else:
                idle[0] += 1
                if idle[0] > 2000:
                    frame.f_trace_lines = False
        return local
    return local

def _cov_start():
    global _cov_lines, _cov_touched
    if not _cov_on:
        return
    _cov_lines = [set() for _ in range(_cov_count)]
    _cov_touched = set()
    _cov_stack.clear()
    _cov_sub[0] = None
    if _cov_tool is not None:
        _mon.restart_events()
        _mon.set_events(_cov_tool, _mon.events.LINE)
    else:
        sys.settrace(_cov_global)

def _cov_record(sets):
    # The id of a run's lines, or {index: id} when several files share the session.
    if _cov_multi:
        return {str(i): _cov_id(sorted(lines)) for i, lines in enumerate(sets)}
    return _cov_id(sorted(sets[0]))

def _cov_take():
    global _cov_lines, _cov_touched
    if not _cov_on or _cov_lines is None:
        return None
    if _cov_tool is not None:
        _mon.set_events(_cov_tool, 0)
    else:
        sys.settrace(None)
    sets = _cov_lines
    _cov_lines = None
    _cov_touched = None
    return _cov_record(sets)

# Subtests (unittest's subTest) get a record of their own: _cov_push() before the body starts a
# fresh set, _cov_pop() after it returns the subtest's id and adds its lines to the enclosing
# record, so the test as a whole still has all the lines it ran.
_cov_stack = []
_cov_sub = [None]

def _cov_push():
    global _cov_lines
    if not _cov_on or _cov_lines is None:
        _cov_stack.append(None)
        return
    _cov_stack.append(_cov_lines)
    _cov_lines = [set() for _ in range(_cov_count)]
    if _cov_tool is not None:
        # Lines the enclosing record saw were disabled after their first hit: re-arm them.
        _mon.restart_events()

def _cov_pop():
    global _cov_lines
    outer = _cov_stack.pop() if _cov_stack else None
    if outer is None or _cov_lines is None:
        return None
    sets = _cov_lines
    for a, b in zip(outer, sets):
        a.update(b)
    _cov_lines = outer
    return _cov_record(sets)

if _cov_on:
    import unittest as _cov_ut, contextlib as _cov_cl
    _cov_subtest0 = _cov_ut.TestCase.subTest

    @_cov_cl.contextmanager
    def _cov_subtest(self, *args, **kwargs):
        with _cov_subtest0(self, *args, **kwargs):
            _cov_push()
            try:
                yield
            finally:
                cov = _cov_pop()
                # Read by the runner's addSubTest / report hook, which the subtest's exit calls next.
                outcome = getattr(self, '_outcome', None)
                _cov_sub[0] = cov if outcome is not None and getattr(outcome, 'result_supports_subtests', False) else None

    _cov_ut.TestCase.subTest = _cov_subtest

def _cov_id(lines):
    key = tuple(lines)
    n = _cov_ids.get(key)
    if n is None:
        n = _cov_ids[key] = len(_cov_ids)
        spans, i = [], 0
        while i < len(lines):
            j = i
            while j + 1 < len(lines) and lines[j + 1] == lines[j] + 1:
                j += 1
            spans.append(str(lines[i]) if i == j else str(lines[i]) + '-' + str(lines[j]))
            i = j + 1
        _emit({'t': 'cov', 'n': n, 'lines': ','.join(spans)})
    return n
`;

/**
 * JS (an ES module), after the prelude (needs cfg, emit). V8's precise block coverage through the
 * in-process inspector (no port is opened), mapped back to the original file's lines through the
 * bundle's source map (the runner runs with --enable-source-maps, so `findSourceMap` has it).
 * Defines covStart() (resets the counters) and covTake() -> id or undefined; same `cov` events as
 * the Python collector. cfg.coverage is the file under critique, or '' for none.
 */
export const jsCoverageCollector = String.raw`
import { Session as CovSession } from 'node:inspector/promises';
import { findSourceMap as covFindSourceMap } from 'node:module';
import { pathToFileURL as covFileUrl } from 'node:url';

const covTarget = cfg.coverage ? covFileUrl(cfg.coverage).href : '';
let covSession;
if (covTarget) {
  try {
    covSession = new CovSession();
    covSession.connect();
    await covSession.post('Profiler.enable');
    await covSession.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  } catch {
    covSession = undefined;
  }
}
const covIds = new Map();
const covScripts = new Map();
const covScript = (url) => {
  let s = covScripts.get(url);
  if (s) return s;
  let text = '';
  try {
    text = readFileSync(new URL(url), 'utf8');
  } catch {}
  // Offset of each line's first non-blank character: a line ran when that character did.
  const starts = [];
  const cols = [];
  for (const m of text.matchAll(/^[ \t]*/gm)) {
    starts.push(m.index + m[0].length);
    cols.push(m[0].length);
  }
  s = { starts, cols, text, map: covFindSourceMap(new URL(url).pathname) };
  covScripts.set(url, s);
  return s;
};
const covStart = async () => {
  if (covSession) await covSession.post('Profiler.takePreciseCoverage').catch(() => {});
};
const covTake = async () => {
  if (!covSession) return undefined;
  let result;
  try {
    ({ result } = await covSession.post('Profiler.takePreciseCoverage'));
  } catch {
    return undefined;
  }
  const lines = new Set();
  for (const script of result) {
    if (!script.url.startsWith('file:') || !script.url.endsWith('.mjs')) continue;
    const { starts, cols, map, text } = covScript(script.url);
    if (!map) continue;
    const counts = new Map();
    for (const fn of script.functions) {
      // Ranges come outermost first; an inner block's count overrides its function's.
      fn.ranges.forEach((r, k) => {
        let lo = 0, hi = starts.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] < r.startOffset) lo = mid + 1; else hi = mid; }
        // A function's own range starts on its signature, which "runs" when it is declared.
        if (k === 0 && starts[lo] === r.startOffset && lo + 1 < starts.length && starts[lo + 1] < r.endOffset) lo++;
        for (let i = lo; i < starts.length && starts[i] < r.endOffset; i++) if (text[starts[i]] !== '}') counts.set(i, r.count);
      });
    }
    for (const [line, count] of counts) {
      if (count <= 0) continue;
      const e = map.findEntry(line, cols[line]);
      if (e && e.originalSource === covTarget && typeof e.originalLine === 'number') lines.add(e.originalLine + 1);
    }
  }
  const sorted = [...lines].sort((a, b) => a - b);
  const key = sorted.join(',');
  let n = covIds.get(key);
  if (n === undefined) {
    n = covIds.size;
    covIds.set(key, n);
    emit({ t: 'cov', n, lines: key });
  }
  return n;
};
`;

const maxLines = 200_000;

/** Lines from a `cov` event's ranges ("3-7,9"); malformed parts are dropped (the text is untrusted). */
export function parseCoverageRanges(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    // A range can only be as long as a file is; a hostile huge one must not allocate gigabytes.
    if (a < 1 || b < a || b - a > 1_000_000) continue;
    for (let l = a; l <= b && out.length < maxLines; l++) out.push(l);
  }
  return out;
}

/** Collects `cov` events of one run and resolves the `cov` field of results against them. */
export class CoverageTable {
  private readonly sets = new Map<number, number[]>();

  /** Records `ev` when it is a `cov` event; returns whether it was one. */
  add(ev: Record<string, unknown>): boolean {
    if (str(ev.t) !== 'cov') return false;
    const n = int(ev.n);
    const lines = str(ev.lines);
    if (n !== undefined && lines !== undefined && !this.sets.has(n)) this.sets.set(n, parseCoverageRanges(lines));
    return true;
  }

  /** The lines of every file a result's `files` ({path: id}) names; undefined when it has none. */
  filesOf(ev: Record<string, unknown>): Map<string, number[]> | undefined {
    if (!ev.files || typeof ev.files !== 'object') return undefined;
    const out = new Map<string, number[]>();
    for (const [path, id] of Object.entries(ev.files as Record<string, unknown>)) {
      const n = int(id);
      const lines = n === undefined ? undefined : this.sets.get(n);
      if (lines) out.set(path, lines);
    }
    return out;
  }

  /** The lines a result's `cov` id names; undefined when it has none (coverage off, or not recorded). */
  linesOf(ev: Record<string, unknown>): number[] | undefined {
    const n = int(ev.cov);
    return n === undefined ? undefined : this.sets.get(n);
  }
}
