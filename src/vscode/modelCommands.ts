/**
 * Choosing the critic model: an OpenAI-compatible endpoint (key in SecretStorage, per endpoint),
 * a VS Code language model, or a local Ollama / LM Studio server found on loopback on request.
 */
import * as vscode from 'vscode';
import type { Logger } from '../engine/types.js';
import { lmModelId } from './configFromSettings.js';
import { knownLocalServers, probeLocalServers } from './localServers.js';
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
    await vscode.workspace.getConfiguration('critic', this.scope()).update(key, value, targetOf(key, this.scope()));
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

  async selectModel(): Promise<void> {
    const items: PickItem[] = [];
    let lmModels: vscode.LanguageModelChat[] = [];
    try {
      lmModels = await vscode.lm.selectChatModels();
    } catch (err) {
      this.log.error('listing VS Code language models failed', err);
    }
    items.push({ label: 'VS Code language models', kind: vscode.QuickPickItemKind.Separator });
    if (lmModels.length) {
      for (const m of lmModels) {
        items.push({
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
    } else {
      items.push({ label: '$(info) No VS Code language models are available', description: 'install an extension that provides one (e.g. GitHub Copilot Chat)' });
    }
    items.push(
      { label: 'Other models', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(globe) OpenAI-compatible endpoint…', description: 'OpenAI, vLLM, llama.cpp, any /v1/chat/completions server', run: () => this.configureEndpoint() },
      { label: '$(search) Find local model servers…', description: 'Ollama on :11434, LM Studio on :1234', run: () => this.findLocalModels() },
      {
        label: '$(circle-slash) No model',
        description: 'tool evidence only',
        run: async () => {
          await this.set('model.provider', 'none');
        },
      },
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Critic: Select Model', placeHolder: 'The critic model reads the code together with the tool evidence', matchOnDescription: true });
    await picked?.run?.();
  }

  async configureEndpoint(): Promise<void> {
    const baseUrl = await vscode.window.showInputBox({
      title: 'Critic: OpenAI-compatible endpoint (1/2)',
      prompt: 'Base URL ending in /v1',
      value: this.currentBaseUrl() ?? openAiDefaultBaseUrl,
      ignoreFocusOut: true,
      validateInput: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'An http(s) URL, e.g. https://api.openai.com/v1'),
    });
    if (!baseUrl) return;
    const name = await vscode.window.showInputBox({
      title: 'Critic: OpenAI-compatible endpoint (2/2)',
      prompt: 'Model name as the server knows it',
      value: vscode.workspace.getConfiguration('critic', this.scope()).get<string>('model.name') ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A model name, e.g. gpt-4o-mini'),
    });
    if (!name) return;
    const url = baseUrl.trim().replace(/\/+$/, '');
    await this.set('model.provider', 'openai');
    await this.set('model.baseUrl', url === openAiDefaultBaseUrl ? undefined : url);
    await this.set('model.name', name.trim());
    if (!isLoopback(url) && !(await this.secrets.get(apiKeySecret(url)))) await this.setApiKey(url);
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
