/**
 * The generated faces of the configuration definition (configDefinition.ts): the JSON schemas of
 * `.critic.json` and of the user config, and the `contributes.configuration` block and the
 * Restricted Mode list of package.json. `scripts/genConfig.mjs` writes them; a test checks the
 * committed files equal what these functions return.
 */
import { defaultConfig } from './config.js';
import { allSettings, configLeaves, configSections, configTopOrder, fieldAt, ruleIdPattern, ruleSettings, settingCategories, trustedProjectsField, type Field, type Kind, type Setting } from './configDefinition.js';

type Json = Record<string, unknown>;

function kindSchema(kind: Kind): Json {
  switch (kind.type) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
    case 'number':
      return { type: kind.type, minimum: kind.minimum, maximum: kind.maximum };
    case 'enum': {
      const types = [...new Set(kind.values.map((v) => typeof v))].sort();
      return { type: types.length === 1 ? types[0] : types, enum: [...kind.values] };
    }
    case 'strings':
      return { type: 'array', items: { type: 'string', minLength: 1, ...(kind.pattern ? { pattern: kind.pattern } : {}) } };
    case 'url':
      return { type: 'string', pattern: '^https?://' };
    case 'string':
      return { type: 'string', ...(kind.format ? { format: kind.format } : {}) };
    case 'rules':
      return { type: 'object', propertyNames: { pattern: ruleIdPattern }, additionalProperties: { type: 'string', enum: [...ruleSettings] } };
  }
}

/** The default of a `.critic.json` path, from `defaultConfig()` (undefined when it has none, like `model.baseUrl`). */
function defaultAt(path: string): unknown {
  let v: unknown = defaultConfig();
  for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function describe(text: string | undefined, note: string | undefined, project: boolean): Json {
  const parts = [text, project ? note : undefined].filter(Boolean);
  return parts.length ? { description: parts.join(' ') } : {};
}

function fieldSchema(field: Field, path: string, project: boolean): Json {
  const d = defaultAt(path);
  return { ...describe(field.description, field.projectNote, project), ...kindSchema(field.kind), ...(d === undefined ? {} : { default: d }) };
}

function fileSchema(project: boolean): Json {
  const properties: Json = { $schema: { type: 'string' } };
  if (!project) properties.trustedProjects = { ...describe(trustedProjectsField.description, undefined, false), ...kindSchema(trustedProjectsField.kind) };
  for (const name of configTopOrder) {
    const section = configSections[name];
    if (!section) {
      properties[name] = fieldSchema(configLeaves[name]!, name, project);
      continue;
    }
    properties[name] = {
      ...describe(section.description, section.projectNote, project),
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(section.fields).map(([k, f]) => [k, fieldSchema(f, `${name}.${k}`, project)])),
    };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://critic.dev/schemas/${project ? 'critic.schema.json' : 'critic-user.schema.json'}`,
    title: project ? 'Critic configuration (.critic.json)' : 'Critic user configuration ($XDG_CONFIG_HOME/critic/config.json, default ~/.config/critic/config.json)',
    type: 'object',
    // Editors flag unknown keys; Critic itself warns and skips them.
    additionalProperties: false,
    properties,
  };
}

/** media/critic.schema.json: a project's `.critic.json`. */
export function projectSchema(): Json {
  return fileSchema(true);
}

/** media/critic-user.schema.json: the user config, which alone may list trusted projects. */
export function userSchema(): Json {
  return fileSchema(false);
}

function settingSchema(s: Setting, order: number): Json {
  const kind = s.kind ?? fieldAt(s.field!).kind;
  const def = s.field ? defaultAt(s.field) : s.default;
  return {
    ...kindSchema(kind),
    default: def,
    ...(s.enumDescriptions ? { enumDescriptions: s.enumDescriptions } : {}),
    markdownDescription: s.markdownDescription,
    scope: s.scope,
    order,
  };
}

/** package.json `contributes.configuration`: one category per group, in order. */
export function contributedConfiguration(): Json[] {
  return settingCategories.map((c, i) => ({
    id: c.id,
    title: c.title,
    order: i + 1,
    properties: Object.fromEntries(c.settings.map((s, j) => [`critic.${s.key}`, settingSchema(s, j)])),
  }));
}

/** package.json `capabilities.untrustedWorkspaces.restrictedConfigurations`. */
export function restrictedConfigurations(): string[] {
  return allSettings.filter((s) => s.restricted).map((s) => `critic.${s.key}`);
}
