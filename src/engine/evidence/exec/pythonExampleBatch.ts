/**
 * The docstring examples of many modules in one sandboxed interpreter: a parent that imports only
 * the standard library forks one child per module, and the child runs exactly the per-file runner
 * (pythonDoctestRunner.ts's body) for its module. Each module therefore starts from the same
 * pristine interpreter (no project module imported, its own sys.path, sys.modules and audit
 * record), has the per-file CPU limit and the per-file timeout (enforced by the parent, which
 * kills the child's process group), and reports under a marker of its own, so its results can be
 * told apart from every other module's. A module the batch cannot vouch for (its child crashed,
 * hit a limit or exited early, or the whole run stopped) gets no seed and runs on its own as
 * before; one that timed out carries on from its seed around the example that hung.
 */
import { SandboxError } from '../../sandbox/sandbox.js';
import type { Sandbox } from '../../sandbox/types.js';
import { batchSeeds, type BatchSeed } from './exampleBatches.js';
import { collectResults, newMarker, runnerConfigFile, runnerResultsFile } from './protocol.js';
import { pythonDoctestBody, pythonDoctestImports, type DoctestRunnerConfig } from './pythonDoctestRunner.js';
import { pythonRunnerPrelude } from './runnerPrelude.js';

export const pythonBatchRunnerFile = 'critic_doctest_batch.py';
const bodyFile = 'critic_doctest_body.py';

/** One module of a batch: its runner settings (without marker and skip list) and its text. */
export interface BatchModule {
  config: Omit<DoctestRunnerConfig, 'marker' | 'skip'>;
  text: string;
}


// Python in String.raw (see runnerPrelude.ts); it must never contain a backtick or a dollar-brace
// apart from the spliced snippets.
const pythonBatchRunner = String.raw`
${pythonDoctestImports}
import time, select, signal
try:
    import resource
except ImportError:
    resource = None

${pythonRunnerPrelude}
# Everything a child needs is read now, before any project code runs, and the files removed: a
# module's code cannot change what a later module runs.
with open(os.path.join(_here, 'critic_doctest_body.py'), encoding='utf-8') as _f:
    _body = compile(_f.read(), '<critic-doctests>', 'exec', dont_inherit=True)
os.remove(os.path.join(_here, 'critic_doctest_body.py'))
_mods = _cfg['modules']
for _m in _mods:
    _p = os.path.join(_here, _m.pop('source'))
    with open(_p, encoding='utf-8-sig') as _f:
        _m['text'] = _f.read()
    os.remove(_p)
_batch_mark = _mark
_batch_paths = set(_cfg['path'])
_clean_path = [p for p in sys.path if p not in _batch_paths]
_timeout = _cfg['timeoutMs'] / 1000.0
_cpu = int(_cfg['cpuSeconds'])

def _child(m):
    global _cfg, _mark, _batch_mark, _mods
    os.setpgid(0, 0)
    _mark = m.pop('marker')
    _cfg = m
    _batch_mark = None
    _mods = None
    sys.path[:] = list(_clean_path)
    for p in reversed(m['path']):
        sys.path.insert(0, p)
    _reads.clear()
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (_cpu, _cpu))
        except (ValueError, OSError):
            pass
    exec(_body, globals())

def _wait(pid):
    deadline = time.monotonic() + _timeout
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    try:
        while True:
            got, status = os.waitpid(pid, os.WNOHANG)
            if got == pid:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {'how': 'timeout'}
            if fd is not None:
                select.select([fd], [], [], left)
            else:
                time.sleep(min(left, 0.005))
    finally:
        if fd is not None:
            os.close(fd)
    if os.WIFEXITED(status):
        return {'how': 'exit', 'code': os.WEXITSTATUS(status)}
    return {'how': 'signal', 'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else -1}

for _i, _m in enumerate(_mods):
    _out.flush()
    sys.stderr.flush()
    _pid = os.fork()
    if _pid == 0:
        try:
            _child(_m)
        finally:
            os._exit(70)
    try:
        os.setpgid(_pid, _pid)
    except OSError:
        pass
    _ev = _wait(_pid)
    # Whatever the module left running in its process group goes with it.
    try:
        os.killpg(_pid, signal.SIGKILL)
    except OSError:
        pass
    _ev.update(t='exit', i=_i)
    _out.write(_batch_mark + ' ' + json.dumps(_ev) + '\n')
    _out.flush()
_out.write(_batch_mark + ' ' + json.dumps({'t': 'batch-end'}) + '\n')
_out.flush()
os._exit(0)
`;

export interface BatchRequest {
  sandbox: Sandbox;
  projectRoot: string;
  modules: readonly BatchModule[];
  /** The per-file timeout, applied to each module. */
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Runs the modules in one sandbox run; the seed of module i, or undefined where the batch cannot
 * vouch for its result (that module then runs on its own). Throws only what the sandbox throws.
 */
export async function runPythonExampleBatch(req: BatchRequest): Promise<Array<BatchSeed | undefined>> {
  const marker = newMarker();
  const markers = req.modules.map(() => newMarker());
  const files: Record<string, string> = { [pythonBatchRunnerFile]: pythonBatchRunner, [bodyFile]: pythonDoctestBody };
  const modules = req.modules.map((m, i) => {
    const source = `critic_source_${i}.py`;
    files[source] = m.text;
    return { ...m.config, marker: markers[i], skip: [], source };
  });
  const path = [...new Set(req.modules.flatMap((m) => m.config.path))];
  const cpuSeconds = Math.max(1, Math.ceil(req.timeoutMs / 1000 + 1));
  files[runnerConfigFile] = JSON.stringify({ marker, path, modules, timeoutMs: req.timeoutMs, cpuSeconds });
  // Each module is bounded by the parent; the run as a whole only guards against the parent itself.
  const total = req.modules.length * (req.timeoutMs + 1000) + 10_000;
  const res = await req.sandbox.run({
    interpreter: 'python',
    args: ['-B', pythonBatchRunnerFile],
    projectRoot: req.projectRoot,
    files,
    env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    timeoutMs: total,
    cpuSeconds: Math.ceil(total / 1000),
    extraTasks: 1,
    signal: req.signal,
    ...collectResults,
  });
  const stream = res.collected?.[runnerResultsFile];
  if (stream === undefined) throw new SandboxError('The example batch needs the sandbox result channel.');
  return batchSeeds(stream, marker, markers, 'was killed by SIGKILL');
}
