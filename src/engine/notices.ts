/** Something a tool or stage tells the user once (a missing tool, why code was not run, a model failure). */
export interface ToolNotice {
  tool: string;
  message: string;
  /** For model notices, the failure kind (`unreachable`, `auth`, …; see model/errors.ts). */
  kind?: string;
}
