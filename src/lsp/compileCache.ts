/**
 * A V8 code cache for TypeScript (9 MB of JavaScript), which `critic` loads on its first JS/TS
 * check: compiling it was most of a cold start (about 2 s of 2.5 under load, 0.8 s from the cache). Node ≥ 22.1 has `module.enableCompileCache`;
 * on older Node (20 here, and VS Code's Electron) the same is done by hand, as v8-compile-cache
 * does: big modules are compiled through `vm.Script` with the cached data of the previous run, and
 * the data is written back once the code has run (so it holds the functions compiled lazily too).
 * The cache lives in the user's cache folder, keyed by Node version, file, size and mtime; V8
 * itself rejects data from other flags or sources, and a rejected entry is rewritten.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

/** Only files at least this big are worth a cache entry (a read plus a hash per file). */
const minBytes = 1024 * 1024;

/**
 * Which modules may go through `vm.Script`. On Node 20 a function restored from cached data
 * cannot run `import()` (the loader callback is not restored with it: the server bundle hung on
 * web-tree-sitter's `import("module")`), so only modules known to need no dynamic import on
 * Critic's paths: by default TypeScript's own (its `import()` is for tsserver plugins).
 */
function isTypeScript(filename: string): boolean {
  return /[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(filename);
}
/** Write the cache this long after the first compile, in case the process never exits normally. */
const flushAfterMs = 20_000;

interface Pending {
  script: vm.Script;
  file: string;
}

interface ModuleInternals {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

type ModuleStatics = typeof Module & {
  enableCompileCache?: (dir: string) => unknown;
  wrap(code: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _cache: Record<string, unknown>;
  _extensions: Record<string, unknown>;
};

let installed: CompileCache | undefined;

export interface CompileCache {
  /** How modules were compiled so far: from the cache, or fresh (and queued to be written). */
  readonly stats: { hits: number; misses: number };
  /** Writes the queued entries now. */
  flush(): void;
}

function entryFile(dir: string, filename: string): string | undefined {
  try {
    const s = statSync(filename);
    const key = createHash('sha256').update(`${process.version}\0${process.arch}\0${filename}\0${s.size}\0${s.mtimeMs}`).digest('hex').slice(0, 32);
    return join(dir, `${key}.bin`);
  } catch {
    return undefined;
  }
}

function readEntry(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** A `require` for `mod`, as Node's own module wrapper passes it. */
function requireFor(mod: ModuleInternals, statics: ModuleStatics): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  req.resolve = ((request: string, options?: unknown) => statics._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  req.main = require.main;
  req.cache = statics._cache as NodeJS.Require['cache'];
  req.extensions = statics._extensions as NodeJS.Require['extensions'];
  return req;
}

/**
 * Turns the code cache on for this process (once; later calls return the first cache). Failures
 * never break loading: a module that cannot go through the cache is compiled as Node would.
 */
export function enableCompileCache(dir: string, cacheable: (filename: string) => boolean = isTypeScript): CompileCache {
  if (installed) return installed;
  const statics = Module as ModuleStatics;
  if (typeof statics.enableCompileCache === 'function') {
    statics.enableCompileCache(dir);
    return (installed = { stats: { hits: 0, misses: 0 }, flush: () => undefined });
  }
  const pending: Pending[] = [];
  const stats = { hits: 0, misses: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    for (const p of pending.splice(0)) {
      try {
        mkdirSync(dir, { recursive: true });
        // Another Critic process may write the same entry: write aside, then rename.
        const tmp = `${p.file}.${process.pid}.tmp`;
        writeFileSync(tmp, p.script.createCachedData());
        renameSync(tmp, p.file);
      } catch {
        // A read-only or full cache folder only costs the next start its speed.
      }
    }
  };
  const proto = Module.prototype as unknown as ModuleInternals;
  const original = proto._compile;
  proto._compile = function compileWithCache(this: ModuleInternals, content: string, filename: string) {
    const file = content.length >= minBytes && cacheable(filename) ? entryFile(dir, filename) : undefined;
    if (!file) return original.call(this, content, filename);
    const cachedData = readEntry(file);
    let script: vm.Script;
    try {
      script = new vm.Script(statics.wrap(content), { filename, cachedData });
    } catch {
      // A syntax error: let Node report it the usual way.
      return original.call(this, content, filename);
    }
    if (cachedData && !script.cachedDataRejected) stats.hits++;
    else {
      stats.misses++;
      pending.push({ script, file });
      timer ??= setTimeout(flush, flushAfterMs).unref();
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, statics), this, filename, dirname(filename));
  };
  process.once('exit', flush);
  return (installed = { stats, flush });
}
