/** Languages the engine understands, keyed by the VS Code language identifiers. */
export const languageIds = ['python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact'] as const;
export type LanguageId = (typeof languageIds)[number];

const byExtension: Record<string, LanguageId> = {
  '.py': 'python',
  '.pyi': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascriptreact',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescriptreact',
};

/** The language of a file from its name, or undefined when Critic does not support it. */
export function languageOfPath(path: string): LanguageId | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  return byExtension[path.slice(dot).toLowerCase()];
}

export const supportedExtensions = Object.keys(byExtension);

/** The tree-sitter grammar that parses a language (TSX and JSX share their parents' rules). */
export type GrammarName = 'python' | 'javascript' | 'typescript' | 'tsx';

export function grammarOf(language: LanguageId): GrammarName {
  switch (language) {
    case 'python':
      return 'python';
    case 'javascript':
    case 'javascriptreact':
      return 'javascript';
    case 'typescript':
      return 'typescript';
    case 'typescriptreact':
      return 'tsx';
  }
}

export function isJsFamily(language: LanguageId): boolean {
  return language !== 'python';
}

/** The comment syntax used by suppression comments and generated text. */
export function lineCommentOf(language: LanguageId): string {
  return language === 'python' ? '#' : '//';
}

/**
 * The language of an open document: the editor's language identifier, unless the file's name says
 * another language altogether. A client that sends one identifier per server (eglot 1.9) or a
 * wrong association must not get a TypeScript file critiqued as Python; within one family the
 * identifier wins (a `.js` file associated with `javascriptreact` holds JSX).
 */
export function languageOfDocument(languageId: string, path: string): LanguageId | undefined {
  const named = languageOfPath(path);
  const said = (languageIds as readonly string[]).includes(languageId) ? (languageId as LanguageId) : undefined;
  if (!said) return named;
  if (named && isJsFamily(named) !== isJsFamily(said)) return named;
  return said;
}
