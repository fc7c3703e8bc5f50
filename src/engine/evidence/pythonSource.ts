/**
 * Python that the interpreter refuses although ruff and tree-sitter read it: bytes that are not
 * UTF-8 without a PEP 263 declaration (editors and Critic decode them with replacement
 * characters, so the text looks fine), and brackets nested deeper than CPython's tokenizer allows.
 * Each suspect file is compiled (never run) by the project's interpreter in the sandbox, and its
 * refusal is an error with the interpreter's own message; without a sandbox the same problem is
 * reported in Critic's words.
 */
import { readFile } from 'node:fs/promises';
import type { CriticConfig } from '../config.js';
import type { RawFinding } from '../findings.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { Sandbox, SandboxUnavailable } from '../sandbox/types.js';
import type { EngineContext } from '../types.js';
import { lineRange } from './exec/executedFindings.js';
import { markedEvents, newMarker, int, str } from './exec/protocol.js';
import type { EvidenceTool, SourceDocument, ToolOutput } from './tool.js';

/** CPython's tokenizer gives up beyond this many open brackets (MAXLEVEL). */
const maxNesting = 200;

const compileScript = String.raw`import sys, json
mark, target, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(target, 'rb') as f:
    data = f.read()
try:
    compile(data, name, 'exec', dont_inherit=True)
    r = {'ok': True}
except SyntaxError as e:
    r = {'exc': type(e).__name__, 'msg': str(e.msg), 'line': e.lineno if isinstance(e.lineno, int) else 0}
except (ValueError, RecursionError, MemoryError, OverflowError) as e:
    r = {'exc': type(e).__name__, 'msg': str(e), 'line': 0}
sys.stdout.write(mark + ' ' + json.dumps(r) + '\n')
`;

interface Suspect {
  kind: 'encoding' | 'nesting';
  /** 0-based line of the problem as Critic sees it. */
  line: number;
  message: string;
}

/** The first line with a byte sequence that is not UTF-8, when the file declares no other encoding. */
function encodingProblem(raw: Buffer, text: string): Suspect | undefined {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(raw);
    return undefined;
  } catch {
    // Only when the document is the file on disk (not unsaved editor text decoded differently).
    const decoded = raw.toString('utf8').replace(/^\uFEFF/, '');
    if (decoded !== text) return undefined;
    const head = decoded.split('\n').slice(0, 2).join('\n');
    if (/^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/m.test(head)) return undefined;
    const line = decoded.split('\n').findIndex((l) => l.includes('\uFFFD'));
    return { kind: 'encoding', line: Math.max(0, line), message: `the file is not valid UTF-8 (line ${line + 1}) and declares no encoding (PEP 263)` };
  }
}

/** The first line where bracket nesting exceeds the interpreter's limit (strings and comments skipped). */
function nestingProblem(text: string): Suspect | undefined {
  let depth = 0;
  let line = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (quote) {
      if (c === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '"' || c === "'") quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
    else if (c === '(' || c === '[' || c === '{') {
      if (++depth > maxNesting) return { kind: 'nesting', line, message: `brackets are nested more than ${maxNesting} deep` };
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export class PythonSourceTool implements EvidenceTool {
  readonly id = 'python';

  constructor(
    private readonly ctx: EngineContext,
    private readonly sandbox: Sandbox | SandboxUnavailable,
  ) {}

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return doc.language === 'python' && config.tools.syntax;
  }

  async run(doc: SourceDocument, _parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    let raw: Buffer | undefined;
    try {
      raw = await readFile(doc.path);
    } catch {
      raw = undefined;
    }
    const suspect = (raw && encodingProblem(raw, doc.text)) || nestingProblem(doc.text);
    if (!suspect) return { findings: [] };
    const finding = (message: string, line: number): RawFinding => ({
      rule: 'python-refused',
      level: 'error',
      message,
      file: doc.path,
      range: lineRange(doc.text, line),
      tier: 'tool',
      confidence: 1,
      source: this.id,
    });
    const fallback = finding(`Python will refuse this file: ${suspect.message}`, suspect.line);
    if (this.sandbox.isolation === 'none') return { findings: [fallback] };
    const marker = newMarker();
    // The interpreter compiles the bytes it would import: the file itself for its encoding, the
    // text under critique (maybe unsaved) otherwise. Nothing of it is executed.
    const fromDisk = suspect.kind === 'encoding';
    const res = await (this.sandbox as Sandbox).run({
      interpreter: 'python',
      args: ['-B', '-I', 'critic_compile.py', marker, fromDisk ? doc.path : 'critic_source.py', doc.path],
      projectRoot: doc.projectRoot,
      files: { 'critic_compile.py': compileScript, ...(fromDisk ? {} : { 'critic_source.py': doc.text }) },
      timeoutMs: this.ctx.config.execution.exampleTimeoutMs,
      signal,
    });
    const answer = markedEvents(res.stdout, marker)[0];
    if (!answer) {
      this.ctx.log.debug(`python: compiling ${doc.path} gave no answer (${res.limitHit ?? `exit ${res.exitCode}`}); reporting Critic's own reading`);
      return { findings: [fallback] };
    }
    if (answer.ok === true) return { findings: [] };
    const line = int(answer.line);
    const where = line && line > 0 ? line - 1 : suspect.line;
    return { findings: [finding(`Python refuses this file: ${str(answer.exc) ?? 'SyntaxError'}: ${str(answer.msg) ?? suspect.message}`, where)] };
  }
}

/** Factory in the shape the engine registers tools with. */
export function createPythonSourceTool(sandbox: Sandbox | SandboxUnavailable): (ctx: EngineContext) => PythonSourceTool {
  return (ctx) => new PythonSourceTool(ctx, sandbox);
}
