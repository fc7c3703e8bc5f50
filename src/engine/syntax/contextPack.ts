/**
 * Just enough context for a critic model to read a unit: the file's imports, the signatures of
 * same-file functions the unit calls, and the outline of its enclosing class — chosen with
 * tree-sitter, so a 5,000-line file costs a few hundred tokens instead of all of them.
 */
import type { Node } from 'web-tree-sitter';
import type { SourceDocument } from '../evidence/tool.js';
import type { SyntaxService } from './syntaxService.js';
import type { CodeUnit } from './units.js';

export interface PackedContext {
  /** Text to show the model before the unit, or '' when there is nothing useful. */
  text: string;
  /** Names of the units whose signatures were included. */
  signatures: string[];
}

const maxSignatureChars = 400;

/** The unit's text up to where its body starts (the signature, plus decorators). */
function signatureOf(text: string, unit: CodeUnit, body: Node | null): string {
  const end = body ? Math.min(body.startIndex, unit.endIndex) : unit.endIndex;
  let sig = text.slice(unit.startIndex, end).trimEnd();
  if (sig.length > maxSignatureChars) sig = `${sig.slice(0, maxSignatureChars)}…`;
  if (sig.endsWith(':')) return `${sig} ...`;
  return body?.text.startsWith('{') ? `${sig} { … }` : `${sig} …`;
}

function bodyNode(root: Node, unit: CodeUnit): Node | null {
  // The definition node spanning the unit, then its body field.
  let node: Node | null = root.descendantForIndex(unit.startIndex, unit.endIndex);
  while (node && !(node.startIndex <= unit.startIndex && node.endIndex >= unit.endIndex)) node = node.parent;
  const queue: Node[] = node ? [node] : [];
  while (queue.length) {
    const n = queue.shift()!;
    const body = n.childForFieldName('body');
    if (body && body.startIndex >= unit.startIndex && body.endIndex <= unit.endIndex) return body;
    for (const c of n.namedChildren) if (c && c.startIndex >= unit.startIndex && c.endIndex <= unit.endIndex) queue.push(c);
  }
  return null;
}

/** Context for `targets` (units of `doc`), excluding the targets' own text. */
export async function packContext(syntax: SyntaxService, doc: SourceDocument, targets: readonly CodeUnit[], signal?: AbortSignal): Promise<PackedContext> {
  const parsed = await syntax.analyse(doc.path, doc.text, doc.language, signal);
  return syntax.withTree(
    doc.path,
    doc.text,
    doc.language,
    (tree, grammar) => {
      const root = tree.rootNode;
      const parts: string[] = [];
      if (parsed.imports.length) parts.push(parsed.imports.map((i) => i.text).join('\n'));
      const inTarget = (u: CodeUnit) => targets.some((t) => t.startIndex <= u.startIndex && u.endIndex <= t.endIndex);
      // Signatures of same-file functions the targets call.
      const called = new Set<string>();
      for (const t of targets) {
        const node = root.descendantForIndex(t.startIndex, t.endIndex) ?? root;
        for (const c of grammar.query('calls').captures(node)) called.add(c.node.text);
      }
      const signatures: string[] = [];
      const seen = new Set<string>();
      for (const u of parsed.units) {
        if (u.kind === 'module' || inTarget(u) || seen.has(u.name)) continue;
        const short = u.name.slice(u.name.lastIndexOf('.') + 1);
        if (!called.has(short)) continue;
        seen.add(u.name);
        signatures.push(u.name);
        parts.push(signatureOf(doc.text, u, bodyNode(root, u)));
      }
      // The outline of each target's enclosing class: its header and its members' signatures.
      for (const t of targets) {
        const cls = parsed.units.filter((u) => u.kind === 'class' && u.startIndex < t.startIndex && t.endIndex <= u.endIndex).pop();
        if (!cls || seen.has(cls.name)) continue;
        seen.add(cls.name);
        const members = parsed.units.filter((u) => u !== t && u.startIndex > cls.startIndex && u.endIndex <= cls.endIndex && !seen.has(u.name) && u.name.split('.').length === cls.name.split('.').length + 1);
        const header = signatureOf(doc.text, cls, bodyNode(root, cls)).replace(/ (\.\.\.|… }|…)$/, '');
        parts.push([header, ...members.map((m) => `    ${signatureOf(doc.text, m, bodyNode(root, m)).replace(/\n/g, '\n    ')}`)].join('\n'));
      }
      return { text: parts.join('\n\n'), signatures };
    },
    signal,
  );
}
