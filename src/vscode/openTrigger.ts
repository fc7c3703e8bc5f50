/**
 * `critic.autoCheck: open`: critique a file when it is opened in an editor. Pure logic (no
 * 'vscode'), so the language-server client can reuse it unchanged: the host reports which
 * documents are visible and which were closed; this decides which to critique.
 *
 * "Opened" means shown in an editor for the first time since it was last closed — not every
 * `onDidOpenTextDocument`, which also fires for documents other extensions open in the background
 * (git, peek views, language servers), and not every tab switch.
 */

export interface OpenedDocument {
  /** The document's URI as a string. */
  key: string;
  /** Whether Critic critiques this document at all (language, scheme). */
  supported: boolean;
  /** The document's `critic.autoCheck` mode. */
  mode: string;
}

export class OpenTrigger {
  /** Documents already critiqued on open, until they are closed. */
  private readonly seen = new Set<string>();

  constructor(private readonly critique: (key: string) => void) {}

  /** The editors now visible (at start-up, and on every change of the visible editors). */
  visible(documents: readonly OpenedDocument[]): void {
    for (const d of documents) {
      if (!d.supported || this.seen.has(d.key)) continue;
      // Remembered even when the mode is not `open`: switching the setting on later must not
      // critique every tab that was already open.
      this.seen.add(d.key);
      if (d.mode === 'open') this.critique(d.key);
    }
  }

  /** The document was closed: opening it again is a new open. */
  closed(key: string): void {
    this.seen.delete(key);
  }
}
