/**
 * The scripts that run a file's probes inside the sandbox. They speak the examples' line protocol
 * (exec/protocol.ts, exec/exampleBatches.ts), so a hanging probe costs one batch and the others
 * still run. Each probe is a "test" with two steps:
 *   i=0  prepare: compile the call and evaluate the expected value — a failure here is the
 *        model's mistake, and the probe is dropped;
 *   i=1  run the call and compare — pass / fail {got} / raise {exc, msg, frames}.
 * The runner does the comparison itself (Python `==`, JS util.isDeepStrictEqual; numbers within
 * a relative 1e-9, so 0.1 + 0.2 equals 0.3), and an expected "raises X" passes when the call
 * raises X or a subclass of it.
 */

import { jsCoverageCollector, pythonCoverageCollector } from '../evidence/exec/coverageCollector.js';
import { jsRunnerPrelude, pythonRunnerPrelude, pythonSourceImport } from '../evidence/exec/runnerPrelude.js';

export const probeRunnerFiles = {
  python: 'critic_probes.py',
  node: 'critic_probes.mjs',
  /** The JS bundle: the module under critique with the probe registrations appended. */
  bundle: 'critic_probes_bundle.mjs',
} as const;

/** One probe as the runner gets it. */
export interface RunnerProbe {
  id: string;
  call: string;
  expected: string;
  /** Set when the expected outcome is an exception: its class name, or '' for any. */
  raises: string | null;
}

export interface PythonProbeRunnerConfig {
  marker: string;
  module: string;
  file: string;
  path: string[];
  isPackage: boolean;
  probes: RunnerProbe[];
  skip: string[];
  /** Record the lines of `file` each probe runs (coverageCollector.ts). */
  coverage: boolean;
}

export interface JsProbeRunnerConfig {
  marker: string;
  probes: string[];
  skip: string[];
  /** The file whose lines each probe's coverage records; '' for none. */
  coverage: string;
}

/** The global the appended JS registrations push to. */
export const jsProbeRegistryKey = 'critic.probes';

/**
 * The statement registering one JS probe, appended to the module's own source so the call sees
 * every top-level name, exported or not. `call` and `expected` were checked to parse on their own.
 */
export function jsProbeSource(p: RunnerProbe): string {
  const expected = p.raises === null ? `async () => (${p.expected}\n)` : 'null';
  return `(globalThis[Symbol.for(${JSON.stringify(jsProbeRegistryKey)})] ??= []).push({ id: ${JSON.stringify(p.id)}, raises: ${JSON.stringify(p.raises)}, call: async () => (${p.call}\n), expected: ${expected} });`;
}

// Python source in String.raw: backslashes reach Python untouched; apart from the shared snippets
// spliced in (runnerPrelude.ts) it must never contain a backtick or a dollar-brace.
export const pythonProbeRunner = String.raw`
import sys, os, json, math, inspect, importlib, importlib.util, linecache, traceback

${pythonRunnerPrelude}
${pythonCoverageCollector}
_target = os.path.realpath(_cfg['file'])

def _frames(tb):
    return [{'file': fr.filename, 'line': fr.lineno or 0} for fr in traceback.extract_tb(tb) if os.path.realpath(fr.filename) == _target]

def _exc(e):
    lines = traceback.format_exception_only(type(e), e)
    return {'exc': type(e).__name__, 'msg': ''.join(lines).strip()[-2000:]}

${pythonSourceImport}
try:
    _ns = _import().__dict__
except BaseException as e:
    _emit(dict(t='import', frames=[], **_exc(e)))
    os._exit(0)

def _show(v):
    try:
        r = repr(v)
    except BaseException:
        r = '<' + type(v).__name__ + ' object>'
    return r if len(r) <= 2000 else r[:2000] + '...'

def _raised(e, name):
    if not name:
        return True
    short = name.rsplit('.', 1)[-1]
    return any(c.__name__ == short for c in type(e).__mro__)

def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)

def _same(got, want):
    if _number(got) and _number(want) and (isinstance(got, float) or isinstance(want, float)):
        return got == want or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    return bool(got == want)

def _value(v):
    if inspect.iscoroutine(v):
        import asyncio
        return asyncio.run(v)
    return v

_skip = set(_cfg['skip'])
for _p in _cfg['probes']:
    _id, _raises = _p['id'], _p['raises']
    if _id in _skip:
        continue
    _emit({'t': 'start', 'test': _id, 'i': 0})
    try:
        _code = compile(_p['call'], '<probe>', 'eval', dont_inherit=True)
        _want = None
        if _raises is None:
            _want = _value(eval(compile(_p['expected'], '<expected>', 'eval', dont_inherit=True), _ns))
    except BaseException as e:
        _emit(dict(t='raise', test=_id, i=0, frames=[], **_exc(e)))
        _emit({'t': 'done', 'test': _id})
        continue
    _emit({'t': 'start', 'test': _id, 'i': 1})
    _cov_start()
    try:
        _got = _value(eval(_code, _ns))
    except BaseException as e:
        _cov = _cov_take()
        if _raises is not None and _raised(e, _raises):
            _emit({'t': 'pass', 'test': _id, 'i': 1, 'cov': _cov})
        else:
            _emit(dict(t='raise', test=_id, i=1, cov=_cov, frames=_frames(e.__traceback__), **_exc(e)))
        _emit({'t': 'done', 'test': _id})
        continue
    _cov = _cov_take()
    try:
        _ok = _raises is None and _same(_got, _want)
    except BaseException:
        _ok = False
    if _ok:
        _emit({'t': 'pass', 'test': _id, 'i': 1, 'cov': _cov})
    else:
        _emit({'t': 'fail', 'test': _id, 'i': 1, 'cov': _cov, 'got': _show(_got)})
    _emit({'t': 'done', 'test': _id})
_emit({'t': 'end'})
_out.flush()
# Skips interpreter shutdown: a thread the code left running must not hold the run open.
os._exit(0)
`;

// Runs as an ES module after the shared prelude (runnerPrelude.ts); String.raw keeps backslashes,
// and the text has no backtick or dollar-brace.
export const jsProbeRunner = String.raw`${jsRunnerPrelude}
${jsCoverageCollector}
const same = (a, b) =>
  isDeepStrictEqual(a, b) || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12);

const registry = (globalThis[Symbol.for('critic.probes')] ??= []);
try {
  await import('./critic_probes_bundle.mjs');
} catch (e) {
  emit({ t: 'import', ...excOf(e) });
  process.exit(0);
}
const byId = new Map();
for (const p of registry) if (p && typeof p.id === 'string' && typeof p.call === 'function' && !byId.has(p.id)) byId.set(p.id, p);

for (const id of cfg.probes) {
  const p = byId.get(id);
  if (!p || cfg.skip.includes(id)) continue;
  emit({ t: 'start', test: id, i: 0 });
  let want;
  if (p.raises === null) {
    try {
      want = await p.expected();
    } catch (e) {
      emit({ t: 'raise', test: id, i: 0, ...excOf(e) });
      emit({ t: 'done', test: id });
      continue;
    }
  }
  emit({ t: 'start', test: id, i: 1 });
  let got;
  await covStart();
  try {
    got = await p.call();
  } catch (e) {
    const cov = await covTake();
    if (p.raises !== null && raised(e, p.raises)) emit({ t: 'pass', test: id, i: 1, cov });
    else emit({ t: 'raise', test: id, i: 1, cov, ...excOf(e) });
    emit({ t: 'done', test: id });
    continue;
  }
  const cov = await covTake();
  if (p.raises === null && same(got, want)) emit({ t: 'pass', test: id, i: 1, cov });
  else emit({ t: 'fail', test: id, i: 1, cov, got: show(got) });
  emit({ t: 'done', test: id });
}
emit({ t: 'end' });
// Timers or sockets the code left open must not hold the run until the timeout.
process.exit(0);
`;
