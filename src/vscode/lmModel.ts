/**
 * The engine's CriticModel on top of VS Code's language models (`vscode.lm`): the models the user
 * already has (Copilot and others). The 'vscode' runtime objects are passed in rather than
 * imported, so this file lives in the engine bundle next to the ModelError class the model stage
 * checks with instanceof.
 */
import type * as vscode from 'vscode';
import { AbortError, throwIfAborted } from '../engine/abort.js';
import { ModelError, ModelOutputError } from '../engine/model/errors.js';
import { extractJson } from '../engine/model/jsonText.js';
import { jsonInstruction, redactRequest, type CriticModel, type ModelReply, type ModelRequest } from '../engine/model/provider.js';
import { validateAnswer } from '../engine/model/schemas.js';
import type { Logger } from '../engine/types.js';
import { lmModelId } from './configFromSettings.js';

/** The few runtime pieces of the 'vscode' module this model uses. */
export interface LmApi {
  LanguageModelChatMessage: typeof vscode.LanguageModelChatMessage;
  CancellationTokenSource: typeof vscode.CancellationTokenSource;
  LanguageModelError: typeof vscode.LanguageModelError;
}

export interface LmModelOptions {
  timeoutMs: number;
  log: Logger;
}

class LmCriticModel implements CriticModel {
  readonly id: string;

  constructor(
    private readonly chat: vscode.LanguageModelChat,
    private readonly api: LmApi,
    private readonly opts: LmModelOptions,
  ) {
    this.id = lmModelId(chat);
  }

  async complete(input: ModelRequest): Promise<ModelReply> {
    throwIfAborted(input.signal);
    const req = redactRequest(input);
    if (req.redactedSecrets) this.opts.log.debug(`model ${this.id}: redacted ${req.redactedSecrets} secret(s) from the prompt`);
    // vscode.lm has no system role: the instructions go first, as their own user message.
    const messages = [
      this.api.LanguageModelChatMessage.User(`${req.system}\n\n${jsonInstruction(req.schema)}`),
      this.api.LanguageModelChatMessage.User(req.user),
    ];
    const source = new this.api.CancellationTokenSource();
    let timedOut = false;
    const onAbort = () => source.cancel();
    input.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      source.cancel();
    }, this.opts.timeoutMs);
    let text = '';
    try {
      const response = await this.chat.sendRequest(messages, { justification: 'Critic asks the model to critique the code you selected, grounded in tool evidence.' }, source.token);
      for await (const chunk of response.text) {
        text += chunk;
        if (source.token.isCancellationRequested) break;
      }
      if (input.signal?.aborted) throw new AbortError();
      if (timedOut) throw this.timeout();
    } catch (err) {
      if (input.signal?.aborted) throw new AbortError();
      if (timedOut) throw this.timeout();
      throw this.classify(err);
    } finally {
      clearTimeout(timer);
      input.signal?.removeEventListener('abort', onAbort);
      source.dispose();
    }
    try {
      return { json: validateAnswer(req.schemaName, extractJson(text)), text, structured: false };
    } catch (err) {
      if (!(err instanceof ModelOutputError)) throw err;
      throw new ModelOutputError(
        err.problem,
        `Model ${this.id} gave an unusable ${req.schemaName} answer (${err.message}); it is skipped for this request — choose a stronger model with "Critic: Select Model" if this keeps happening.`,
        err.excerpt,
      );
    }
  }

  private timeout(): ModelError {
    return new ModelError('timeout', `VS Code language model ${this.id} did not answer within ${Math.round(this.opts.timeoutMs / 1000)} s; this request gets no model findings — raise critic.model.timeoutMs or choose a faster model.`);
  }

  private classify(err: unknown): unknown {
    if (err instanceof ModelError) return err;
    if (err instanceof this.api.LanguageModelError) {
      const detail = err.message ? ` (${err.message.split('\n')[0]})` : '';
      switch (err.code) {
        case 'NoPermissions':
          return new ModelError('auth', `Critic may not use VS Code language model ${this.id}${detail}; model findings are skipped — allow it when VS Code asks, or choose another with "Critic: Select Model".`, { cause: err });
        case 'Blocked':
          return new ModelError('rate-limited', `VS Code language model ${this.id} is blocked for Critic right now${detail}; model findings are skipped — try again later.`, { cause: err });
        case 'NotFound':
          return new ModelError('model-not-found', `VS Code language model ${this.id} is not available any more${detail}; model findings are skipped — choose another with "Critic: Select Model".`, { cause: err });
        default:
          return new ModelError('server', `VS Code language model ${this.id} failed${detail}; model findings are skipped — try again, or choose another model.`, { cause: err });
      }
    }
    return err;
  }
}

export function createLmModel(chat: vscode.LanguageModelChat, api: LmApi, opts: LmModelOptions): CriticModel {
  return new LmCriticModel(chat, api, opts);
}
