/**
 * The custom part of Critic's language-server protocol: command ids, request and notification
 * names and their payloads. Plain types (no vscode, no LSP library), so a client — the VS Code
 * thin client, a Neovim plugin — can copy or import them. docs/lsp.md describes each one.
 */

/** `workspace/executeCommand` commands the server registers. */
export const commands = {
  /** Rewrite the unit of a finding, verify it, and apply it through `workspace/applyEdit` when verified. */
  rewrite: 'critic.rewrite',
  /** Rewrite and verify, but only return the result (the client shows a diff). */
  previewRewrite: 'critic.previewRewrite',
  /** Critique a document now (no debounce), publishing diagnostics as usual. */
  checkDocument: 'critic.checkDocument',
} as const;

/** Arguments of `critic.rewrite` / `critic.previewRewrite` (one object, as `arguments[0]`). */
export interface RewriteArgs {
  uri: string;
  /** The document version the finding was shown for; the rewrite is refused once it changed. */
  version: number;
  /** Fingerprint of the finding (`Diagnostic.data.fingerprint`), or … */
  fingerprint?: string;
  /** … the qualified unit name to rewrite (`Cart.total`). */
  unit?: string;
}

/** What `critic.rewrite` / `critic.previewRewrite` return. */
export interface RewriteCommandResult {
  status: 'verified' | 'unverified' | 'nothing-to-fix' | 'failed' | 'cancelled' | 'stale';
  unit?: string;
  /** One line for the user. */
  summary: string;
  /** Unified diff of the candidate, when there is one. */
  diff?: string;
  /** The edit, only when verified and the document is still at `version` (preview: also returned, not applied). */
  edit?: unknown;
  /** `critic.rewrite`: whether the client accepted `workspace/applyEdit`. */
  applied?: boolean;
}

/**
 * `critic/chat` (server → client request): the server asks the client's language model (VS Code:
 * `vscode.lm`) for a completion. Cancelled with `$/cancelRequest` when the critique is superseded.
 */
export const chatRequest = 'critic/chat';

export interface ChatParams {
  /** The model the user chose (`vendor/id` for vscode-lm), from the `critic.model.name` setting. */
  model: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  /** JSON schema name the answer must follow (`critique`, `probes`, `rewrite`). */
  schemaName: string;
}

export interface ChatResult {
  text: string;
}

/** `critic/status` (server → client notification) after each engine (re)build and each critique. */
export const statusNotification = 'critic/status';

export interface StatusParams {
  /** The project root. */
  root: string;
  isolation: 'bubblewrap' | 'limits-only' | 'none';
  isolationReason?: string;
  trusted: boolean;
  models: string[];
  /** The document and what is running on it, when about a document. */
  uri?: string;
  /** The document version the state is about. */
  version?: number;
  state?: 'checking' | 'tools-done' | 'done' | 'cancelled';
  /** On `tools-done`: `region` when a tool answered for the edited region only (its whole-file answer follows). */
  partial?: 'region';
  findings?: number;
}

/** Initialization options a client may send (all optional). */
export interface InitializationOptions {
  /** Run the project's code (examples, tests, probes, its ESLint config) and send code to the model. Default false. */
  trusted?: boolean;
  /** Same shape as the `critic` settings section; used when the client has no `workspace/configuration`. */
  settings?: Record<string, unknown>;
  /** API key of the OpenAI-compatible endpoint (VS Code: from SecretStorage). Never logged. */
  apiKey?: string;
  /**
   * Rule-id prefixes not to publish (e.g. `["ts-"]` in VS Code, whose own TypeScript support already
   * shows those errors). They still count as evidence for the model and the rewrite verification.
   */
  omitDiagnostics?: string[];
  /**
   * The client drives critiques itself with `clientRequests` (the VS Code client) and has its own
   * commands and code actions: the server then advertises neither `executeCommandProvider` (whose
   * command ids would clash with the client's) nor `codeActionProvider`.
   */
  clientDriven?: boolean;
}

/**
 * Requests of a client that decides itself when to critique (the VS Code client: its
 * `critic.autoCheck` policy, Source Control, the rewrite preview) and sends the text to critique —
 * the buffer, or another version of the file such as the staged blob. The server runs the engine;
 * the client only draws. Cancelled with `$/cancelRequest`.
 */
export const clientRequests = {
  /** Critique `text` as the content of `uri` → {@link CheckReply}. */
  check: 'critic/check',
  /** The code units (functions, classes) of `text` → `CodeUnit[]` (engine/syntax/units.ts). */
  units: 'critic/units',
  /** Rewrite one unit of `text` and verify it → {@link TextRewriteReply}. */
  rewrite: 'critic/rewriteText',
} as const;

/** `critic/drop` (client → server notification): a document closed; forget its parse trees. */
export const dropNotification = 'critic/drop';

/** `critic/partial` (server → client notification): everything found so far by a `critic/check`. */
export const partialNotification = 'critic/partial';

/** `critic/phase` (server → client notification): what a `critic/check` waits for now. */
export const phaseNotification = 'critic/phase';

export interface PhaseParams {
  token: string;
  phase: 'tools' | 'execution' | 'model';
}

/** `critic/progress` (server → client notification): a line about a running `critic/rewriteText`. */
export const progressNotification = 'critic/progress';

export interface LineSpan {
  /** 0-based, inclusive. */
  start: number;
  end: number;
}

export interface TextParams {
  uri: string;
  languageId: string;
  version: number;
  text: string;
}

export interface CheckParams extends TextParams {
  /** Chosen by the client; echoed in `critic/partial` so it can tell concurrent checks apart. */
  token: string;
  /** Report findings only on these lines (Source Control, a selection, a pasted block). */
  changedLines?: LineSpan[];
  /** Ask the critic model too (default: when the project has one). */
  model?: boolean;
  /** The diff hunks, shown to the model when reviewing changes. */
  diffHunk?: string;
}

/** What the project's engine is: for status items and whether a rewrite can run. */
export interface EngineInfo {
  root: string;
  isolation: 'bubblewrap' | 'limits-only' | 'none';
  isolationReason?: string;
  trusted: boolean;
  models: string[];
  canRewrite: boolean;
}

/** The engine's CheckResult (engine/pipeline.ts) without its evidence records, plus the engine. */
export interface CheckReply {
  cancelled?: boolean;
  file: string;
  findings: unknown[];
  units: unknown[];
  suppressed: number;
  timings: Record<string, number>;
  notices: { tool: string; message: string }[];
  engine?: EngineInfo;
  /** What ran in the sandbox (examples, tests, probes), for "nothing was executed" (engine/executionSummary.ts). */
  execution?: unknown;
}

export interface PartialParams {
  token: string;
  findings: unknown[];
  timings: Record<string, number>;
}

export interface TextRewriteParams extends TextParams {
  unit: string;
  /** Echoed in `critic/progress` ({ token, message }) after each round. */
  token?: string;
  /** Model findings of the unit the model should see (tool findings are re-derived by the tools). */
  findings?: unknown[];
}

export interface TextRewriteReply {
  status: 'verified' | 'unverified' | 'nothing-to-fix' | 'failed' | 'cancelled';
  summary: string;
  /** The whole document with the rewrite, when there is a candidate. */
  newText?: string;
  diff?: string;
}
