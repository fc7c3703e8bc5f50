/**
 * Test files (and the package `__init__.py` files they import through) parsed once, not once per
 * file under critique: related-test discovery reads the same candidates for every source file of
 * a check, and parsing them was most of its cost (120–270 ms a file). Entries are keyed by path
 * and hold the text they were parsed from, so an edited file is parsed again; a small LRU bounds
 * the memory of a long-lived language server.
 */
import type { LanguageId } from '../../languages.js';
import type { ParsedFile, SyntaxService } from '../../syntax/syntaxService.js';
import { testFileFacts, type TestFileFacts } from './testFacts.js';

interface Entry<T> {
  text: string;
  value: Promise<T>;
}

class Lru<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(private readonly capacity: number) {}

  get(path: string, text: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(path);
    if (hit && hit.text === text) {
      this.entries.delete(path);
      this.entries.set(path, hit);
      return hit.value;
    }
    const value = load();
    // A failed parse (a cancelled signal) is not remembered.
    value.catch(() => {
      if (this.entries.get(path)?.value === value) this.entries.delete(path);
    });
    this.entries.set(path, { text, value });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

export class ParseMemo {
  private readonly parsed = new Lru<ParsedFile>(2_000);
  private readonly facts = new Lru<TestFileFacts>(2_000);

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
