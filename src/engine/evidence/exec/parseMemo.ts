/**
 * Test files (and the package `__init__.py` files they import through) parsed once, not once per
 * file under critique: related-test discovery reads the same candidates for every source file of
 * a check, and parsing them was most of its cost (120–270 ms a file). Entries are keyed by path
 * and hold the text they were parsed from, so an edited file is parsed again; a small LRU bounds
 * the memory of a long-lived language server.
 */
import type { LanguageId } from '../../languages.js';
import type { ParsedFile, SyntaxService } from '../../syntax/syntaxService.js';
import { Lru } from '../../lru.js';
import { testFileFacts, type TestFileFacts } from './testFacts.js';

interface Entry<T> {
  text: string;
  value: Promise<T>;
}

/** Parses (or reads facts of) a file once per text: the entry holds the text it came from. */
class TextMemo<T> {
  private readonly entries: Lru<string, Entry<T>>;
  constructor(capacity: number) {
    this.entries = new Lru(capacity);
  }

  get(path: string, text: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(path);
    if (hit && hit.text === text) return hit.value;
    const value = load();
    // A failed parse (a cancelled signal) is not remembered.
    value.catch(() => {
      if (this.entries.peek(path)?.value === value) this.entries.delete(path);
    });
    this.entries.set(path, { text, value });
    return value;
  }
}

export class ParseMemo {
  private readonly parsed = new TextMemo<ParsedFile>(2_000);
  private readonly facts = new TextMemo<TestFileFacts>(2_000);

  constructor(private readonly syntax: SyntaxService) {}

  /** The file's imports, units and comments (the tree itself is not kept). */
  analyse(path: string, text: string, language: LanguageId, signal?: AbortSignal): Promise<ParsedFile> {
    return this.parsed.get(`${language}\0${path}`, text, async () => {
      const key = `critic-memo:${path}`;
      try {
        return await this.syntax.analyse(key, text, language, signal);
      } finally {
        this.syntax.drop(key);
      }
    });
  }

  /** A test file's calls and test declarations (testFacts.ts). */
  testFacts(path: string, text: string, language: LanguageId, signal?: AbortSignal): Promise<TestFileFacts> {
    return this.facts.get(`${language}\0${path}`, text, () => testFileFacts(this.syntax, path, text, language, signal));
  }
}
