/**
 * Templates in workflow documents.
 *
 * - `${context.a.b}`, `${steps.<name>.output.x}`, `${steps.<name>.status}`, `${item.x}`: values from the run's
 *   document (`$.context`, `$.steps`, `$.item`). Whole-value templates become JSONPath in the ASL; templates inside
 *   longer strings (request bodies, endpoints) are resolved by the step runner from `context` / `steps` / `item`.
 * - `${execution.id}`, `${execution.correlation_id}`, `${execution.started_at}`: the run itself (`$.execution`).
 * - `{task_id}` in an endpoint: filled by the step runner from the map item (inside a `map`), then the context, then
 *   step outputs.
 */

/** Fields of the run a template may read as `${execution.<field>}`. */
export const EXECUTION_FIELDS: readonly string[] = ['id', 'correlation_id', 'started_at'];

/** A parsed `${…}` reference. */
export type TemplateRef =
  | { kind: 'context'; path: string[] }
  | { kind: 'steps'; step: string; path: string[] }
  | { kind: 'item'; path: string[] }
  | { kind: 'execution'; path: string[] };

const TEMPLATE = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$|^[0-9]+$/;
const PLACEHOLDER = /(?<!\$)\{([^}]*)\}/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every `${…}` expression in a string, without the braces. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1] ?? '');
}

/** The expression of a string that is exactly one `${…}` template, else undefined. */
export function wholeTemplate(text: string): string | undefined {
  return WHOLE.exec(text)?.[1];
}

/** `{x}` placeholders of an endpoint (not `${…}` templates). */
export function endpointPlaceholders(endpoint: string): string[] {
  return [...endpoint.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Whether a placeholder name is a plain identifier (a context key or an output field). */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Parses a template expression (`context.task_id`, `steps.fetch.output.id`, `item.sku`); returns a sentence saying
 * what is wrong when it is not one of the accepted forms.
 */
export function parseTemplate(expression: string): TemplateRef | { error: string } {
  const parts = expression.trim().split('.');
  const bad = parts.find((p) => !SEGMENT.test(p));
  if (bad !== undefined) {
    return { error: `\`\${${expression}}\` is not a dotted path (segment "${bad}")` };
  }
  const [head, ...rest] = parts;
  if (head === 'context' && rest.length > 0) return { kind: 'context', path: rest };
  if (head === 'item') return { kind: 'item', path: rest };
  if (head === 'execution') {
    if (rest.length === 1 && EXECUTION_FIELDS.includes(rest[0]!)) return { kind: 'execution', path: rest };
    return {
      error: `\`\${${expression}}\` reads the run as \`\${execution.<field>}\` with <field> one of ${EXECUTION_FIELDS.join(', ')}`,
    };
  }
  if (head === 'steps') {
    const [step, field, ...path] = rest;
    if (step !== undefined && (field === 'output' || (field === 'status' && path.length === 0))) {
      return { kind: 'steps', step, path: [field, ...path] };
    }
    return {
      error: `\`\${${expression}}\` must read a step's result as \`\${steps.<name>.output…}\` or \`\${steps.<name>.status}\``,
    };
  }
  return {
    error: `\`\${${expression}}\` must start with \`context.\`, \`steps.<name>.output\`, \`item\` or \`execution.\``,
  };
}

/** The JSONPath of a parsed reference in the run's document (`$.context.task_id`). */
export function refToJsonPath(ref: TemplateRef): string {
  const tail = ref.path.map((p) => (/^[0-9]+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  if (ref.kind === 'steps') return `$.steps.${ref.step}${tail}`;
  return `$.${ref.kind}${tail}`;
}

/** The JSONPath of a whole-value template string, or undefined if it is not one (or not valid). */
export function templateToJsonPath(text: string): string | undefined {
  const expression = wholeTemplate(text);
  if (expression === undefined) return undefined;
  const ref = parseTemplate(expression);
  return 'error' in ref ? undefined : refToJsonPath(ref);
}

/** Every string inside a JSON value, with its path relative to the value (`.a[0].b`). */
export function stringsIn(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, `${path}.${k}`));
  }
  return [];
}

/** Every key of a JSON value ending in `.$` (Step Functions would read it as a path), with its location. */
export function dollarKeysIn(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => dollarKeysIn(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k.endsWith('.$') ? [`${path}.${k}`] : []),
      ...dollarKeysIn(v, `${path}.${k}`),
    ]);
  }
  return [];
}
