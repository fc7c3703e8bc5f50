/**
 * Runs every docstring example (doctest syntax) of a Python file in the sandbox, importing the
 * module the way the user would (dotted name, package-relative imports), and reports each failing
 * example, hang, crash or limit on the function the example belongs to (tier `executed`).
 */
import type { CriticConfig } from '../config.js';
import type { ParsedFile, SyntaxService } from '../syntax/syntaxService.js';
import type { Sandbox } from '../sandbox/types.js';
import { BatchShares } from './exec/batchShares.js';
import { enclosingUnit, moduleUnitName, type CodeUnit } from '../syntax/units.js';
import type { EngineContext } from '../types.js';
import { execCacheKey } from './execCache.js';
import { finish, runExampleBatches, type ExampleOutcome } from './exec/exampleBatches.js';
import { runPythonExampleBatch } from './exec/pythonExampleBatch.js';
import { doctestExpectation, exampleReport, type PlacedExample } from './exec/exampleFindings.js';
import { interpreterIdentity } from './exec/interpreterIdentity.js';
import { localDependencyTexts, pythonModuleOf } from './exec/pythonModule.js';
import { pythonDoctestRunner, pythonDoctestRunnerFile, runnerSourceFile, type DoctestRunnerConfig } from './exec/pythonDoctestRunner.js';
import { runnerConfigFile } from './exec/protocol.js';
import { pytestConfigFor, type PytestConfig } from './exec/pytestConfig.js';
import { doctestPolicy } from './exec/doctestPolicy.js';
import { execRules } from './exec/executedFindings.js';
import { asUnavailable, cacheable, isDeclarationFile, maxExampleBatches, moduleRange, usableSandbox, type ExecToolDeps } from './exec/execTool.js';
import { explainMissingPythonDependencies } from './dependencies.js';
import { fingerprintReads, ReadChecks } from './readSet.js';
import type { EvidenceTool, SourceDocument, ToolOutput } from './tool.js';

const hasPrompt = (text: string): boolean => /^\s*>>>/m.test(text);

/** The file line of an example: the runner's number when that line holds the prompt, else a search inside the unit. */
function exampleLine(lines: readonly string[], unit: CodeUnit, reported: number | undefined, src: string): number {
  const first = src.split('\n')[0]!.trim();
  const holds = (l: number) => (lines[l] ?? '').trimStart().startsWith(`>>> ${first}`) || (lines[l] ?? '').trim() === `>>>${first ? ` ${first}` : ''}`;
  if (reported !== undefined && holds(reported)) return reported;
  for (let l = unit.range.start.line; l <= unit.range.end.line; l++) if (holds(l)) return l;
  return reported ?? unit.nameRange.start.line;
}

/** What a file's examples need to run, worked out once (prefetch or run). */
interface Prepared {
  sandbox: Sandbox;
  config: Omit<DoctestRunnerConfig, 'marker' | 'skip'>;
  /** The project's pytest configuration (doctest options; whether the project runs its doctests at all). */
  pytest: PytestConfig;
  key?: string;
  hit?: ToolOutput;
}

export interface PythonExamplesDeps extends ExecToolDeps {
  /** Parses prefetched files (for their imports, part of the cache key); without it prefetch does nothing. */
  syntax?: SyntaxService;
}

export class PythonExamplesTool implements EvidenceTool {
  readonly id = 'examples';
  private readonly shares: BatchShares<Prepared>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly deps: PythonExamplesDeps,
  ) {
    this.shares = new BatchShares(ctx.log, 'examples (python)');
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return doc.language === 'python' && config.tools.examples && config.execution.enabled && !isDeclarationFile(doc);
  }

  run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    return asUnavailable(this.id, () => this.runExamples(doc, parsed, signal));
  }

  dispose(): void {
    this.shares.dispose();
  }

  /**
   * Runs the examples of every uncached file among `docs` in a few shared sandbox runs (one
   * interpreter, a fork per module); `run` then takes its file's share.
   */
  prefetch(docs: readonly SourceDocument[]): void {
    const syntax = this.deps.syntax;
    if (!syntax || this.deps.sandbox.isolation === 'none') return;
    const wanted = docs.filter((d) => this.appliesTo(d, this.ctx.config) && hasPrompt(d.text) && !this.shares.has(d.path));
    if (wanted.length < 2) return;
    // One memo of stats and hashes for the cache lookups of the whole check.
    const checks = new ReadChecks();
    this.shares.start(
      wanted,
      async (doc, signal) => this.prepare(doc, await syntax.analyse(doc.path, doc.text, doc.language, signal), signal, checks),
      (items, signal) =>
        runPythonExampleBatch({
          sandbox: items[0]!.prep.sandbox,
          projectRoot: items[0]!.doc.projectRoot,
          modules: items.map((t) => ({ config: t.prep.config, text: t.doc.text })),
          timeoutMs: this.ctx.config.execution.exampleTimeoutMs,
          signal,
        }),
    );
  }

  private async prepare(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, checks?: ReadChecks): Promise<Prepared> {
    const sandbox = usableSandbox(this.id, this.deps.sandbox);
    const execution = this.ctx.config.execution;
    const module = await pythonModuleOf(doc.path, this.ctx.fs);
    const path = [...new Set([module.root, doc.projectRoot])];
    const pytest = await pytestConfigFor(doc.path, doc.projectRoot, this.ctx.fs);
    const optionflags = pytest.doctestOptionflags;
    const config = { module: module.name, file: doc.path, isPackage: module.isPackage, path, optionflags, coverage: execution.lineCoverage };
    if (!this.deps.cache) return { sandbox, config, pytest };
    const identity = await interpreterIdentity(sandbox, 'python', doc.projectRoot, signal);
    const deps = await localDependencyTexts(module, parsed.imports, this.ctx.fs);
    const settings = [execution.exampleTimeoutMs, execution.memoryMb, execution.maxProcesses, execution.maxOutputBytes, sandbox.isolation, execution.lineCoverage];
    const key = execCacheKey([this.id, 'python', doc.path, doc.text, module, identity.id, deps, settings, optionflags]);
    return { sandbox, config, pytest, key, hit: await this.deps.cache.get(key, checks) };
  }

  private async runExamples(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    // No prompt anywhere means no examples: skip the interpreter entirely.
    if (!hasPrompt(doc.text)) return { findings: [] };
    const shared = await this.shares.take(doc, signal);
    const prep = shared?.prep ?? (await this.prepare(doc, parsed, signal));
    // Judged after the cache too: it depends on project files the key does not cover.
    const judged = async (out: ToolOutput) => explainMissingPythonDependencies(await this.notRunByProject(out, prep.pytest, doc.projectRoot), doc.projectRoot);
    if (prep.hit) return judged(prep.hit);
    const { sandbox, config, key } = prep;
    const execution = this.ctx.config.execution;
    const started = Date.now();
    const seed = shared?.seed;
    const opts = {
      sandbox,
      signal,
      maxBatches: maxExampleBatches,
      request: (skip: readonly string[], marker: string) => {
        const full: DoctestRunnerConfig = { ...config, marker, skip: [...skip] };
        return {
          interpreter: 'python' as const,
          args: ['-B', pythonDoctestRunnerFile],
          projectRoot: doc.projectRoot,
          files: { [pythonDoctestRunnerFile]: pythonDoctestRunner, [runnerConfigFile]: JSON.stringify(full), [runnerSourceFile]: doc.text },
          env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
          timeoutMs: execution.exampleTimeoutMs,
          signal,
        };
      },
    };
    const result = seed?.done ? finish(seed.done, seed.state) : await runExampleBatches(opts, seed?.state);
    this.ctx.log.debug(`examples: ${doc.path}: ${result.outcomes.length} example(s) in ${result.batches} run(s)${seed ? ' (from a batch)' : ''}, ${Date.now() - started} ms`);
    if (result.incomplete) this.ctx.log.info(`examples: ${doc.path}: some examples were not run after ${maxExampleBatches} runs that each stopped early`);
    const lines = doc.text.split('\n');
    const place = (o: ExampleOutcome): PlacedExample | undefined => {
      if (o.src === undefined) {
        // A block the runner failed on as a whole: report it on the block's unit.
        const unit = parsed.units.find((u) => u.name === (o.test || moduleUnitName));
        return unit ? { unit, line: unit.nameRange.start.line, src: o.test || 'module docstring' } : undefined;
      }
      let unit = parsed.units.find((u) => u.name === (o.test || moduleUnitName));
      if (!unit && o.line !== undefined) unit = enclosingUnit(parsed.units, { start: { line: o.line, character: 0 }, end: { line: o.line, character: 0 } });
      if (!unit) return undefined;
      return { unit, line: exampleLine(lines, unit, o.line, o.src), src: o.src, want: o.want, expected: doctestExpectation(o.want) };
    };
    const output = exampleReport(result, { source: this.id, doc, execution, place, moduleRange: moduleRange(doc.text, parsed.units), verbs: { value: 'returned', raise: 'raised' }, units: parsed.units });
    // Cached only with what the run read, so an edit two imports away or in a data file is seen.
    const reads = key && result.reads ? await fingerprintReads(result.reads, doc.projectRoot, seed?.done ? shared?.after : undefined) : undefined;
    if (key && reads && !result.incomplete && cacheable(output.findings)) await this.deps.cache!.set(key, output, reads);
    return judged(output);
  }

  /**
   * A project whose test configuration never runs its doctests has not claimed its examples hold:
   * a failing one is a warning that says so, not an error (a file with no project configuration,
   * e.g. a pasted function with its examples, keeps errors).
   */
  private async notRunByProject(out: ToolOutput, pytest: PytestConfig, projectRoot: string): Promise<ToolOutput> {
    const failing = (f: ToolOutput['findings'][number]) => f.level === 'error' && f.rule === execRules.doctestFailed;
    if (!out.findings.some(failing)) return out;
    const policy = await doctestPolicy(pytest, projectRoot, this.ctx.fs);
    if (policy.runs !== false) return out;
    const why = ` — the project does not run its doctests (its test configuration, ${policy.config}, never collects them), so the example may be out of date rather than the code wrong`;
    // Before the fault-localisation suffix (`(in \`f\`; line 3 is …)`), which stays last.
    const withWhy = (m: string) => {
      const at = /\s\(in `[^`]+`[,;][^()]*(?:\([^()]*\)[^()]*)*\)$/.exec(m)?.index ?? m.length;
      return m.slice(0, at) + why + m.slice(at);
    };
    return { ...out, findings: out.findings.map((f) => (failing(f) ? { ...f, level: 'warning' as const, message: withWhy(f.message) } : f)) };
  }
}

/** Factory in the shape the pipeline registers tools with. */
export function createPythonExamplesTool(deps: PythonExamplesDeps): (ctx: EngineContext) => PythonExamplesTool {
  return (ctx) => new PythonExamplesTool(ctx, deps);
}
