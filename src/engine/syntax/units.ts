/** Code units — functions, methods, classes and the module top level — found with tree-sitter. */
import type { Node, Tree } from 'web-tree-sitter';
import type { Range } from '../findings.js';
import { rangeContains } from '../findings.js';
import type { LoadedGrammar } from './parser.js';

export type UnitKind = 'module' | 'class' | 'function' | 'method';

export interface CodeUnit {
  /** Qualified name: `Cart.total`, `parse`, or `<module>`. */
  name: string;
  kind: UnitKind;
  /** Whole unit, including decorators and `export` / `const x =` wrappers. */
  range: Range;
  /** Where the unit's own name is written. */
  nameRange: Range;
  startIndex: number;
  endIndex: number;
  /**
   * TypeScript overload signatures written directly above the implementation (each with its own
   * JSDoc, often the one with the examples), first to last. Absent when there are none.
   */
  overloads?: Range[];
}

export const moduleUnitName = '<module>';

export function nodeRange(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Climbs from a definition to the statement a user sees as the unit (decorators, export, const). */
function outerNode(node: Node): Node {
  let n = node;
  if (n.type === 'variable_declarator' && n.parent && /^(lexical|variable)_declaration$/.test(n.parent.type) && n.parent.namedChildCount === 1) {
    n = n.parent;
  }
  while (n.parent && (n.parent.type === 'decorated_definition' || n.parent.type === 'export_statement')) n = n.parent;
  return n;
}

const overloadTypes = new Set(['function_signature', 'method_signature']);

/** The overload signatures of `name` right above `outer` (comments between them allowed). */
function overloadSignatures(outer: Node, name: string): Range[] {
  const found: Range[] = [];
  for (let s = outer.previousNamedSibling; s; s = s.previousNamedSibling) {
    if (s.type === 'comment') continue;
    const decl = s.type === 'export_statement' ? s.childForFieldName('declaration') : s;
    if (!decl || !overloadTypes.has(decl.type) || decl.childForFieldName('name')?.text !== name) break;
    found.push(nodeRange(s));
  }
  return found.reverse();
}

export function extractUnits(tree: Tree, grammar: LoadedGrammar): CodeUnit[] {
  const root = tree.rootNode;
  const moduleUnit: CodeUnit = {
    name: moduleUnitName,
    kind: 'module',
    range: nodeRange(root),
    nameRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    startIndex: root.startIndex,
    endIndex: root.endIndex,
  };
  const found: Array<{ node: Node; outer: Node; name: string; kind: UnitKind; nameNode: Node }> = [];
  for (const match of grammar.query('units').matches(root)) {
    const unit = match.captures.find((c) => c.name !== 'name');
    const name = match.captures.find((c) => c.name === 'name');
    if (!unit || !name) continue;
    found.push({ node: unit.node, outer: outerNode(unit.node), name: name.node.text, kind: unit.name as UnitKind, nameNode: name.node });
  }
  found.sort((a, b) => a.outer.startIndex - b.outer.startIndex || b.outer.endIndex - a.outer.endIndex);
  const units: CodeUnit[] = [moduleUnit];
  const stack: CodeUnit[] = [];
  for (const f of found) {
    const range = nodeRange(f.outer);
    while (stack.length && !rangeContains(stack[stack.length - 1]!.range, range)) stack.pop();
    const parent = stack[stack.length - 1];
    const unit: CodeUnit = {
      name: parent ? `${parent.name}.${f.name}` : f.name,
      // A function defined directly in a class body is a method.
      kind: f.kind === 'function' && parent?.kind === 'class' ? 'method' : f.kind,
      range,
      nameRange: nodeRange(f.nameNode),
      startIndex: f.outer.startIndex,
      endIndex: f.outer.endIndex,
    };
    const overloads = f.kind === 'function' || f.kind === 'method' ? overloadSignatures(f.outer, f.name) : [];
    if (overloads.length) unit.overloads = overloads;
    units.push(unit);
    stack.push(unit);
  }
  return units;
}

/** The smallest unit that contains the whole range (the module when no function or class does). */
export function enclosingUnit(units: readonly CodeUnit[], range: Range): CodeUnit {
  let best = units[0]!;
  for (const u of units) {
    if (u.kind === 'module') continue;
    if (rangeContains(u.range, range) && (best.kind === 'module' || rangeContains(best.range, u.range))) best = u;
  }
  return best;
}

/** Units (other than the module) whose ranges intersect any of the given line ranges (0-based, inclusive). */
export function unitsTouchingLines(units: readonly CodeUnit[], lines: ReadonlyArray<{ start: number; end: number }>): CodeUnit[] {
  return units.filter((u) => u.kind !== 'module' && lines.some((l) => l.start <= u.range.end.line && u.range.start.line <= l.end));
}
