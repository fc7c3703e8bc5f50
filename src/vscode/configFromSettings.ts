/**
 * The extension's settings are defined once in engine/configDefinition.ts (package.json's block is
 * generated from it) and resolved by the language server (lsp/settings.ts); the client only names
 * the model it picked.
 */

/** How a VS Code language model is named in `critic.model.name`: `vendor/id` (e.g. `copilot/gpt-4o`). */
export function lmModelId(chat: { vendor: string; id: string }): string {
  return `${chat.vendor}/${chat.id}`;
}
