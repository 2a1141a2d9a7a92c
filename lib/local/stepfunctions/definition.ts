/** A state of an ASL definition, loosely typed: the engine only reads what it overrides. */
export interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  Seconds?: number;
  Retry?: Array<{ IntervalSeconds?: number }>;
  Branches?: AslDefinition[];
  Iterator?: AslDefinition;
  ItemProcessor?: AslDefinition;
  [key: string]: unknown;
}

/** An ASL definition. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [key: string]: unknown;
}

/**
 * Without `TimeoutSeconds`, aws-local-stepfunctions times Task states out after 60 s; AWS has no such default. The
 * engine gives such tasks this ceiling instead (just under Node's maximum timer, ~24 days).
 */
export const NO_TASK_TIMEOUT_SECONDS = 2_000_000;

/** Every state of a definition, nested ones (Parallel branches, Map processors) included, by name. */
export function allStates(definition: AslDefinition): Array<[string, AslState]> {
  const out: Array<[string, AslState]> = [];
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    out.push([name, state]);
    for (const branch of state.Branches ?? []) out.push(...allStates(branch));
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) out.push(...allStates(processor));
  }
  return out;
}

/** A deep copy in which Task states without a timeout get {@link NO_TASK_TIMEOUT_SECONDS}. */
export function prepareDefinition(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  for (const [, state] of allStates(copy)) {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
    }
  }
  return copy;
}

/** Parses a definition string; throws with a reason when it is not an ASL object. */
export function parseDefinition(text: string): AslDefinition {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('definition must be an object');
  const def = value as AslDefinition;
  if (typeof def.StartAt !== 'string') throw new Error('StartAt is required');
  if (typeof def.States !== 'object' || def.States === null) throw new Error('States is required');
  if (!(def.StartAt in def.States)) throw new Error(`StartAt '${def.StartAt}' is not a state`);
  return def;
}

/** Replaces every string equal to `from` with `to`, deeply. */
export function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}
