/**
 * The engine's one entry point to tree-sitter: parses documents (incrementally, cached) and
 * returns plain data — units, syntax problems, comments, imports — so no caller holds a tree.
 */
import type { Tree } from 'web-tree-sitter';
import { AbortError } from '../abort.js';
import type { Range } from '../findings.js';
import { grammarOf, type LanguageId } from '../languages.js';
import type { AssetsPort } from '../types.js';
import { GrammarRegistry, type LoadedGrammar } from './parser.js';
import { ParseTreeCache } from './parseTreeCache.js';
import { findSyntaxProblems, type SyntaxProblem } from './syntaxErrors.js';
import { extractUnits, nodeRange, type CodeUnit } from './units.js';
import { Lru } from '../lru.js';

export interface Comment {
  range: Range;
  text: string;
}

export interface ImportRef {
  range: Range;
  /** The statement's text, e.g. `from .cart import total` or `import { x } from './y'`. */
  text: string;
  /** The module specifier where one is written (`./y`, `.cart`, `os.path`). */
  source: string;
}

export interface ParsedFile {
  language: LanguageId;
  units: CodeUnit[];
  syntaxProblems: SyntaxProblem[];
  comments: Comment[];
  imports: ImportRef[];
  /** Whether this parse reused the previous tree of the same document. */
  incremental: boolean;
}

function importSource(text: string, language: LanguageId): string {
  if (language === 'python') {
    const from = /^\s*from\s+([\w.]+)/.exec(text);
    if (from) return from[1]!;
    return /^\s*import\s+([\w.]+)/.exec(text)?.[1] ?? '';
  }
  return /(['"])([^'"]+)\1/.exec(text)?.[2] ?? '';
}

/** False only when no comment can be in the text (no `#` in Python, no `//` or `/*` elsewhere). */
function mayHaveComments(text: string, language: LanguageId): boolean {
  return language === 'python' ? text.includes('#') : text.includes('//') || text.includes('/*');
}

/** False only when no import can be in the text (the imports queries need `import` or `require`). */
function mayHaveImports(text: string, language: LanguageId): boolean {
  return text.includes('import') || (language !== 'python' && text.includes('require'));
}

export class SyntaxService {
  private readonly registry: GrammarRegistry;
  private readonly cache: ParseTreeCache;
  // A check's batched tools (examples, one test session) analyse all its files before each file's
  // pipeline analyses it again: with room for 64, a 200-file check parsed every file twice (a
  // parsed file holds no tree, a few kilobytes).
  private readonly results = new Lru<string, { text: string; parsed: ParsedFile }>(512);

  constructor(assets: AssetsPort, capacity = 16) {
    this.registry = new GrammarRegistry(assets);
    this.cache = new ParseTreeCache(capacity);
  }

  grammar(language: LanguageId): Promise<LoadedGrammar> {
    return this.registry.grammar(grammarOf(language));
  }

  /**
   * Parses `text` as the current content of document `key` and runs `fn` on the tree. The tree
   * is only valid inside `fn`.
   */
  async withTree<T>(key: string, text: string, language: LanguageId, fn: (tree: Tree, grammar: LoadedGrammar, incremental: boolean) => T, signal?: AbortSignal): Promise<T> {
    const grammar = await this.grammar(language);
    const parser = await this.registry.parser;
    if (signal?.aborted) throw new AbortError();
    const { tree, incremental } = this.cache.get(key, grammar.name, text, (old) => {
      parser.setLanguage(grammar.language);
      const tree = parser.parse(text, old, {
        progressCallback: (() => signal?.aborted === true) as unknown as () => void,
      });
      if (!tree) throw signal?.aborted ? new AbortError() : new Error(`tree-sitter could not parse ${key}`);
      return tree;
    });
    return fn(tree, grammar, incremental);
  }

  /** Units, syntax problems, comments and imports of a document (cached by text). */
  async analyse(key: string, text: string, language: LanguageId, signal?: AbortSignal): Promise<ParsedFile> {
    const hit = this.results.get(key);
    if (hit && hit.text === text && hit.parsed.language === language) return hit.parsed;
    const parsed = await this.withTree(
      key,
      text,
      language,
      (tree, grammar, incremental): ParsedFile => ({
        language,
        units: extractUnits(tree, grammar),
        syntaxProblems: findSyntaxProblems(tree),
        // Each query walks the whole tree (tens of ms on 1,000 lines in Liftoff-only wasm, on every
        // edit); a text without a comment marker or an import keyword cannot match, so skip the walk.
        comments: mayHaveComments(text, language) ? grammar.query('comments').captures(tree.rootNode).map((c) => ({ range: nodeRange(c.node), text: c.node.text })) : [],
        imports: mayHaveImports(text, language)
          ? grammar
              .query('imports')
              .captures(tree.rootNode)
              .filter((c) => c.name === 'import')
              .map((c) => ({ range: nodeRange(c.node), text: c.node.text, source: importSource(c.node.text, language) }))
          : [],
        incremental,
      }),
      signal,
    );
    this.results.set(key, { text, parsed });
    return parsed;
  }

  /** Forgets a document's tree (e.g. closed in the editor). */
  drop(key: string): void {
    this.cache.drop(key);
    this.results.delete(key);
  }

  get cachedTrees(): number {
    return this.cache.size;
  }

  async dispose(): Promise<void> {
    this.cache.dispose();
    this.results.clear();
    await this.registry.dispose();
  }
}
