/**
 * Getting one JSON object out of a model's text answer, for servers that cannot constrain output to
 * a schema: reasoning blocks and Markdown fences are removed, then the first balanced `{...}` wins.
 */
import { ModelOutputError } from './errors.js';

/** Reasoning models served locally often prefix the answer with `<think>…</think>`. */
function withoutReasoning(text: string): string {
  const closed = text.replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, '');
  const dangling = closed.search(/<\/think(?:ing)?>/i);
  return dangling >= 0 ? closed.slice(dangling).replace(/^<\/think(?:ing)?>/i, '') : closed;
}

/** The first balanced `{...}` starting at or after `from`, respecting JSON strings, or undefined. */
function balancedObject(text: string, from: number): { json: string; start: number } | undefined {
  const start = text.indexOf('{', from);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { json: text.slice(start, i + 1), start };
  }
  return undefined;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * Parses the answer as JSON, or finds the JSON object in it (inside a ```json fence or after some
 * prose). Throws ModelOutputError('invalid-json' | 'empty') when there is none.
 */
export function extractJson(answer: string): unknown {
  const text = withoutReasoning(answer).trim();
  if (!text) throw new ModelOutputError('empty', 'the answer was empty');
  const direct = tryParse(text);
  if (direct.ok) return direct.value;
  const candidates: string[] = [];
  for (const m of text.matchAll(/```[\w-]*[ \t]*\r?\n([\s\S]*?)```/g)) candidates.push(m[1]!.trim());
  candidates.push(text);
  for (const candidate of candidates) {
    const whole = tryParse(candidate);
    if (whole.ok && typeof whole.value === 'object' && whole.value !== null) return whole.value;
    for (let found = balancedObject(candidate, 0); found; found = balancedObject(candidate, found.start + 1)) {
      const parsed = tryParse(found.json);
      if (parsed.ok) return parsed.value;
    }
  }
  throw new ModelOutputError('invalid-json', 'the answer is not valid JSON', text.slice(0, 200));
}
