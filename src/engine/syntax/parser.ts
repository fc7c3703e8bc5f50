/**
 * Loads web-tree-sitter and the bundled grammars once per process. The wasm files are found
 * through the assets port, never by guessing from the environment.
 */
import { Language, Parser, Query } from 'web-tree-sitter';
import type { AssetsPort } from '../types.js';
import type { GrammarName } from '../languages.js';
import { queries, type QueryName } from './queries.js';

const grammarFiles: Record<GrammarName, string> = {
  python: 'tree-sitter-python.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
};

let runtime: Promise<void> | undefined;

function initRuntime(assets: AssetsPort): Promise<void> {
  runtime ??= Parser.init({
    locateFile: (name: string) => assets.path(name),
  }).catch((err: unknown) => {
    runtime = undefined;
    throw new Error(`Could not load the tree-sitter runtime from ${assets.path('tree-sitter.wasm')}: ${(err as Error).message}`);
  });
  return runtime;
}

export interface LoadedGrammar {
  name: GrammarName;
  language: Language;
  query(name: QueryName): Query;
}

/** Grammars, their compiled queries and one parser, shared by everything in the process. */
export class GrammarRegistry {
  private readonly grammars = new Map<GrammarName, Promise<LoadedGrammar>>();
  private readonly compiled: Query[] = [];
  readonly parser: Promise<Parser>;

  constructor(private readonly assets: AssetsPort) {
    this.parser = initRuntime(assets).then(() => new Parser());
    // Callers see the failure when they ask for a grammar; never an unhandled rejection.
    this.parser.catch(() => undefined);
  }

  grammar(name: GrammarName): Promise<LoadedGrammar> {
    let g = this.grammars.get(name);
    if (!g) {
      g = this.load(name);
      g.catch(() => this.grammars.delete(name));
      this.grammars.set(name, g);
    }
    return g;
  }

  private async load(name: GrammarName): Promise<LoadedGrammar> {
    await initRuntime(this.assets);
    const file = this.assets.path(grammarFiles[name]);
    let language: Language;
    try {
      language = await Language.load(file);
    } catch (err) {
      throw new Error(`Could not load the ${name} grammar from ${file}: ${(err as Error).message}`);
    }
    const cache = new Map<QueryName, Query>();
    return {
      name,
      language,
      query: (q) => {
        let query = cache.get(q);
        if (!query) {
          query = new Query(language, queries[name][q]);
          this.compiled.push(query);
          cache.set(q, query);
        }
        return query;
      },
    };
  }

  /** Frees the parser and compiled queries (tree-sitter objects are manual memory). */
  async dispose(): Promise<void> {
    for (const q of this.compiled) q.delete();
    this.compiled.length = 0;
    (await this.parser.catch(() => undefined))?.delete();
  }
}

export const grammarAssetFiles = ['tree-sitter.wasm', ...Object.values(grammarFiles)];
