/** Resolves a simple JSONPath (`$`, `$.a.b`, `$.a[0]`, `$['a-b']`) against a value; undefined when absent. */
export function readPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$')) return undefined;
  const tokens = [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g)];
  let node: unknown = value;
  for (const t of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = t[1] ?? t[3] ?? Number(t[2]);
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** A rule target's input options, as PutTargets takes them. */
export interface TargetInput {
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
}

/**
 * What a target receives for `event`: the whole event, `Input` (constant JSON), `InputPath` (a part), or the
 * `InputTransformer` result. In a transformer template, `<var>` inside quotes gets the raw string; elsewhere the
 * JSON value. Reserved variables: `<aws.events.rule-name>`, `<aws.events.event>`, `<aws.events.event.json>`,
 * `<aws.events.rule-arn>`, `<aws.events.event.ingestion-time>`.
 */
export function targetPayload(
  target: TargetInput,
  event: Record<string, unknown>,
  rule: { name: string; arn: string },
): unknown {
  if (target.Input !== undefined) return JSON.parse(target.Input);
  if (target.InputPath !== undefined) return readPath(event, target.InputPath) ?? null;
  if (!target.InputTransformer) return event;
  const vars: Record<string, unknown> = {
    'aws.events.rule-name': rule.name,
    'aws.events.rule-arn': rule.arn,
    'aws.events.event': event,
    'aws.events.event.json': event,
    'aws.events.event.ingestion-time': event.time,
  };
  for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap ?? {}))
    vars[name] = readPath(event, path);
  const template = target.InputTransformer.InputTemplate;
  const text = template.replace(/("?)<([A-Za-z0-9_.-]+)>("?)/g, (whole, open: string, name: string, close: string) => {
    if (!(name in vars)) return whole;
    const value = vars[name];
    if (open && close) {
      // Inside quotes: strings go in raw (escaped for JSON), other values as their JSON text.
      return `"${typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value ?? null).replace(/"/g, '\\"')}"`;
    }
    return `${open}${value === undefined ? 'null' : typeof value === 'string' && !looksJson(template) ? value : JSON.stringify(value)}${close}`;
  });
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function looksJson(template: string): boolean {
  const t = template.trim();
  return t.startsWith('{') || t.startsWith('[');
}
