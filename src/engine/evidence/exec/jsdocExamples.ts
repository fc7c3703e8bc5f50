/**
 * JSDoc `@example` blocks that document their results, and the code that runs them.
 *
 * Syntax (one assertion per line, after the code it checks):
 *   add(2, 3) // => 5                  value: the text after `=>` is a JS expression, compared
 *                                      with util.isDeepStrictEqual (promises are awaited first)
 *   const c = new Cart() // => …        a declaration checks the declared value and keeps the name
 *   parse('') // => throws SyntaxError  must throw; the name matches the error's class or `name`
 *   parse('') // throws                 must throw anything
 *   parse('') // throws RangeError: too short   …and the message must contain the text after `:`
 * Lines without such a comment are setup code run in order in the same scope; an expression may
 * span lines when its brackets are still open at the asserting line. Fenced lines (```) are
 * ignored. Blocks of one unit share nothing; each block runs in its own async function.
 *
 * The generated code is appended to the module's own source before bundling, so examples run
 * inside the module scope: exported or not, every top-level name is reachable, with no list of
 * names to keep in sync and no clash with `export default` or CommonJS exports.
 */
import type { ParsedFile } from '../../syntax/syntaxService.js';
import type { CodeUnit } from '../../syntax/units.js';

/** The global the generated blocks register in (fixed, so bundles stay byte-identical and cacheable). */
export const examplesRegistryKey = 'critic.examples';

export interface JsExampleItem {
  index: number;
  kind: 'setup' | 'check' | 'throws';
  /** 0-based file line where the item's code starts. */
  line: number;
  /** The example's code as written (for messages). */
  source: string;
  /** The code to evaluate (for a declaration, its initialiser). */
  code: string;
  want?: string;
  throwsName?: string;
  throwsMessage?: string;
  /** The name a `const x = …` assertion declares. */
  declares?: string;
}

export interface JsExampleBlock {
  /** `unit#n`, unique in the file. */
  id: string;
  unit: CodeUnit;
  items: JsExampleItem[];
}

interface SourceLine {
  line: number;
  text: string;
}

/** Where a `//` comment starts outside string literals, and the bracket depth change before it. */
function scan(text: string): { comment: number; delta: number } {
  let delta = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') return { comment: i, delta };
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') delta++;
    else if (c === ')' || c === ']' || c === '}') delta--;
  }
  return { comment: -1, delta };
}

type Assertion = { kind: 'check'; want: string } | { kind: 'throws'; name?: string; message?: string };

function parseAssertion(comment: string): Assertion | undefined {
  const body = comment.replace(/^\/\/\s*/, '');
  const throws = /^(?:=>\s*)?throws\b\s*([A-Za-z_$][\w$]*)?\s*(?::\s*(.*))?$/.exec(body);
  if (throws) return { kind: 'throws', name: throws[1], message: throws[2]?.trim() || undefined };
  const value = /^=>\s*(.*)$/.exec(body);
  if (!value) return undefined;
  const want = value[1]!.trim().replace(/;$/, '');
  return want ? { kind: 'check', want } : undefined;
}

/** The lines of `@example` blocks in a JSDoc comment, each with its file line. */
function exampleSections(comment: { text: string; range: { start: { line: number } } }): SourceLine[][] {
  if (!comment.text.startsWith('/**')) return [];
  const sections: SourceLine[][] = [];
  let current: SourceLine[] | undefined;
  comment.text.split('\n').forEach((raw, k) => {
    let t = raw;
    if (k === 0) t = t.replace(/^\/\*\*/, '');
    t = t.replace(/\*\/\s*$/, '');
    if (k > 0) t = t.replace(/^\s*\* ?/, '');
    const tag = /^\s*@(\w+)(.*)$/.exec(t);
    if (tag) {
      current = undefined;
      if (tag[1] !== 'example') return;
      current = [];
      sections.push(current);
      t = tag[2]!.replace(/<caption>.*?<\/caption>/, '');
    }
    if (!current || /^\s*```/.test(t)) return;
    current.push({ line: comment.range.start.line + k, text: t });
  });
  return sections;
}

function itemsOf(lines: SourceLine[]): JsExampleItem[] {
  const items: JsExampleItem[] = [];
  let pending: SourceLine[] = [];
  let depth = 0;
  const flush = () => {
    const code = pending.map((l) => l.text).join('\n');
    const first = pending.find((l) => l.text.trim());
    if (first) items.push({ index: items.length, kind: 'setup', line: first.line, source: code.trim(), code });
    pending = [];
    depth = 0;
  };
  for (const l of lines) {
    const { comment, delta } = scan(l.text);
    const assertion = comment >= 0 ? parseAssertion(l.text.slice(comment)) : undefined;
    if (!assertion) {
      pending.push(l);
      depth += delta;
      if (depth <= 0) flush();
      continue;
    }
    const codeHere = l.text.slice(0, comment);
    let code: string;
    let line: number;
    if (pending.length && depth > 0) {
      const first = pending.find((p) => p.text.trim()) ?? l;
      code = [...pending.map((p) => p.text), codeHere].join('\n');
      line = first.line;
      pending = [];
      depth = 0;
    } else {
      flush();
      code = codeHere;
      line = l.line;
    }
    code = code.trim().replace(/;$/, '');
    if (!code) continue;
    const decl = /^(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*([\s\S]+)$/.exec(code);
    const item: JsExampleItem = { index: items.length, kind: assertion.kind, line, source: code, code: decl ? decl[2]! : code, declares: decl?.[1] };
    if (assertion.kind === 'check') item.want = assertion.want;
    else {
      item.throwsName = assertion.name;
      item.throwsMessage = assertion.message;
    }
    items.push(item);
  }
  flush();
  return items;
}

type Comment = ParsedFile['comments'][number];
type Position = CodeUnit['range']['start'];

/** The JSDoc comment written directly above `start` (only whitespace between them). */
function docCommentAbove(start: Position, parsed: ParsedFile, lines: readonly string[]): Comment | undefined {
  let best: Comment | undefined;
  for (const c of parsed.comments) {
    const end = c.range.end;
    if (end.line > start.line || (end.line === start.line && end.character > start.character)) break;
    best = c;
  }
  if (!best?.text.startsWith('/**')) return undefined;
  const end = best.range.end;
  const between =
    end.line === start.line
      ? (lines[end.line] ?? '').slice(end.character, start.character)
      : [(lines[end.line] ?? '').slice(end.character), ...lines.slice(end.line + 1, start.line), (lines[start.line] ?? '').slice(0, start.character)].join('\n');
  return /^\s*$/.test(between) ? best : undefined;
}

/**
 * The JSDoc comments of a unit: the one above it and, for an overloaded TypeScript function, the
 * ones above each overload signature (where libraries write their examples).
 */
function docCommentsOf(unit: CodeUnit, parsed: ParsedFile, lines: readonly string[]): Comment[] {
  const starts = [...(unit.overloads ?? []).map((r) => r.start), unit.range.start];
  const found: Comment[] = [];
  for (const start of starts) {
    const c = docCommentAbove(start, parsed, lines);
    if (c && !found.includes(c)) found.push(c);
  }
  return found;
}

/** Every `@example` block with at least one assertion, for every unit of the file. */
export function jsdocExampleBlocks(text: string, parsed: ParsedFile): JsExampleBlock[] {
  const lines = text.split('\n');
  const blocks: JsExampleBlock[] = [];
  for (const unit of parsed.units) {
    if (unit.kind === 'module') continue;
    let n = 0;
    for (const comment of docCommentsOf(unit, parsed, lines)) {
      for (const section of exampleSections(comment)) {
        const items = itemsOf(section);
        if (items.some((i) => i.kind !== 'setup')) blocks.push({ id: `${unit.name}#${n}`, unit, items });
        n++;
      }
    }
  }
  return blocks;
}

/** The statement that registers one block; appended to the module's source. */
export function blockSource(block: JsExampleBlock): string {
  const body = block.items.map((item) => {
    const expr = item.declares ? `${item.declares} = (${item.code})` : `(${item.code})`;
    const decl = item.declares ? `let ${item.declares}; ` : '';
    switch (item.kind) {
      case 'setup':
        return `__critic.at(${item.index});\n${item.code}\n;`;
      case 'check':
        return `${decl}await __critic.check(${item.index}, async () => ${expr}, async () => (${item.want}));`;
      case 'throws':
        return `${decl}await __critic.throws(${item.index}, async () => ${expr}, ${JSON.stringify(item.throwsName ?? '')}, ${JSON.stringify(item.throwsMessage ?? '')});`;
    }
  });
  return `(globalThis[Symbol.for(${JSON.stringify(examplesRegistryKey)})] ??= []).push({ id: ${JSON.stringify(block.id)}, run: async (__critic) => {\n${body.join('\n')}\n} });`;
}
