/**
 * Resolution of the templates in service requests at run time (the step runner's side; the compiler validates the
 * same syntax in lib/core/workflow/templates.ts and turns whole-value templates into JSONPath).
 *
 * - Endpoints: `{name}` placeholders are filled from the map item (inside a `map`), then the context, then the
 *   outputs of earlier steps (in the order they appear in `steps`), URL-encoded. `${…}` templates in an endpoint are resolved as in bodies.
 * - Bodies: a string that is exactly `${context.x}` / `${steps.s.output.y}` / `${steps.s.status}` / `${item.z}` is
 *   replaced by the value (any JSON type); templates inside a longer string are replaced by their text.
 * An unresolvable reference is an error naming it: sending a request with a hole in it would do the wrong thing
 * to the service.
 */

/** What templates read: the run's `$.context`, `$.steps`, `$.execution` and, inside a map, `$.item`. */
export interface TemplateScope {
  context: Record<string, unknown>;
  steps: Record<string, { status?: string; output?: unknown }>;
  item?: unknown;
  /** `${execution.id}`, `${execution.correlation_id}`, `${execution.started_at}`. */
  execution?: { id: string; correlation_id: string; started_at?: string };
}

/** A reference that could not be resolved; the step runner reports it as `Steward.InvalidRequest`. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const TEMPLATE = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;
const PLACEHOLDER = /(?<!\$)\{([^}]*)\}/g;

function walk(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Reads one `${…}` expression; undefined when the path leads nowhere. */
export function readExpression(expression: string, scope: TemplateScope): unknown {
  const [head, ...rest] = expression.trim().split('.');
  if (head === 'context') return walk(scope.context, rest);
  if (head === 'item') return walk(scope.item, rest);
  if (head === 'execution') return rest.length === 1 ? walk(scope.execution, rest) : undefined;
  if (head === 'steps' && rest.length >= 2) return walk(scope.steps[rest[0]!], rest.slice(1));
  throw new TemplateError(`\`\${${expression}}\` must start with context., steps.<name>., item or execution.`);
}

function required(expression: string, scope: TemplateScope): unknown {
  const value = readExpression(expression, scope);
  if (value === undefined) throw new TemplateError(`\`\${${expression}}\` has no value in this run`);
  return value;
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Resolves `${…}` templates in a string: a whole-string template keeps the value's type. */
export function resolveString(text: string, scope: TemplateScope): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return required(whole[1] ?? '', scope);
  return text.replace(TEMPLATE, (_, expression: string) => asText(required(expression, scope)));
}

/** Resolves every string in a JSON value (request bodies). */
export function resolveValue(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, scope)]));
  }
  return value;
}

/** Resolves header templates; every value becomes text (a whole-value template of an object becomes its JSON). */
export function resolveHeaders(headers: Record<string, string>, scope: TemplateScope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = asText(resolveString(value, scope));
    if (/[\r\n\0]/.test(text)) throw new TemplateError(`header ${name} would contain a line break or NUL`);
    out[name] = text;
  }
  return out;
}

/**
 * The value of an endpoint placeholder: inside a `map` the item first (it is what the iteration is about: `{sku}` of
 * each line, not a `sku` the run's context happens to hold), then the context, then earlier step outputs.
 */
export function placeholderValue(name: string, scope: TemplateScope): unknown {
  if (scope.item !== null && typeof scope.item === 'object' && Object.hasOwn(scope.item, name)) {
    const v = (scope.item as Record<string, unknown>)[name];
    if (v !== undefined) return v;
  }
  if (Object.hasOwn(scope.context, name) && scope.context[name] !== undefined) return scope.context[name];
  for (const result of Object.values(scope.steps)) {
    const output = result?.output;
    if (output !== null && typeof output === 'object' && Object.hasOwn(output, name)) {
      const v = (output as Record<string, unknown>)[name];
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

/** Fills an endpoint template: `${…}` templates, then `{name}` placeholders, each URL-encoded. */
export function resolveEndpoint(endpoint: string, scope: TemplateScope): string {
  const withTemplates = endpoint.replace(TEMPLATE, (_, expression: string) =>
    encodeURIComponent(asText(required(expression, scope))),
  );
  return withTemplates.replace(PLACEHOLDER, (_, name: string) => {
    const value = placeholderValue(name, scope);
    if (value === undefined || value === null) {
      throw new TemplateError(
        `endpoint placeholder {${name}} is in neither the map item, the context nor an earlier step's output`,
      );
    }
    return encodeURIComponent(asText(value));
  });
}

/** Joins a service's base URL and a resolved endpoint path without doubling or dropping the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) throw new TemplateError('an endpoint must be a path on the service, not a URL');
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
