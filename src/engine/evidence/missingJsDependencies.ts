/**
 * TypeScript diagnostics that only say "this project's dependencies are not installed": an
 * unresolved import of a declared package, missing `@types` globals, and the implicit `any` of a
 * callback handed to something imported from a package that is not there. With `node_modules`
 * missing these are hundreds of errors on correct code; they become one notice instead.
 */
import type ts from 'typescript';
import type { RawFinding } from '../findings.js';
import { jsMissingNotice, missingPackageFor, type JsDependencyState } from './dependencies.js';

type Ts = typeof ts;

// Globals a project gets from @types/node when its `lib` has no DOM (timers, structuredClone…).
const nodeGlobals = new Set([
  'process', 'require', 'module', 'exports', '__dirname', '__filename', 'Buffer', 'global', 'NodeJS', 'setImmediate', 'clearImmediate',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone', 'console', 'TextEncoder', 'TextDecoder',
  'URL', 'URLSearchParams', 'AbortController', 'AbortSignal', 'fetch', 'Response', 'Request', 'Headers', 'performance', 'crypto', 'atob', 'btoa',
]);
const testGlobals = new Set(['describe', 'it', 'test', 'expect', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'vi', 'jest', 'suite', 'context']);
const testPackages = ['vitest', 'jest', '@types/jest', 'mocha', '@types/mocha', '@jest/globals'];
const reactPackages = ['react', '@types/react'];

/** Codes whose message names the module that failed to resolve. */
const unresolvedModuleCodes = new Set([2307, 2792, 7016, 2875]);
/** Implicit `any` on a parameter (7006) or a destructured one (7031). */
const implicitAnyCodes = new Set([7006, 7031]);

function quoted(message: string): string | undefined {
  return /'([^']+)'/.exec(message)?.[1];
}

/** Whether the function whose parameter starts at `pos` is passed as an argument of a call. */
function isCallbackParameter(t: Ts, sf: ts.SourceFile, pos: number): boolean {
  const find = (node: ts.Node): ts.Node | undefined => (node.pos <= pos && pos < node.end ? (t.forEachChild(node, find) ?? node) : undefined);
  let n = find(sf);
  while (n && !t.isFunctionLike(n)) n = n.parent;
  const parent = n?.parent;
  return n !== undefined && parent !== undefined && (t.isCallExpression(parent) || t.isNewExpression(parent)) && (parent.arguments ?? []).some((a) => a === n);
}

export interface DependencyFilter {
  kept: RawFinding[];
  hidden: number;
  notice: string;
}

/** Splits TypeScript findings into those on the code and those the missing dependencies explain. */
export function filterMissingDependencyErrors(t: Ts, text: string, path: string, findings: readonly RawFinding[], codes: ReadonlyMap<RawFinding, number>, state: JsDependencyState): DependencyFilter {
  const missingAny = (names: readonly string[]) => names.some((n) => state.missing.has(n));
  let sf: ts.SourceFile | undefined;
  let unresolved = 0;
  const explained = (f: RawFinding, code: number): boolean => {
    const name = quoted(f.message);
    if (unresolvedModuleCodes.has(code)) {
      if (!name) return false;
      const pkg = code === 2875 ? missingPackageFor(name, state) ?? (missingAny(reactPackages) ? 'react' : undefined) : missingPackageFor(name, state);
      if (pkg) unresolved++;
      return pkg !== undefined;
    }
    if (code === 2580 || code === 2591) return state.missing.has('@types/node');
    if (code === 2582 || code === 2593) return missingAny(testPackages);
    if (code === 2304 || code === 2503 || code === 2584) {
      if (!name) return false;
      if (nodeGlobals.has(name)) return state.missing.has('@types/node');
      if (testGlobals.has(name)) return missingAny(testPackages);
      return (name === 'React' || name === 'JSX') && missingAny(reactPackages);
    }
    if (code === 7026) return missingAny(reactPackages);
    return false;
  };
  const first = findings.filter((f) => !explained(f, codes.get(f) ?? 0));
  // Implicit any on a callback is a cascade only when something in the file failed to resolve.
  const kept = unresolved === 0 ? first : first.filter((f) => {
    if (!implicitAnyCodes.has(codes.get(f) ?? 0)) return true;
    sf ??= t.createSourceFile(path, text, t.ScriptTarget.Latest, true);
    const lines = text.split('\n');
    let pos = f.range.start.character;
    for (let i = 0; i < f.range.start.line; i++) pos += lines[i]!.length + 1;
    return !isCallbackParameter(t, sf, pos);
  });
  // Without the packages, types flow as `any` through local modules too (an expect-error
  // directive left unused, an inference that changes two imports away): the checker's verdict on
  // everything else is provisional, so it is a warning that says why until they are installed.
  const provisional = kept.map((f) => {
    const code = codes.get(f) ?? 0;
    if (f.level !== 'error' || code < 2000 || unresolvedModuleCodes.has(code)) return f;
    return { ...f, level: 'warning' as const, message: `${f.message}\n(provisional: the project's dependencies are not installed, which may cause this)` };
  });
  return { kept: provisional, hidden: findings.length - kept.length, notice: jsMissingNotice(state) };
}
