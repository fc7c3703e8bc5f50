/**
 * What a test file says about itself, read with tree-sitter: the calls it makes (to tie a failing
 * test to the function it exercises) and, for JS, where each `test('name', …)` / `it(…)` is written.
 */
import type { Node } from 'web-tree-sitter';
import type { Range } from '../../findings.js';
import type { LanguageId } from '../../languages.js';
import type { SyntaxService } from '../../syntax/syntaxService.js';
import { extractUnits, nodeRange, type CodeUnit } from '../../syntax/units.js';

export interface CallSite {
  /** The called name's last part: `total` for `cart.total()`, `Cart` for `new Cart()`. */
  name: string;
  /** 0-based line. */
  line: number;
}

export interface TestCall {
  /** The test's title as written (first string argument); a computed title (a template with
   * substitutions, a variable) is its source text, which never equals a reported name. */
  name: string;
  range: Range;
}

export interface TestFileFacts {
  calls: CallSite[];
  /** JS only: `test` / `it` / `describe` calls (with a title literal or computed). */
  tests: TestCall[];
  /** Functions and classes of the test file (Python tests are functions and methods). */
  units: CodeUnit[];
}

const testFunctions = new Set(['test', 'it', 'describe', 'suite', 'specify', 'context']);

function calleeName(callee: Node | null): string | undefined {
  if (!callee) return undefined;
  switch (callee.type) {
    case 'identifier':
    case 'property_identifier':
      return callee.text;
    case 'attribute':
      return callee.childForFieldName('attribute')?.text;
    case 'member_expression':
      return callee.childForFieldName('property')?.text;
    default:
      return undefined;
  }
}

function literalText(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return node.text.slice(1, -1);
  if (node.type === 'template_string' && !node.text.includes('${')) return node.text.slice(1, -1);
  return undefined;
}

/** Calls and test declarations of a test file. The tree is parsed under a key of its own and dropped. */
export async function testFileFacts(syntax: SyntaxService, file: string, text: string, language: LanguageId, signal?: AbortSignal): Promise<TestFileFacts> {
  const key = `critic-test-facts:${file}`;
  try {
    return await syntax.withTree(
      key,
      text,
      language,
      (tree, grammar) => {
        const calls: CallSite[] = [];
        const tests: TestCall[] = [];
        const types = language === 'python' ? ['call'] : ['call_expression', 'new_expression'];
        // uvu: `const API = suite('exports'); API('exports', () => …)` declares a test with the suite's name.
        const suites = new Set<string>();
        if (language !== 'python') {
          for (const d of tree.rootNode.descendantsOfType('variable_declarator')) {
            const value = d?.childForFieldName('value');
            if (value?.type === 'call_expression' && calleeName(value.childForFieldName('function')) === 'suite') {
              const id = d!.childForFieldName('name');
              if (id?.type === 'identifier') suites.add(id.text);
            }
          }
        }
        for (const node of tree.rootNode.descendantsOfType(types)) {
          if (!node) continue;
          const callee = node.type === 'new_expression' ? node.childForFieldName('constructor') : node.childForFieldName('function');
          const name = calleeName(callee);
          if (!name) continue;
          calls.push({ name, line: node.startPosition.row });
          if (language === 'python' || node.type !== 'call_expression') continue;
          // `test.only('x')` and `t.test('x')` count too: the called name is what matters.
          if (!testFunctions.has(name) && !(callee?.type === 'identifier' && suites.has(name))) continue;
          const first = node.childForFieldName('arguments')?.namedChildren[0];
          // Computed titles (`test(`${t.input} -> ${t.out}`, …)` in a loop) still say where the test is written.
          if (first) tests.push({ name: literalText(first) ?? first.text, range: nodeRange(node) });
        }
        return { calls, tests, units: extractUnits(tree, grammar) };
      },
      signal,
    );
  } finally {
    syntax.drop(key);
  }
}

/**
 * Calls made inside a range (0-based lines, inclusive), and through the test file's own helper
 * functions it calls (`same(a, b)` wrapping `assert.is(dequal(a, b), true)`), two levels deep: a
 * helper's calls are placed on the line that calls the helper, so the failed assertion's line
 * still picks them first.
 */
export function callsWithin(facts: TestFileFacts, range: Range, depth = 2): CallSite[] {
  const direct = facts.calls.filter((c) => c.line >= range.start.line && c.line <= range.end.line);
  if (depth === 0) return direct;
  const out: CallSite[] = [];
  for (const c of direct) {
    out.push(c);
    const helper = facts.units.find((u) => u.kind === 'function' && u.name === c.name && (u.range.start.line > range.end.line || u.range.end.line < range.start.line));
    if (helper) for (const inner of callsWithin(facts, helper.range, depth - 1)) out.push({ name: inner.name, line: c.line });
  }
  return out;
}
