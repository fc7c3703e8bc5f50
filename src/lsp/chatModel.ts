/**
 * A CriticModel answered by the client through the `critic/chat` request, so the models an editor
 * already has (VS Code's `vscode.lm`) stay usable while the engine runs in the server. The prompt
 * is redacted before it leaves; the answer is validated like any other model's. Cancellation is a
 * `$/cancelRequest` to the client; a deadline bounds the wait.
 */
import { CancellationTokenSource, ResponseError, type Connection } from 'vscode-languageserver';
import { AbortError, throwIfAborted } from '../engine/abort.js';
import { ModelError, ModelOutputError } from '../engine/model/errors.js';
import { extractJson } from '../engine/model/jsonText.js';
import { jsonInstruction, redactRequest, type CriticModel, type ModelReply, type ModelRequest } from '../engine/model/provider.js';
import { validateAnswer } from '../engine/model/schemas.js';
import type { Logger } from '../engine/types.js';
import { chatRequest, type ChatParams, type ChatResult } from './protocol.js';

export interface ChatModelOptions {
  /** The model name passed to the client (empty: the client's default). */
  model: string;
  timeoutMs: number;
  log: Logger;
}

export function createChatModel(connection: Pick<Connection, 'sendRequest'>, opts: ChatModelOptions): CriticModel {
  const id = opts.model ? `client:${opts.model}` : 'client';
  return {
    id,
    async complete(input: ModelRequest): Promise<ModelReply> {
      throwIfAborted(input.signal);
      const req = redactRequest(input);
      if (req.redactedSecrets) opts.log.debug(`model ${id}: redacted ${req.redactedSecrets} secret(s) from the prompt`);
      const params: ChatParams = {
        model: opts.model,
        schemaName: req.schemaName,
        messages: [
          { role: 'system', content: `${req.system}\n\n${jsonInstruction(req.schema)}` },
          { role: 'user', content: req.user },
        ],
      };
      const source = new CancellationTokenSource();
      let timedOut = false;
      const onAbort = () => source.cancel();
      input.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        source.cancel();
      }, opts.timeoutMs);
      let text: string;
      try {
        const result = (await connection.sendRequest(chatRequest, params, source.token)) as ChatResult | null;
        if (input.signal?.aborted) throw new AbortError();
        if (timedOut) throw timeout(id, opts.timeoutMs);
        if (!result || typeof result.text !== 'string') throw new ModelOutputError('empty', `The editor answered critic/chat for ${id} without text; this request gets no model findings.`, '');
        text = result.text;
      } catch (err) {
        if (input.signal?.aborted) throw new AbortError();
        if (timedOut) throw timeout(id, opts.timeoutMs);
        if (err instanceof ModelError) throw err;
        const detail = err instanceof ResponseError ? `${err.message} (${err.code})` : (err as Error).message;
        throw new ModelError('server', `The editor's model ${id} failed: ${detail}; this request gets no model findings — check the model chosen in the editor.`, { cause: err });
      } finally {
        clearTimeout(timer);
        input.signal?.removeEventListener('abort', onAbort);
        source.dispose();
      }
      return { json: validateAnswer(req.schemaName, extractJson(text)), text, structured: false };
    },
  };
}

function timeout(id: string, ms: number): ModelError {
  return new ModelError('timeout', `The editor's model ${id} did not answer within ${Math.round(ms / 1000)} s; this request gets no model findings — raise critic.model.timeoutMs or choose a faster model.`);
}
