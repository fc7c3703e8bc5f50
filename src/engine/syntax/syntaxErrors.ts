/** Syntax errors from tree-sitter's ERROR and MISSING nodes. */
import type { Node, Tree } from 'web-tree-sitter';
import type { Range } from '../findings.js';
import { nodeRange } from './units.js';

export interface SyntaxProblem {
  range: Range;
  message: string;
  missing: boolean;
}

/** Error recovery can cascade; the first few problems are the useful ones. */
const maxProblems = 8;

function describeUnexpected(node: Node): string {
  const firstLeaf = (n: Node): Node => (n.childCount > 0 ? firstLeaf(n.child(0)!) : n);
  const leaf = firstLeaf(node);
  let text = leaf.text.split('\n')[0]!.trim();
  if (text.length > 30) text = `${text.slice(0, 30)}…`;
  return text ? `Syntax error: unexpected \`${text}\`` : 'Syntax error';
}

export function findSyntaxProblems(tree: Tree): SyntaxProblem[] {
  const out: SyntaxProblem[] = [];
  if (!tree.rootNode.hasError) return out;
  const visit = (node: Node): void => {
    if (out.length >= maxProblems) return;
    if (node.isMissing) {
      const what = node.type.length <= 3 || /^[^\w]/.test(node.type) ? `"${node.type}"` : node.type.replace(/_/g, ' ');
      out.push({ range: nodeRange(node), message: `Syntax error: missing ${what}`, missing: true });
      return;
    }
    if (node.isError) {
      // Point at the first line only: an ERROR node can swallow the rest of the file.
      const r = nodeRange(node);
      if (r.end.line > r.start.line) r.end = { line: r.start.line, character: r.start.character + Math.max(1, node.text.split('\n')[0]!.length) };
      out.push({ range: r, message: describeUnexpected(node), missing: false });
      return;
    }
    if (!node.hasError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return out;
}
