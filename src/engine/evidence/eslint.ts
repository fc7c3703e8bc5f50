/**
 * Lints JavaScript and TypeScript with the project's OWN ESLint and flat config. Critic never
 * brings a rule set of its own here: without a project config this tool does nothing, so a
 * project's lint opinions are never invented.
 *
 * The config is JavaScript, so where it is loaded is a trust decision (EslintPlacement): in
 * Critic's own process only for a project the user trusted; otherwise in the sandbox
 * (eslintSandbox.ts), or not at all when there is none.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { throwIfAborted } from '../abort.js';
import type { CriticConfig } from '../config.js';
import type { Range, RawFinding } from '../findings.js';
import { isJsFamily } from '../languages.js';
import type { Sandbox, SandboxUnavailable } from '../sandbox/types.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { EngineContext } from '../types.js';
import { jsDependencyState } from './dependencies.js';
import { commonAncestor, SandboxedEslint, type SandboxLintMessage, type SandboxLintRequest } from './eslintSandbox.js';
import { ToolUnavailableError, type EvidenceTool, type SourceDocument, type ToolOutput } from './tool.js';
import { firstLine } from '../text.js';
import { findUp, gitBoundary } from '../findUp.js';

/** Flat config file names, in ESLint's own lookup order. */
const configNames = ['eslint.config.js', 'eslint.config.mjs', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'];

/**
 * The slice of ESLint's API this tool uses. Declared here rather than imported because the
 * ESLint that runs is whichever version the project installs.
 */
/** In process and in the sandbox alike (the sandboxed runner adds the rule's documentation link). */
type LintMessage = SandboxLintMessage;
interface LintResult {
  messages: LintMessage[];
}
interface RuleMeta {
  docs?: { url?: string };
}
interface ESLintInstance {
  isPathIgnored(filePath: string): Promise<boolean>;
  lintText(code: string, options: { filePath: string; warnIgnored?: boolean }): Promise<LintResult[]>;
  getRulesMetaForResults?(results: LintResult[]): Record<string, RuleMeta | undefined>;
}
interface ESLintModule {
  ESLint?: new (options: { cwd: string }) => ESLintInstance;
  loadESLint?: (options: { useFlatConfig: boolean; cwd: string }) => Promise<new (options: { cwd: string }) => ESLintInstance>;
}

/**
 * The nearest ESLint flat config above `file`, looking no higher than the folder that holds
 * `.git` (a config outside the repository belongs to someone else) or the filesystem root.
 */
export function findEslintConfig(file: string): string | undefined {
  return findUp(configNames, dirname(resolve(file)), { boundary: gitBoundary });
}


function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

interface CachedLinter {
  mtime: number;
  linter: Promise<ESLintInstance>;
}

/**
 * Where the project's ESLint runs: `in-process` (the project is trusted: fastest, warm ESLint
 * instances) or `sandbox` (the project's config never loads in Critic's process; without an
 * isolating sandbox — bubblewrap — the tool reports itself unavailable with the reason).
 */
export type EslintPlacement = { where: 'in-process' } | { where: 'sandbox'; sandbox: Sandbox | SandboxUnavailable };

/** Lints with the project's ESLint when, and only when, the project has a flat config. */
export class EslintTool implements EvidenceTool {
  readonly id = 'eslint';
  /** One ESLint instance per config file; rebuilt when the config file changes. */
  private readonly linters = new Map<string, CachedLinter>();
  private created = 0;
  private readonly sandboxed?: SandboxedEslint;

  constructor(
    private readonly ctx: EngineContext,
    private readonly placement: EslintPlacement = { where: 'in-process' },
  ) {
    // Only an isolating sandbox: limits-only (allowUnsandboxed) would run the config on the host after all.
    if (placement.where === 'sandbox' && placement.sandbox.isolation === 'bubblewrap') this.sandboxed = new SandboxedEslint(placement.sandbox as Sandbox);
  }

  /** How many sandbox runs linted files (0 in process). */
  get sandboxRuns(): number {
    return this.sandboxed?.runs ?? 0;
  }

  /** How many ESLint instances this tool has created. */
  get instancesCreated(): number {
    return this.created;
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.eslint !== false && isJsFamily(doc.language);
  }

  async run(doc: SourceDocument, _parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    throwIfAborted(signal);
    const configPath = findEslintConfig(doc.path);
    if (!configPath) {
      if (this.ctx.config.tools.eslint === true) this.ctx.log.debug(`eslint: no eslint.config.* above ${doc.path}; nothing to lint with`);
      return { findings: [] };
    }
    if (this.placement.where === 'sandbox') return this.runSandboxed(doc, configPath, signal);
    const linter = await this.linterFor(configPath);
    throwIfAborted(signal);
    let ignored: boolean;
    try {
      // The first question that needs the config is what loads it; failures here are config failures.
      ignored = await linter.isPathIgnored(doc.path);
    } catch (err) {
      this.linters.delete(configPath);
      throw new ToolUnavailableError('eslint', `ESLint configuration ${configPath} could not be loaded (${firstLine(err)}); lint findings are not reported; fix the configuration`);
    }
    if (ignored) return { findings: [] };
    throwIfAborted(signal);
    let results: LintResult[];
    try {
      results = await linter.lintText(doc.text, { filePath: doc.path, warnIgnored: false });
    } catch (err) {
      throw new ToolUnavailableError('eslint', `ESLint failed on ${doc.path} with ${configPath} (${firstLine(err)}); lint findings are not reported for this file; check the configuration and its plugins`);
    }
    throwIfAborted(signal);
    const meta = this.rulesMeta(linter, results);
    const messages = results.flatMap((r) => r.messages).map((m) => ({ ...m, helpUri: m.ruleId ? meta[m.ruleId]?.docs?.url : undefined }));
    return { findings: this.findingsOf(doc, messages) };
  }

  private async runSandboxed(doc: SourceDocument, configPath: string, signal: AbortSignal): Promise<ToolOutput> {
    if (!this.sandboxed) {
      const sandbox = this.placement.where === 'sandbox' ? this.placement.sandbox : undefined;
      const reason =
        sandbox?.isolation === 'none'
          ? (sandbox as SandboxUnavailable).reason
          : 'only running with resource limits is allowed here, which does not isolate it from your files and network';
      throw new ToolUnavailableError(
        'eslint',
        `The project's ESLint configuration is not loaded: it is JavaScript, the project is not trusted, and it cannot run in the sandbox (${oneLineReason(reason)}); lint findings are not reported; trust the project (--trust-project) to load it in Critic's process`,
      );
    }
    const messages = await this.sandboxed.lint(this.sandboxRequest(doc, configPath, signal));
    throwIfAborted(signal);
    return { findings: this.findingsOf(doc, messages) };
  }

  private sandboxRequest(doc: SourceDocument, configPath: string, signal: AbortSignal): SandboxLintRequest {
    const eslintPath = resolveProjectEslint(configPath);
    return {
      root: commonAncestor([doc.projectRoot, dirname(configPath)]),
      readOnly: nodeModulesOf(eslintPath),
      configPath,
      eslintPath,
      configVersion: mtimeOf(configPath),
      filePath: doc.path,
      text: doc.text,
      timeoutMs: this.ctx.config.execution.testTimeoutMs,
      signal,
    };
  }

  /**
   * Starts linting documents that are about to be checked (the CLI knows all its files up front),
   * so the sandboxed ESLint lints them in a few shared runs instead of one run per file. `run`
   * then joins the lint under way. Nothing happens in process or without a sandbox.
   */
  prefetch(docs: readonly SourceDocument[]): void {
    if (!this.sandboxed || this.ctx.config.tools.eslint === false) return;
    const never = new AbortController().signal;
    for (const doc of docs) {
      if (!isJsFamily(doc.language)) continue;
      const configPath = findEslintConfig(doc.path);
      if (!configPath) continue;
      let req: SandboxLintRequest;
      try {
        req = this.sandboxRequest(doc, configPath, never);
      } catch {
        continue; // `run` reports it for the file
      }
      // Failures are reported by `run`, which asks again.
      this.sandboxed.lint(req).catch(() => undefined);
    }
  }

  private findingsOf(doc: SourceDocument, messages: readonly LintMessage[]): RawFinding[] {
    const findings: RawFinding[] = [];
    for (const m of messages) {
      // Files outside the config's reach come back as one "File ignored …" warning.
      if (!m.ruleId && !m.fatal && /^File ignored\b/.test(m.message)) continue;
      const rule = m.ruleId ? `eslint-${m.ruleId}` : m.fatal ? 'eslint-parse' : 'eslint-directive';
      const helpUri = m.helpUri;
      findings.push({
        rule,
        level: m.fatal || m.severity >= 2 ? 'error' : 'warning',
        message: m.message,
        file: doc.path,
        range: rangeOf(m),
        tier: 'tool',
        confidence: 1,
        source: this.id,
        ...(helpUri ? { helpUri } : {}),
      });
    }
    return findings;
  }

  private rulesMeta(linter: ESLintInstance, results: LintResult[]): Record<string, RuleMeta | undefined> {
    try {
      return linter.getRulesMetaForResults?.(results) ?? {};
    } catch {
      // Only used for documentation links; a rule without metadata must not lose the findings.
      return {};
    }
  }

  private linterFor(configPath: string): Promise<ESLintInstance> {
    const mtime = mtimeOf(configPath);
    const cached = this.linters.get(configPath);
    if (cached && cached.mtime === mtime) return cached.linter;
    const linter = this.createLinter(configPath);
    linter.catch(() => this.linters.delete(configPath));
    this.linters.set(configPath, { mtime, linter });
    return linter;
  }

  private async createLinter(configPath: string): Promise<ESLintInstance> {
    const configDir = dirname(configPath);
    const resolved = resolveProjectEslint(configPath);
    let mod: ESLintModule;
    try {
      const loaded = (await import(pathToFileURL(resolved).href)) as ESLintModule & { default?: ESLintModule };
      mod = loaded.ESLint || loaded.loadESLint ? loaded : (loaded.default ?? loaded);
    } catch (err) {
      throw new ToolUnavailableError('eslint', `ESLint at ${resolved} could not be loaded (${firstLine(err)}); lint findings are not reported; reinstall it with npm install --save-dev eslint`);
    }
    // ESLint 8.57+ and 9 offer loadESLint, which picks the flat-config class in either.
    const ESLint = mod.loadESLint ? await mod.loadESLint({ useFlatConfig: true, cwd: configDir }) : mod.ESLint;
    if (!ESLint) throw new ToolUnavailableError('eslint', `The eslint package at ${resolved} has no ESLint class; lint findings are not reported; install ESLint 9 with npm install --save-dev eslint@9`);
    this.created++;
    this.ctx.log.debug(`eslint: using ${resolved} with ${configPath}`);
    return new ESLint({ cwd: configDir });
  }

  dispose(): void {
    this.linters.clear();
  }
}

/**
 * The project's ESLint, never one next to Critic: its version matches the config. Resolving reads
 * package.json files only; nothing of the project runs.
 */
function resolveProjectEslint(configPath: string): string {
  try {
    return createRequire(join(dirname(configPath), 'noop.js')).resolve('eslint');
  } catch {
    // Declared but not installed (a fresh clone): installing the project's dependencies is the fix.
    const deps = jsDependencyState(configPath);
    if (deps?.declared.has('eslint')) {
      throw new ToolUnavailableError('eslint', `ESLint configuration found at ${configPath} and eslint is declared in ${deps.packageJson}, but it is not installed; lint findings are not reported; run \`${deps.installCommand}\` in ${dirname(deps.packageJson)}`);
    }
    throw new ToolUnavailableError('eslint', `ESLint configuration found at ${configPath} but the eslint package is not installed in the project; run npm install --save-dev eslint`);
  }
}

/**
 * The outermost node_modules folder on the resolved eslint entry's path (its dependencies may be
 * hoisted there): bound read-only when it lies outside the project (a symlinked or hoisted
 * install). Nothing but a node_modules folder is ever bound this way, wherever a symlink points.
 */
function nodeModulesOf(entry: string): string[] {
  const marker = `${sep}node_modules${sep}`;
  const at = entry.indexOf(marker);
  return at < 0 ? [] : [entry.slice(0, at + marker.length - 1)];
}

function oneLineReason(reason: string): string {
  return reason.replace(/\s+/g, ' ').replace(/[.;]\s*$/, '');
}

/** ESLint reports 1-based lines and columns with an exclusive end column, in UTF-16 units. */
function rangeOf(m: LintMessage): Range {
  const line = Math.max((m.line ?? 1) - 1, 0);
  const character = Math.max((m.column ?? 1) - 1, 0);
  const endLine = m.endLine !== undefined ? m.endLine - 1 : line;
  const endCharacter = m.endColumn !== undefined ? m.endColumn - 1 : character;
  return { start: { line, character }, end: { line: endLine, character: endCharacter } };
}

/** Factory in the shape of EvidenceToolFactory (plus where the project's ESLint may run). */
export function createEslintTool(ctx: EngineContext, placement?: EslintPlacement): EslintTool {
  return new EslintTool(ctx, placement);
}
