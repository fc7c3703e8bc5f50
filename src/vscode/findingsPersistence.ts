/**
 * Keeps the findings store's history (what was found for which content hash) across window
 * reloads, in the extension's storage folder for this workspace — never in the project. Written
 * a moment after each finished check (atomically: a temporary file, then a rename) and on
 * shutdown; read once at startup. The file is bounded by the store's limits.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { Logger } from '../engine/types.js';
import type { FindingsStore } from './findingsStore.js';

export const findingsFileName = 'findings-v1.json';
const saveDelayMs = 300;

export class FindingsPersistence {
  private timer?: ReturnType<typeof setTimeout>;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: FindingsStore,
    private readonly folder: vscode.Uri | undefined,
    private readonly log: Logger,
  ) {}

  private get file(): string | undefined {
    return this.folder && this.folder.scheme === 'file' ? join(this.folder.fsPath, findingsFileName) : undefined;
  }

  /** Loads the saved history into the store; the number of remembered contents. */
  async load(): Promise<number> {
    const file = this.file;
    if (!file) return 0;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`could not read the saved findings (${file}): ${(err as Error).message}`);
      return 0;
    }
    try {
      return this.store.load(JSON.parse(text));
    } catch (err) {
      this.log.warn(`the saved findings (${file}) are not valid JSON and were ignored: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Saves soon (checks often finish in bursts). */
  scheduleSave(): void {
    if (!this.file) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, saveDelayMs);
  }

  /** Saves now (after any save in progress). */
  save(): Promise<void> {
    const file = this.file;
    if (!file || !this.folder) return Promise.resolve();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const data = JSON.stringify(this.store.serialize());
    const folder = this.folder.fsPath;
    this.writing = this.writing.then(async () => {
      try {
        await mkdir(folder, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, data, 'utf8');
        await rename(tmp, file);
      } catch (err) {
        this.log.warn(`could not save the findings for the next session (${file}): ${(err as Error).message}`);
      }
    });
    return this.writing;
  }

  /** Writes what is pending (the window is closing). */
  flush(): Promise<void> {
    return this.timer ? this.save() : this.writing;
  }
}
