/**
 * A small LRU of parse trees keyed by document. A new text for a cached document is parsed
 * incrementally from the old tree; evicted trees are deleted (tree-sitter memory is manual).
 */
import type { Tree } from 'web-tree-sitter';
import type { GrammarName } from '../languages.js';
import { Lru } from '../lru.js';
import { diffEdit } from './textEdit.js';

interface Entry {
  grammar: GrammarName;
  text: string;
  tree: Tree;
}

export class ParseTreeCache {
  private readonly entries: Lru<string, Entry>;

  constructor(capacity = 16) {
    // The cache owns its trees: whatever leaves it (evicted, replaced, dropped) is deleted.
    this.entries = new Lru(capacity, (e) => e.tree.delete());
  }

  /**
   * The tree for `text`, reusing the cached one when the text is the same and reparsing
   * incrementally when it changed. `parse` is called with the old tree (already edited) or null.
   */
  get(key: string, grammar: GrammarName, text: string, parse: (old: Tree | null) => Tree): { tree: Tree; reused: boolean; incremental: boolean } {
    const cached = this.entries.get(key);
    if (cached && cached.grammar === grammar && cached.text === text) {
      return { tree: cached.tree, reused: true, incremental: false };
    }
    let old: Tree | null = null;
    if (cached && cached.grammar === grammar) {
      const edit = diffEdit(cached.text, text);
      if (edit) {
        cached.tree.edit(edit);
        old = cached.tree;
      }
    }
    let tree: Tree;
    try {
      tree = parse(old);
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
    // Replacing the entry deletes the old tree, which the parse above has finished reading.
    this.entries.set(key, { grammar, text, tree });
    return { tree, reused: false, incremental: old !== null };
  }

  /** Forgets one document (closed in the editor). */
  drop(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  dispose(): void {
    this.entries.clear();
  }
}
