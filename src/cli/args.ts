/** Command-line parsing for `critic`. Usage errors become UsageError (exit code 2). */
import { failOnValues, type FailOn } from '../engine/findings.js';

export const formats = ['text', 'json', 'sarif'] as const;
export type Format = (typeof formats)[number];

export interface CliOptions {
  command: 'check' | 'diff' | 'fix' | 'help' | 'version';
  paths: string[];
  format: Format;
  failOn?: FailOn;
  quiet: boolean;
  verbose: boolean;
  jobs?: number;
  color?: boolean;
  staged: boolean;
  base?: string;
  config?: string;
  exec: boolean;
  /** Try a running `critic daemon` / language server of the project first (`--no-daemon`: never). */
  daemon: boolean;
  allowUnsandboxed: boolean;
  /** The user trusts the project: its .critic.json may choose models and loosen limits, its ESLint loads in process. */
  trustProject: boolean;
  models?: string[];
  baseUrl?: string;
  line?: number;
  unit?: string;
  apply: boolean;
  /** `fix --apply` may write a rewrite that adds imports to the module. */
  allowImports?: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

interface FlagSpec {
  commands: ReadonlyArray<CliOptions['command']>;
  value?: string;
  set: (o: CliOptions, v: string) => void;
}

const all = ['check', 'diff', 'fix'] as const;

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

function positiveInt(flag: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max} (got "${v}")`);
  return n;
}

const flags: Record<string, FlagSpec> = {
  '--format': { commands: all, value: 'text|json|sarif', set: (o, v) => (o.format = oneOf('--format', v, formats)) },
  '--fail-on': { commands: all, value: 'error|warning|note|never', set: (o, v) => (o.failOn = oneOf('--fail-on', v, failOnValues)) },
  '--quiet': { commands: all, set: (o) => (o.quiet = true) },
  '-q': { commands: all, set: (o) => (o.quiet = true) },
  '--verbose': { commands: all, set: (o) => (o.verbose = true) },
  '--jobs': { commands: all, value: 'N', set: (o, v) => (o.jobs = positiveInt('--jobs', v, 64)) },
  '-j': { commands: all, value: 'N', set: (o, v) => (o.jobs = positiveInt('-j', v, 64)) },
  '--color': { commands: all, set: (o) => (o.color = true) },
  '--no-color': { commands: all, set: (o) => (o.color = false) },
  '--config': { commands: all, value: 'FILE', set: (o, v) => (o.config = v) },
  '--no-exec': { commands: all, set: (o) => (o.exec = false) },
  '--no-daemon': { commands: all, set: (o) => (o.daemon = false) },
  '--allow-unsandboxed': { commands: all, set: (o) => (o.allowUnsandboxed = true) },
  '--trust-project': { commands: all, set: (o) => (o.trustProject = true) },
  '--model': { commands: all, value: 'NAME[,NAME…]', set: (o, v) => (o.models = v.split(',').map((s) => s.trim()).filter(Boolean)) },
  '--base-url': { commands: all, value: 'URL', set: (o, v) => (o.baseUrl = v) },
  '--staged': { commands: ['diff'], set: (o) => (o.staged = true) },
  '--base': { commands: ['diff'], value: 'REV', set: (o, v) => (o.base = v) },
  '--line': { commands: ['fix'], value: 'N', set: (o, v) => (o.line = positiveInt('--line', v, 10_000_000)) },
  '--unit': { commands: ['fix'], value: 'NAME', set: (o, v) => (o.unit = v) },
  '--apply': { commands: ['fix'], set: (o) => (o.apply = true) },
  '--allow-imports': { commands: ['fix'], set: (o) => (o.allowImports = true) },
};

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = { command: 'help', paths: [], format: 'text', quiet: false, verbose: false, staged: false, exec: true, daemon: true, allowUnsandboxed: false, trustProject: false, apply: false };
  const args = [...argv];
  const first = args.shift();
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return o;
  if (first === '--version' || first === '-v' || first === 'version') return { ...o, command: 'version' };
  if (!['check', 'diff', 'fix'].includes(first)) {
    throw new UsageError(first.startsWith('-') ? `unknown option "${first}"; expected a command: check, diff or fix` : `unknown command "${first}"; expected check, diff or fix`);
  }
  o.command = first as CliOptions['command'];
  let onlyPaths = false;
  while (args.length) {
    const arg = args.shift()!;
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      o.paths.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPaths = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') return { ...o, command: 'help' };
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown option "${name}"`);
    if (!spec.commands.includes(o.command)) throw new UsageError(`${name} is not an option of "critic ${o.command}"`);
    if (spec.value === undefined) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      spec.set(o, '');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args.shift();
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value: ${name} ${spec.value}`);
    spec.set(o, value);
  }
  if (o.command === 'check' && o.paths.length === 0) throw new UsageError('critic check needs at least one file or folder (e.g. "critic check src/")');
  if (o.command === 'diff' && o.staged && o.base) throw new UsageError('--staged and --base cannot be combined');
  if (o.command === 'fix' && o.paths.length !== 1) throw new UsageError('critic fix takes exactly one file');
  if (o.command === 'fix' && o.line !== undefined && o.unit !== undefined) throw new UsageError('--line and --unit cannot be combined');
  return o;
}

export const helpText = `critic — pre-execution code critique

Usage:
  critic check <paths…> [options]     critique files and folders
  critic diff [--staged | --base REV]  critique only what changed (working tree vs HEAD by default)
  critic fix <file> [--line N | --unit NAME] [--apply [--allow-imports]]
                                      rewrite a unit guided by its findings, verified before it is shown;
                                      --apply writes it only if it changes just the unit, or also adds
                                      imports the diff shows and --allow-imports accepts
  critic lsp --stdio | --node-ipc      the language server for any LSP editor (critic lsp --help)
  critic daemon [--idle-timeout MIN]   keep Critic warm for this project; check and diff use it
                                      (critic daemon --help)

Options:
  --format text|json|sarif   output format (default: text)
  --fail-on error|warning|note|never
                             exit 1 when a finding is at or above this level (default: error)
  -q, --quiet                print only errors, no summary or notes
  -j, --jobs N               files critiqued in parallel (default: number of CPUs, at most 4)
  --config FILE              your own configuration file (default: the project's nearest .critic.json)
  --trust-project            trust the project's .critic.json (models, looser limits) and load its ESLint
                             config in process (env: CRITIC_TRUST_PROJECT=1; user config: trustedProjects)
  --no-exec                  do not run examples or tests
  --no-daemon                check in this process even when a critic daemon for the project runs
  --allow-unsandboxed        run code with resource limits only where no sandbox is available
  --model NAME[,NAME…]       critic model(s); several form a panel (env: CRITIC_MODEL)
  --base-url URL             OpenAI-compatible endpoint (env: OPENAI_BASE_URL; key: OPENAI_API_KEY)
  --color, --no-color        force or disable colours (default: on for a terminal)
  --verbose                  log what runs, with timings and stack traces
  -h, --help                 this help
  -v, --version              the version

User config: $XDG_CONFIG_HOME/critic/config.json (default ~/.config/critic/config.json).

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or configuration error.
`;
