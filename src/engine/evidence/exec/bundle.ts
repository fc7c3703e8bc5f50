/**
 * Bundles a JS/TS module (and the project files it imports) with esbuild, in the engine process
 * and into memory, so the sandbox can run it from its scratch folder without writing anything in
 * the project. Packages from node_modules stay external but are imported by absolute path, so
 * they resolve from the scratch folder too; stack traces map back to the original files.
 *
 * Output is ESM: it allows top-level await and ESM-only packages; a banner gives bundled CommonJS
 * code a working `require`, and `__dirname` / `import.meta.url` are defined as the original file's.
 */
import { isBuiltin } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as esbuildApi from 'esbuild';
import { isHiddenFile } from '../../sandbox/hidden.js';
import { ToolUnavailableError } from '../tool.js';

let loaded: Promise<typeof esbuildApi> | undefined;

/**
 * esbuild, loaded on first use. It is a devDependency of Critic; a build without it reports the
 * JS execution tools as unavailable instead of failing the whole run.
 */
export function loadEsbuild(tool: string): Promise<typeof esbuildApi> {
  loaded ??= import('esbuild').catch((err: unknown) => {
    loaded = undefined;
    throw new ToolUnavailableError(tool, `esbuild could not be loaded (${(err as Error).message}); JS/TS code cannot be run. Install esbuild next to Critic.`);
  });
  return loaded;
}

export function loaderOf(file: string): esbuildApi.Loader {
  switch (extname(file).toLowerCase()) {
    case '.ts':
    case '.mts':
    case '.cts':
      return 'ts';
    case '.tsx':
      return 'tsx';
    case '.jsx':
      return 'jsx';
    default:
      return 'js';
  }
}

export interface BundleRequest {
  /** Absolute path of the entry module. */
  entry: string;
  /** Texts to use instead of what is on disk, by absolute path (the text under critique, maybe unsaved). */
  overrides?: Readonly<Record<string, string>>;
  projectRoot: string;
  /**
   * Hears what the build depended on, once it is over (built or not): the files it loaded and
   * the external packages it resolved to, with the folders whose listing decides resolution
   * (see `bundleReadPaths`), so a cached result can be checked without bundling again.
   */
  onReads?: (paths: string[]) => void;
  /** Module texts bundled in place of packages, by package name (e.g. uvu's API on node:test). */
  shims?: Readonly<Record<string, string>>;
}

/**
 * The paths whose content or listing decides a bundle, besides esbuild's options: each loaded
 * file and its folder's listing (another extension or an index appearing), every folder above it
 * up to the project root (a tsconfig.json, jsconfig.json or package.json appearing or changing)
 * with its node_modules listing (a package appearing closer), and for each external package the
 * file it resolved to and the package's package.json (its `exports`, `main`, `type`).
 */
export function bundleReadPaths(loaded: Iterable<string>, externals: Iterable<string>, projectRoot: string): string[] {
  const root = resolve(projectRoot);
  const out = new Set<string>();
  const folders = new Set<string>();
  const above = (dir: string) => {
    for (let d = dir; !folders.has(d); d = dirname(d)) {
      folders.add(d);
      out.add(`${d}/`);
      out.add(`${join(d, 'node_modules')}/`);
      for (const n of ['tsconfig.json', 'jsconfig.json', 'package.json']) out.add(join(d, n));
      if (d === root || !d.startsWith(root) || dirname(d) === d) break;
    }
  };
  for (const f of loaded) {
    out.add(f);
    above(dirname(f));
  }
  for (const f of externals) {
    out.add(f);
    const pkg = /^(.*[\/]node_modules[\/](?:@[^\/]+[\/])?[^\/]+)/.exec(f)?.[1];
    if (pkg) out.add(join(pkg, 'package.json'));
  }
  return [...out];
}

/** A bundle that could not be built: esbuild's first messages, with file and line. */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly file: string | undefined,
    /** 1-based. */
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const inNodeModules = /[\\/]node_modules[\\/]/;

function externalPackages(resolved?: Set<string>): esbuildApi.Plugin {
  return {
    name: 'critic-external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.criticInner || args.kind === 'entry-point' || isBuiltin(args.path)) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { criticInner: true } });
        // Not found: leave the name for Node, whose error at run time names the missing package.
        if (r.errors.length > 0 || !r.path) return { path: args.path, external: true };
        // tsconfig `paths` aliases resolve into the project: bundle those like relative imports.
        if (!inNodeModules.test(r.path)) return { path: r.path };
        resolved?.add(r.path);
        return { path: r.path, external: true };
      });
    },
  };
}

/**
 * The sandbox hides credential files from the code; bundling one (`import cfg from
 * './secrets.json'`) would carry it in anyway, so the build fails on it instead.
 */
function hiddenFiles(projectRoot: string, loaded?: Set<string>): esbuildApi.Plugin {
  return {
    name: 'critic-hidden-files',
    setup(build) {
      build.onLoad({ filter: /.*/ }, (args) => {
        loaded?.add(args.path);
        return isHiddenFile(args.path, projectRoot) ? { errors: [{ text: `${args.path} is a credential file the sandbox hides; it is not bundled into the code under critique` }] } : undefined;
      });
    },
  };
}

/** Builds an ESM bundle with an inline source map whose sources are absolute `file:` URLs. */
export async function bundleModule(req: BundleRequest, tool: string): Promise<string> {
  const esbuild = await loadEsbuild(tool);
  const outfile = join(req.projectRoot, '.critic-bundle', 'bundle.mjs');
  const loaded = req.onReads ? new Set<string>() : undefined;
  const externals = req.onReads ? new Set<string>() : undefined;
  const plugins: esbuildApi.Plugin[] = [hiddenFiles(req.projectRoot, loaded)];
  const shims = Object.entries(req.shims ?? {});
  if (shims.length > 0) {
    const texts = new Map(shims);
    plugins.push({
      name: 'critic-shims',
      setup(build) {
        build.onResolve({ filter: new RegExp(`^(${shims.map(([p]) => escapeRegExp(p)).join('|')})$`) }, (args) => ({ path: args.path, namespace: 'critic-shim' }));
        build.onLoad({ filter: /.*/, namespace: 'critic-shim' }, (args) => ({ contents: texts.get(args.path)!, loader: 'js', resolveDir: req.projectRoot }));
      },
    });
  }
  plugins.push(externalPackages(externals));
  const overrides = Object.entries(req.overrides ?? {});
  if (overrides.length > 0) {
    const texts = new Map(overrides);
    plugins.push({
      name: 'critic-text-overrides',
      setup(build) {
        const filter = new RegExp(`^(${overrides.map(([p]) => escapeRegExp(p)).join('|')})$`);
        build.onLoad({ filter }, (args) => ({ contents: texts.get(args.path)!, loader: loaderOf(args.path), resolveDir: dirname(args.path) }));
      },
    });
  }
  const fileUrl = pathToFileURL(req.entry).href;
  let result: esbuildApi.BuildResult<{ write: false }>;
  // The entry is read even when a plugin loads it (the overrides): its folder decides too.
  loaded?.add(resolve(req.projectRoot, req.entry));
  try {
    result = await esbuild.build({
      entryPoints: [req.entry],
      absWorkingDir: req.projectRoot,
      outfile,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node18',
      sourcemap: 'external',
      sourcesContent: false,
      keepNames: true,
      logLevel: 'silent',
      plugins,
      define: {
        __dirname: JSON.stringify(dirname(req.entry)),
        __filename: JSON.stringify(req.entry),
        'import.meta.url': JSON.stringify(fileUrl),
        'import.meta.dirname': JSON.stringify(dirname(req.entry)),
        'import.meta.filename': JSON.stringify(req.entry),
      },
      banner: { js: "import { createRequire as __criticCreateRequire } from 'node:module'; const require = __criticCreateRequire(import.meta.url);" },
    });
  } catch (err) {
    const failure = err as esbuildApi.BuildFailure;
    const first = failure.errors?.[0];
    if (!first) throw err;
    const where = first.location;
    throw new BundleError(first.text, where ? resolve(req.projectRoot, where.file) : undefined, where?.line);
  } finally {
    if (loaded && externals) req.onReads!(bundleReadPaths(loaded, externals, req.projectRoot));
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (!js) throw new BundleError('esbuild produced no output', req.entry, undefined);
  let code = js.text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  if (map) {
    const parsed = JSON.parse(map.text) as { sources: string[] };
    // A shim's code is reported where the test file is (node:test places a test where `test()` is
    // called, which for a shimmed runner is inside the shim): the test file, marked as the shim.
    parsed.sources = parsed.sources.map((s) => (s.startsWith('critic-shim:') ? `${pathToFileURL(req.entry).href}#critic-shim` : pathToFileURL(resolve(dirname(outfile), s)).href));
    code += `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(parsed)).toString('base64')}\n`;
  }
  return code;
}

/** Checks that a snippet is valid code for the loader; returns esbuild's message when not. */
export async function syntaxErrorOf(code: string, loader: esbuildApi.Loader, tool: string): Promise<string | undefined> {
  const esbuild = await loadEsbuild(tool);
  try {
    await esbuild.transform(code, { loader, format: 'esm', logLevel: 'silent' });
    return undefined;
  } catch (err) {
    return (err as esbuildApi.TransformFailure).errors?.[0]?.text ?? (err as Error).message;
  }
}
