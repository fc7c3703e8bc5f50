/**
 * Redaction by value. Patterns find a secret where it is written (`password = "…"`); once found,
 * the value itself is a secret wherever else it shows up — in a test's assertion message, in an
 * example's output, in a traceback — where no pattern would recognise it. The vault remembers
 * the values found in every file Critic reads and in every text it redacts, and `redactOutgoing`
 * replaces all of them, on top of the patterns.
 *
 * One vault per process: the model providers (the choke point every request passes) and the
 * engine's readers are created by different hosts, and a secret seen once stays secret. It holds
 * the values only in memory, never logs or persists them, and is bounded.
 */
import { createHash } from 'node:crypto';
import { findSecrets, redactSecrets, type Redaction } from './redact.js';
import { Lru } from '../lru.js';

/** A value worth matching anywhere: long, and not a word or number that ordinary code is full of. */
function matchable(value: string): boolean {
  if (value.length < 6 || value.includes('<REDACTED:')) return false;
  if (/^[A-Za-z]+$/.test(value) && value.length < 12) return false;
  if (/^\d+$/.test(value) && value.length < 10) return false;
  return /\S/.test(value) && !/^\s|\s$/.test(value);
}

export class SecretVault {
  private readonly values: Lru<string, string>;
  /** The values found in texts scanned before, by the text's digest. */
  private readonly scanned = new Lru<string, Array<[string, string]>>(1000);

  constructor(max = 4000) {
    this.values = new Lru(max);
  }

  /** How many values the vault holds. */
  get size(): number {
    return this.values.size;
  }

  /** Remembers the secrets `text` contains (by pattern); returns how many were new. */
  learn(text: string): number {
    // The same configuration file is read once per file under critique: scanned once, its
    // values put back each time (they may have been pushed out since).
    const digest = createHash('sha256').update(text).digest('base64');
    let found = this.scanned.get(digest);
    if (!found) this.scanned.set(digest, (found = this.scan(text)));
    let added = 0;
    for (const [piece, kind] of found) {
      if (this.values.has(piece)) continue;
      // Oldest first out (bounded): a long-running language server sees many projects.
      this.values.set(piece, kind);
      added++;
    }
    return added;
  }

  private scan(text: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const c of findSecrets(text)) {
      const value = text.slice(c.start, c.end);
      // A key body is remembered line by line: output re-wraps it, but each line survives.
      const pieces = c.kind === 'private-key' ? value.split(/\r?\n|\\n/).map((l) => l.trim()).filter((l) => l.length >= 20) : [value];
      for (const piece of pieces) if (matchable(piece)) out.push([piece, c.kind]);
    }
    return out;
  }

  /** Learns from `text`, then replaces every pattern match and every known value in it. */
  redact(text: string): Redaction {
    this.learn(text);
    return redactSecrets(text, { values: this.values });
  }

  /** Forgets every value (tests). */
  clear(): void {
    this.values.clear();
    this.scanned.clear();
  }
}

/** The process's vault: fed by the engine's file reads and by every outgoing text. */
export const sharedVault = new SecretVault();

/** Redaction for any text that leaves the machine: patterns plus every secret value seen so far. */
export function redactOutgoing(text: string): Redaction {
  return sharedVault.redact(text);
}
