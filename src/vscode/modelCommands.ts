/**
 * Choosing the critic model: an OpenAI-compatible endpoint (key in SecretStorage, per endpoint),
 * a VS Code language model, or a local Ollama / LM Studio server found on loopback on request.
 */
import * as vscode from 'vscode';
import type { Logger } from '../engine/types.js';
import { lmModelId } from './configFromSettings.js';
import { knownLocalServers, listEndpointModels, probeLocalServers, type EndpointCheck } from './localServers.js';
import { apiKeySecret, endpointOrigin, isLoopback, openAiDefaultBaseUrl } from './secrets.js';
import { targetOf } from './settings.js';

type PickItem = vscode.QuickPickItem & { run?: () => Promise<void> };

export class ModelCommands {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: Logger,
  ) {}

  private scope(): vscode.ConfigurationScope | undefined {
    return vscode.window.activeTextEditor?.document.uri;
  }

  private async set(key: string, value: unknown): Promise<void> {
    const config = vscode.workspace.getConfiguration('critic', this.scope());
    const target = targetOf(key, this.scope());
    try {
      await config.update(key, value, target);
    } catch (err) {
      // A window-scoped setting set in a multi-root folder's settings cannot be written there.
      if (target !== vscode.ConfigurationTarget.WorkspaceFolder) throw err;
      await config.update(key, value, vscode.ConfigurationTarget.Workspace);
    }
  }

  private currentBaseUrl(): string | undefined {
    return vscode.workspace.getConfiguration('critic', this.scope()).get<string>('model.baseUrl') || undefined;
  }

  async setApiKey(baseUrl = this.currentBaseUrl()): Promise<boolean> {
    const origin = endpointOrigin(baseUrl);
    const key = await vscode.window.showInputBox({
      title: `Critic: API key for ${origin}`,
      prompt: `Stored in VS Code's secret storage and sent only to ${origin}. Leave empty to remove the stored key.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (key === undefined) return false;
    if (key.trim()) {
      await this.secrets.store(apiKeySecret(baseUrl), key.trim());
      this.log.info(`API key for ${origin} stored`);
      void vscode.window.showInformationMessage(`Critic: the API key for ${origin} is stored.`);
    } else {
      await this.secrets.delete(apiKeySecret(baseUrl));
      this.log.info(`API key for ${origin} removed`);
      void vscode.window.showInformationMessage(`Critic: the API key for ${origin} was removed.`);
    }
    return true;
  }

  /** GET {baseUrl}/models with the stored key, with a progress notification when `visible`. */
  private async checkEndpoint(baseUrl: string, visible: boolean): Promise<EndpointCheck> {
    const key = await this.secrets.get(apiKeySecret(baseUrl));
    const run = () => listEndpointModels(baseUrl, key, { timeoutMs: 8_000 });
    const result = visible ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Critic: connecting to ${endpointOrigin(baseUrl)}…` }, run) : await run();
    this.log.info(`GET ${baseUrl}/models: ${result.ok ? `${result.models.length} models` : result.problem}`);
    return result;
  }

  /** Makes a checked endpoint model the critic and says so. */
  private async useEndpointModel(baseUrl: string, name: string, available: number): Promise<void> {
    await this.set('model.provider', 'openai');
    await this.set('model.baseUrl', baseUrl === openAiDefaultBaseUrl ? undefined : baseUrl);
    await this.set('model.name', name);
    void vscode.window.showInformationMessage(`Critic: using ${name} at ${endpointOrigin(baseUrl)} (connection checked; the server offers ${available} model${available === 1 ? '' : 's'}).`);
  }

  /** A connection problem, with the one action that fixes it; resolves true when the user chose to retry. */
  private async reportProblem(baseUrl: string, check: Extract<EndpointCheck, { ok: false }>): Promise<boolean> {
    const actions = check.kind === 'auth' ? ['Set API Key', 'Change URL'] : ['Change URL', 'Show Log'];
    const choice = await vscode.window.showErrorMessage(`Critic: ${check.problem}`, ...actions);
    if (choice === 'Set API Key') return this.setApiKey(baseUrl);
    if (choice === 'Change URL') {
      await this.configureEndpoint();
      return false;
    }
    if (choice === 'Show Log') void vscode.commands.executeCommand('critic.showLog');
    return false;
  }

  async selectModel(): Promise<void> {
    const pick = vscode.window.createQuickPick<PickItem>();
    pick.title = 'Critic: Select Model';
    pick.placeholder = 'The critic model reads the code together with the tool evidence';
    pick.matchOnDescription = true;
    const config = vscode.workspace.getConfiguration('critic', this.scope());
    const provider = config.get<string>('model.provider');
    const current = config.get<string>('model.name') ?? '';
    const endpoint = this.currentBaseUrl() ?? openAiDefaultBaseUrl;
    let lmItems: PickItem[] = [];
    let endpointItems: PickItem[] = [];
    const others: PickItem[] = [
      { label: 'Other models', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(globe) OpenAI-compatible endpoint…', description: 'OpenAI, vLLM, llama.cpp, any /v1/chat/completions server', run: () => this.configureEndpoint() },
      { label: '$(search) Find local model servers…', description: 'Ollama on :11434, LM Studio on :1234', run: () => this.findLocalModels() },
      { label: '$(circle-slash) No model', description: 'tool evidence only', run: async () => void (await this.set('model.provider', 'none')) },
    ];
    const render = () => (pick.items = [...endpointItems, ...lmItems, ...others]);
    render();
    pick.busy = true;
    pick.show();
    const lm = (async () => {
      let models: vscode.LanguageModelChat[] = [];
      try {
        models = await vscode.lm.selectChatModels();
      } catch (err) {
        this.log.error('listing VS Code language models failed', err);
      }
      lmItems = [{ label: 'VS Code language models', kind: vscode.QuickPickItemKind.Separator }];
      if (!models.length) lmItems.push({ label: '$(info) No VS Code language models are available', description: 'install an extension that provides one (e.g. GitHub Copilot Chat)' });
      for (const m of models) {
        lmItems.push({
          label: `$(sparkle) ${m.name}`,
          description: `${m.vendor} · ${m.family}`,
          detail: `${Math.round(m.maxInputTokens / 1000)}k input tokens`,
          run: async () => {
            await this.set('model.provider', 'vscode-lm');
            await this.set('model.name', lmModelId(m));
            void vscode.window.showInformationMessage(`Critic: using ${m.name} (${m.vendor}) through VS Code's language model API.`);
          },
        });
      }
      render();
    })();
    // The configured endpoint's own list (when one is configured): proves the URL and key work.
    const listed = provider === 'openai' || this.currentBaseUrl() ? (async () => {
      const check = await this.checkEndpoint(endpoint, false);
      const origin = endpointOrigin(endpoint);
      endpointItems = [{ label: `Models at ${origin}`, kind: vscode.QuickPickItemKind.Separator }];
      if (!check.ok) {
        endpointItems.push({ label: `$(error) ${origin} cannot be used`, detail: check.problem, run: async () => void (await this.reportProblem(endpoint, check)) });
      } else {
        if (!check.models.length) endpointItems.push({ label: '$(info) The server lists no models', description: 'load a model on it, or enter a name', run: () => this.configureEndpoint() });
        for (const name of check.models) {
          endpointItems.push({ label: `$(server) ${name}`, description: name === current && provider === 'openai' ? 'current' : origin, run: () => this.useEndpointModel(endpoint, name, check.models.length) });
        }
      }
      render();
    })() : Promise.resolve();
    void Promise.all([lm, listed]).finally(() => (pick.busy = false));
    const picked = await new Promise<PickItem | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0]));
      pick.onDidHide(() => resolve(undefined));
    });
    pick.hide();
    pick.dispose();
    await picked?.run?.();
  }

  async configureEndpoint(): Promise<void> {
    const baseUrl = await vscode.window.showInputBox({
      title: 'Critic: OpenAI-compatible endpoint',
      prompt: 'Base URL ending in /v1 — Critic lists its models next',
      value: this.currentBaseUrl() ?? openAiDefaultBaseUrl,
      ignoreFocusOut: true,
      validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http(s) URL, e.g. https://api.openai.com/v1'),
    });
    if (!baseUrl) return;
    const url = baseUrl.trim().replace(/\/+$/, '');
    if (!isLoopback(url) && !(await this.secrets.get(apiKeySecret(url)))) await this.setApiKey(url);
    let check = await this.checkEndpoint(url, true);
    while (!check.ok) {
      // Reported now, with what to do, rather than at the next critique.
      if (!(await this.reportProblem(url, check))) return;
      check = await this.checkEndpoint(url, true);
    }
    const current = vscode.workspace.getConfiguration('critic', this.scope()).get<string>('model.name') ?? '';
    let name: string | undefined;
    if (check.models.length) {
      const items = check.models.map((m) => ({ label: m, description: m === current ? 'current' : undefined }));
      items.sort((a, b) => Number(b.label === current) - Number(a.label === current));
      const picked = await vscode.window.showQuickPick([...items, { label: '$(edit) Another name…', description: 'a model the server does not list' }], {
        title: `Critic: models at ${endpointOrigin(url)}`,
        placeHolder: 'The critic model',
        ignoreFocusOut: true,
      });
      if (!picked) return;
      name = picked.label.startsWith('$(edit)') ? undefined : picked.label;
    }
    name ??= (
      await vscode.window.showInputBox({
        title: 'Critic: model name',
        prompt: check.models.length ? 'Model name as the server knows it' : 'The server lists no models: the model name as it knows it',
        value: current,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'A model name, e.g. gpt-4o-mini'),
      })
    )?.trim();
    if (!name) return;
    await this.useEndpointModel(url, name, check.models.length);
  }

  async findLocalModels(): Promise<void> {
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Critic: looking for local model servers on 127.0.0.1…' },
      () => probeLocalServers(knownLocalServers, 1_500),
    );
    for (const m of outcome.missing) this.log.info(`local model server ${m.server.name} (${m.server.baseUrl}): ${m.reason}`);
    if (!outcome.found.length) {
      void vscode.window.showInformationMessage(
        `Critic: no local model server answered (${knownLocalServers.map((s) => `${s.name} at ${s.baseUrl}`).join(', ')}). Start one and load a model, then try again.`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(
      outcome.found.map((f) => ({ label: f.model, description: `${f.server.name} · ${f.server.baseUrl}`, found: f })),
      { title: 'Critic: use a local model', placeHolder: 'Models served on this machine' },
    );
    if (!picked) return;
    await this.set('model.provider', 'openai');
    await this.set('model.baseUrl', picked.found.server.baseUrl);
    await this.set('model.name', picked.found.model);
    void vscode.window.showInformationMessage(`Critic: using ${picked.found.model} on ${picked.found.server.name}.`);
  }
}
