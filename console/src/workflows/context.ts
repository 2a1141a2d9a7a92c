/**
 * The context a workflow reads, for the start form: the document format declares no inputs, so the fields are the
 * context keys the definition refers to — `${context.<key>…}` templates anywhere and `{placeholder}`s in endpoints
 * (which the step runner fills from a map item, then the context, then step outputs).
 */

/** A context field the start form offers. */
export interface ContextField {
  key: string;
  /** Where the definition uses it, e.g. `steps[0].endpoint`, for the field's hint. */
  usedIn: string[];
  /** Only an endpoint placeholder names it (it may come from a map item or a step output instead). */
  placeholderOnly: boolean;
}

const TEMPLATE = /\$\{context\.([A-Za-z_][A-Za-z0-9_-]*)/g;
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The context keys a definition reads, in order of first use. */
export function contextFields(definition: unknown): ContextField[] {
  const fields = new Map<string, ContextField>();
  const add = (key: string, where: string, placeholder: boolean): void => {
    const f = fields.get(key);
    if (!f) fields.set(key, { key, usedIn: [where], placeholderOnly: placeholder });
    else {
      if (!f.usedIn.includes(where)) f.usedIn.push(where);
      if (!placeholder) f.placeholderOnly = false;
    }
  };
  const walk = (value: unknown, path: string, key: string | undefined): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(TEMPLATE)) add(m[1]!, path, false);
      if (key === 'endpoint') for (const m of value.matchAll(PLACEHOLDER)) add(m[1]!, path, true);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, `${path}[${i}]`, undefined);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, k);
    }
  };
  walk(definition, '', undefined);
  return [...fields.values()];
}

/**
 * The context to start with: the JSON object typed in the editor, with each non-empty form field set on top (a
 * value that parses as JSON — a number, true, an object — is taken as that, anything else as a string). Throws a
 * SyntaxError naming the problem when the JSON is not an object.
 */
export function buildContext(json: string, fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const base: unknown = json.trim() === '' ? {} : JSON.parse(json);
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new SyntaxError('the context must be a JSON object, e.g. {"task_id": "t-1"}');
  }
  const out = { ...(base as Record<string, unknown>) };
  for (const [key, raw] of Object.entries(fields)) {
    if (raw.trim() === '') continue;
    out[key] = parseLoose(raw);
  }
  return out;
}

function parseLoose(raw: string): unknown {
  const text = raw.trim();
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|\{.*\}|\[.*\])$/s.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return raw;
    }
  }
  return raw;
}

/** A stored workflow as a document to edit and validate again: the API's view without the step ids it added. */
export function documentOf(view: {
  name: string;
  description?: string | undefined;
  version: string;
  definition: unknown;
  triggers?: unknown;
  concurrency?: unknown;
  timeout?: unknown;
  execution_type?: string;
}): Record<string, unknown> {
  // The API adds `id` to every step (objects with a `step_type`); the document format has no such field.
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    const isStep = 'step_type' in value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!(isStep && k === 'id')) out[k] = strip(v);
    return out;
  };
  return {
    name: view.name,
    ...(view.description !== undefined ? { description: view.description } : {}),
    version: view.version,
    ...(view.execution_type === 'express' ? { execution_type: 'express' } : {}),
    ...(view.timeout !== undefined ? { timeout: view.timeout } : {}),
    ...(view.concurrency !== undefined ? { concurrency: view.concurrency } : {}),
    ...(view.triggers !== undefined ? { triggers: view.triggers } : {}),
    definition: strip(view.definition),
  };
}
