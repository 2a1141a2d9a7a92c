/**
 * Checks of step lists and steps: edges, templates, per-type fields, retry values, placement of succeed/fail.
 */
import { durationSeconds, MAX_ACCEPT_EVENTS_SINCE_SECONDS } from './durations.ts';
import type { Problem } from './errors.ts';
import { nestedLists } from './names.ts';
import type { Condition, RetryPolicy, ServiceRequestSpec, WorkflowStep } from './schema.ts';
import {
  dollarKeysIn,
  endpointPlaceholders,
  isIdentifier,
  parseTemplate,
  stringsIn,
  templateExpressions,
  wholeTemplate,
} from './templates.ts';
import { checkListGraph } from './validate-graph.ts';

/** Limits shared by the validator and documented in docs/compiler.md. */
export const LIMITS = {
  maxAttempts: 100,
  maxBackoffBase: 10,
  maxBackoffMultiplierMs: 86_400_000,
  minMaxDelayMs: 1_000,
  maxMaxDelayMs: 31_622_400_000,
  /** A service call runs inside one Lambda invocation (15 min): leave a minute for the runner's own work. */
  maxServiceCallTimeoutMs: 840_000,
  /** Step Functions' longest Standard execution: one year. */
  maxWaitMs: 31_536_000_000,
  maxWaitSeconds: 31_536_000,
} as const;

/** Shared state of one validation run. */
export interface CheckContext {
  problems: Problem[];
  /** Every step name (fallback steps included) → its path. */
  allNames: Map<string, string>;
  /** Names of fallback steps (their results are recorded under the step they replace). */
  fallbackNames: Set<string>;
  /** Step name → names whose results it may read (ancestors and, for nested lists, the enclosing ones). */
  visibleOf: Map<string, Set<string> | undefined>;
  /** Step name → whether it runs inside a map. */
  inMapOf: Map<string, boolean>;
}

/** What a template at some place may read. */
export interface TemplateScope {
  /** Steps whose results are guaranteed present; undefined when unknown (cyclic list): not checked. */
  visible: Set<string> | undefined;
  inMap: boolean;
}

/** Problems of a retry policy, as (field, message) pairs; exported for table tests. */
export function retryPolicyProblems(rp: RetryPolicy): Array<{ field: keyof RetryPolicy; message: string }> {
  const out: Array<{ field: keyof RetryPolicy; message: string }> = [];
  if (!Number.isInteger(rp.max_attempts) || rp.max_attempts < 1 || rp.max_attempts > LIMITS.maxAttempts) {
    out.push({
      field: 'max_attempts',
      message: `max_attempts counts every attempt, the first included: use an integer from 1 to ${LIMITS.maxAttempts}, got ${rp.max_attempts}`,
    });
  }
  if (!(rp.backoff_base >= 1 && rp.backoff_base <= LIMITS.maxBackoffBase)) {
    out.push({
      field: 'backoff_base',
      message: `backoff_base multiplies each delay (Step Functions BackoffRate): use a number from 1 to ${LIMITS.maxBackoffBase}, got ${rp.backoff_base}`,
    });
  }
  if (!(rp.backoff_multiplier > 0 && rp.backoff_multiplier <= LIMITS.maxBackoffMultiplierMs)) {
    out.push({
      field: 'backoff_multiplier',
      message: `backoff_multiplier is the first delay in milliseconds: use a number above 0 and at most ${LIMITS.maxBackoffMultiplierMs}, got ${rp.backoff_multiplier}`,
    });
  }
  if (rp.max_delay_ms !== undefined) {
    if (!(rp.max_delay_ms >= LIMITS.minMaxDelayMs && rp.max_delay_ms <= LIMITS.maxMaxDelayMs)) {
      out.push({
        field: 'max_delay_ms',
        message: `max_delay_ms caps each delay: use ${LIMITS.minMaxDelayMs} to ${LIMITS.maxMaxDelayMs} milliseconds, got ${rp.max_delay_ms}`,
      });
    } else if (rp.max_delay_ms < rp.backoff_multiplier) {
      out.push({
        field: 'max_delay_ms',
        message: `max_delay_ms (${rp.max_delay_ms}) is below the first delay backoff_multiplier (${rp.backoff_multiplier}): raise the cap or lower the first delay`,
      });
    }
  }
  return out;
}

/** Checks every `${…}` template of a string. `self` may be read too (compensations read their own step). */
export function checkTemplateText(
  text: string,
  path: string,
  scope: TemplateScope,
  ctx: CheckContext,
  self?: string,
): void {
  if (text.split('${').length - 1 !== templateExpressions(text).length) {
    ctx.problems.push({ path, message: 'a `$' + '{` is not closed by `}`: write templates as `$' + '{context.name}`' });
  }
  for (const expression of templateExpressions(text)) {
    const ref = parseTemplate(expression);
    if ('error' in ref) {
      ctx.problems.push({ path, message: ref.error });
      continue;
    }
    if (ref.kind === 'item' && !scope.inMap) {
      ctx.problems.push({
        path,
        message: `\`\${${expression}}\` reads the current item, which exists only inside a map's steps`,
      });
    }
    if (ref.kind !== 'steps') continue;
    if (!ctx.allNames.has(ref.step)) {
      ctx.problems.push({ path, message: `\`\${${expression}}\` names no step: there is no step "${ref.step}"` });
    } else if (ctx.fallbackNames.has(ref.step)) {
      ctx.problems.push({
        path,
        message: `\`\${${expression}}\` reads a fallback step: its result is recorded under the step it replaces`,
      });
    } else if (scope.visible && !scope.visible.has(ref.step) && ref.step !== self) {
      ctx.problems.push({
        path,
        message: scope.inMap
          ? `\`\${${expression}}\`: inside a map only \`item.*\`, \`context.*\` and earlier steps of the same map can be read`
          : `\`\${${expression}}\` reads "${ref.step}", which is not guaranteed to have finished before this step: add it to depends_on (directly or through a dependency)`,
      });
    }
  }
}

/** Checks every string inside a JSON value as template text. */
function checkValueTemplates(
  value: unknown,
  path: string,
  scope: TemplateScope,
  ctx: CheckContext,
  self?: string,
): void {
  for (const s of stringsIn(value)) checkTemplateText(s.text, `${path}${s.path}`, scope, ctx, self);
}

/** Checks values that the ASL resolves: literals, or strings that are exactly one template. */
function checkWholeValues(
  record: Record<string, unknown>,
  path: string,
  scope: TemplateScope,
  ctx: CheckContext,
): void {
  for (const [key, value] of Object.entries(record)) {
    const p = `${path}.${key}`;
    if (key.endsWith('.$') || key.length === 0) {
      ctx.problems.push({ path: p, message: `key "${key}" is not allowed: use a plain, non-empty name` });
    }
    for (const s of stringsIn(value)) {
      if (s.text.includes('${') && wholeTemplate(s.text) === undefined) {
        ctx.problems.push({
          path: `${p}${s.path}`,
          message:
            'a template here must be the whole value, like "$' + '{context.task_id}"; text around it is not resolved',
        });
      } else if (s.text.includes('${') && s.path !== '') {
        ctx.problems.push({ path: `${p}${s.path}`, message: 'templates are resolved only as top-level values here' });
      } else checkTemplateText(s.text, `${p}${s.path}`, scope, ctx);
    }
  }
}

/** Checks a request to a service (a step's own call, a compensation, a notify target). */
export function checkRequest(
  req: Partial<ServiceRequestSpec>,
  path: string,
  scope: TemplateScope,
  ctx: CheckContext,
  options: { serviceField?: string; self?: string } = {},
): void {
  const serviceField = options.serviceField ?? 'service';
  if (!req.service) {
    ctx.problems.push({ path: `${path}.${serviceField}`, message: 'name the registered service to call' });
  }
  const endpoint = req.endpoint ?? '';
  if (!endpoint.startsWith('/')) {
    ctx.problems.push({
      path: `${path}.endpoint`,
      message: `endpoint must be a path starting with "/", got "${endpoint}"`,
    });
  }
  for (const name of endpointPlaceholders(endpoint)) {
    if (!isIdentifier(name)) {
      ctx.problems.push({
        path: `${path}.endpoint`,
        message: `placeholder {${name}} must name a context key or an output field (letters, digits, "_")`,
      });
    }
  }
  checkTemplateText(endpoint, `${path}.endpoint`, scope, ctx, options.self);
  if (req.headers !== undefined) checkHeaders(req.headers, `${path}.headers`, scope, ctx, options.self);
  if (req.body !== undefined) {
    checkValueTemplates(req.body, `${path}.body`, scope, ctx, options.self);
    for (const key of dollarKeysIn(req.body)) {
      ctx.problems.push({
        path: `${path}.body${key}`,
        message: 'body keys must not end in ".$" (Step Functions would read the value as a path)',
      });
    }
  }
  if (req.timeout !== undefined) checkCallTimeout(req.timeout, `${path}.timeout`, ctx);
}

/** Header names Steward sets itself on every call; `Authorization` comes from the service's `auth` only. */
export const RESERVED_HEADERS: readonly string[] = [
  'idempotency-key',
  'x-correlation-id',
  'traceparent',
  'tracestate',
  'authorization',
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
];
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

function checkHeaders(
  headers: Record<string, string>,
  path: string,
  scope: TemplateScope,
  ctx: CheckContext,
  self?: string,
): void {
  for (const [name, value] of Object.entries(headers)) {
    const p = `${path}.${name}`;
    if (!HEADER_NAME.test(name)) {
      ctx.problems.push({
        path: p,
        message: "a header name is a token of letters, digits and !#$%&'*+.^_`|~- (1-128)",
      });
    } else if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      ctx.problems.push({
        path: p,
        message:
          name.toLowerCase() === 'authorization'
            ? "Authorization comes from the service's registered auth (a secret by reference), never from the workflow"
            : `${name} is set by Steward on every call and cannot be overridden`,
      });
    }
    if (/[\r\n\0]/.test(value)) {
      ctx.problems.push({ path: p, message: 'a header value must not contain line breaks or NUL' });
    }
    checkTemplateText(value, p, scope, ctx, self);
  }
}

function checkCallTimeout(timeout: number, path: string, ctx: CheckContext): void {
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > LIMITS.maxServiceCallTimeoutMs) {
    ctx.problems.push({
      path,
      message: `a service call timeout is in milliseconds: use an integer from 1 to ${LIMITS.maxServiceCallTimeoutMs} (one Lambda run, with a minute to spare), got ${timeout}`,
    });
  }
}

const RETRYABLE_TYPES = new Set(['service_call', 'event_wait', 'sub_workflow']);

/** Checks one list and, recursively, the lists nested in its steps. */
export function checkList(
  steps: WorkflowStep[],
  listPath: string,
  outer: TemplateScope,
  mainChain: boolean,
  ctx: CheckContext,
): void {
  const own = new Set(steps.map((s) => s.name));
  const elsewhere = new Map([...ctx.allNames].filter(([n]) => !own.has(n)));
  const graph = checkListGraph(steps, listPath, elsewhere);
  ctx.problems.push(...graph.problems);
  steps.forEach((step, i) => {
    const path = `${listPath}[${i}]`;
    const ancestors = graph.ancestors?.get(step.name);
    const visible = ancestors && outer.visible ? new Set([...outer.visible, ...ancestors]) : undefined;
    const scope: TemplateScope = { visible, inMap: outer.inMap };
    ctx.visibleOf.set(step.name, visible);
    ctx.inMapOf.set(step.name, outer.inMap);
    checkStep(step, path, scope, ctx);
    const comparable = graph.ancestors
      ? steps.every(
          (o) =>
            o === step || graph.ancestors!.get(step.name)?.has(o.name) || graph.ancestors!.get(o.name)?.has(step.name),
        )
      : false;
    if (graph.ancestors) checkTerminal(step, path, steps, graph.ancestors, mainChain, ctx);
    for (const nested of nestedLists(step, path)) {
      const inMap = step.step_type === 'map';
      const nestedScope: TemplateScope = inMap ? { visible: new Set(), inMap: true } : scope;
      checkList(nested.steps, nested.path, nestedScope, !inMap && mainChain && comparable, ctx);
    }
  });
}

function checkTerminal(
  step: WorkflowStep,
  path: string,
  steps: WorkflowStep[],
  ancestors: Map<string, Set<string>>,
  mainChain: boolean,
  ctx: CheckContext,
): void {
  if (step.step_type !== 'succeed' && step.step_type !== 'fail') return;
  const successors = steps.filter((o) => ancestors.get(o.name)?.has(step.name)).map((o) => o.name);
  if (successors.length > 0) {
    ctx.problems.push({
      path,
      message: `nothing can run after a ${step.step_type} step, but ${successors.join(', ')} would: make ${step.step_type} the last step`,
    });
  }
  if (step.step_type === 'succeed') {
    const beside = steps.filter((o) => o !== step && !ancestors.get(step.name)?.has(o.name)).map((o) => o.name);
    if (!mainChain || beside.length > 0) {
      ctx.problems.push({
        path,
        message:
          'succeed ends the whole run, so it must come after every other step of its list and not run inside a map or beside parallel steps' +
          (beside.length > 0 ? ` (it does not wait for ${beside.join(', ')})` : ''),
      });
    }
  }
}

function checkStep(step: WorkflowStep, path: string, scope: TemplateScope, ctx: CheckContext): void {
  if (step.retry_policy) {
    if (!RETRYABLE_TYPES.has(step.step_type)) {
      ctx.problems.push({
        path: `${path}.retry_policy`,
        message: `retry_policy has no effect on a ${step.step_type} step: remove it`,
      });
    }
    for (const p of retryPolicyProblems(step.retry_policy)) {
      ctx.problems.push({ path: `${path}.retry_policy.${p.field}`, message: p.message });
    }
  }
  if (step.timeout !== undefined) {
    if (step.step_type === 'service_call') checkCallTimeout(step.timeout, `${path}.timeout`, ctx);
    else if (step.step_type === 'event_wait' || step.step_type === 'sub_workflow') {
      if (!Number.isInteger(step.timeout) || step.timeout < 1000 || step.timeout > LIMITS.maxWaitMs) {
        ctx.problems.push({
          path: `${path}.timeout`,
          message: `timeout is in milliseconds: use an integer from 1000 to ${LIMITS.maxWaitMs} (one year), got ${step.timeout}`,
        });
      }
    } else {
      ctx.problems.push({
        path: `${path}.timeout`,
        message: `timeout has no effect on a ${step.step_type} step: remove it`,
      });
    }
  }
  if (step.compensation) {
    if (step.step_type !== 'service_call') {
      ctx.problems.push({ path: `${path}.compensation`, message: 'only service_call steps can have a compensation' });
    }
    checkRequest(step.compensation, `${path}.compensation`, scope, ctx, { self: step.name });
  }
  checkStepType(step, path, scope, ctx);
}

function checkStepType(step: WorkflowStep, path: string, scope: TemplateScope, ctx: CheckContext): void {
  switch (step.step_type) {
    case 'service_call':
      checkRequest(step, path, scope, ctx);
      return;
    case 'event_wait':
      if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(step.event_type)) {
        ctx.problems.push({
          path: `${path}.event_type`,
          message: `event_type must be a dotted name like "agent.task_completed", got "${step.event_type}"`,
        });
      }
      if (step.event_filter) checkWholeValues(step.event_filter, `${path}.event_filter`, scope, ctx);
      if (step.accept_events_since !== undefined) {
        const seconds = durationSeconds(step.accept_events_since);
        if (seconds === undefined || seconds < 1 || seconds > MAX_ACCEPT_EVENTS_SINCE_SECONDS) {
          ctx.problems.push({
            path: `${path}.accept_events_since`,
            message: `a duration like "30s", "15m", "2h" or "1d", from 1 s to 30 days, got "${step.accept_events_since}"`,
          });
        }
      }
      return;
    case 'choice':
      step.choices.forEach((c, j) => {
        checkCondition(c.condition, `${path}.choices[${j}].condition`, scope, ctx);
      });
      return;
    case 'wait':
      if ((step.seconds === undefined) === (step.until === undefined)) {
        ctx.problems.push({ path, message: 'a wait step needs exactly one of "seconds" or "until"' });
      }
      if (
        step.seconds !== undefined &&
        !(Number.isInteger(step.seconds) && step.seconds >= 0 && step.seconds <= LIMITS.maxWaitSeconds)
      ) {
        ctx.problems.push({
          path: `${path}.seconds`,
          message: `seconds must be an integer from 0 to ${LIMITS.maxWaitSeconds}, got ${step.seconds}`,
        });
      }
      if (step.until !== undefined) checkWholePath(step.until, `${path}.until`, scope, ctx, 'a timestamp');
      return;
    case 'map':
      checkWholePath(step.items, `${path}.items`, scope, ctx, 'a list');
      if (
        step.max_concurrency !== undefined &&
        !(Number.isInteger(step.max_concurrency) && step.max_concurrency >= 0 && step.max_concurrency <= 10_000)
      ) {
        ctx.problems.push({
          path: `${path}.max_concurrency`,
          message: `max_concurrency must be an integer from 0 (no limit) to 10000, got ${step.max_concurrency}`,
        });
      }
      return;
    case 'sub_workflow':
      if (!step.workflow) ctx.problems.push({ path: `${path}.workflow`, message: 'name the workflow to run' });
      if (step.input) checkWholeValues(step.input, `${path}.input`, scope, ctx);
      return;
    case 'succeed':
      return;
    case 'fail':
      if (step.error !== undefined && !/^[A-Za-z0-9_.-]{1,256}$/.test(step.error)) {
        ctx.problems.push({
          path: `${path}.error`,
          message: 'error must be a short name like "Order.Rejected" (letters, digits, ".", "_", "-")',
        });
      }
      return;
  }
}

function checkWholePath(text: string, path: string, scope: TemplateScope, ctx: CheckContext, what: string): void {
  const expression = wholeTemplate(text);
  if (expression === undefined) {
    ctx.problems.push({ path, message: `must be one template naming ${what}, like "\${context.orders}"` });
    return;
  }
  checkTemplateText(text, path, scope, ctx);
}

function checkCondition(cond: Condition, path: string, scope: TemplateScope, ctx: CheckContext): void {
  if ('and' in cond) {
    cond.and.forEach((c, i) => {
      checkCondition(c, `${path}.and[${i}]`, scope, ctx);
    });
  } else if ('or' in cond) {
    cond.or.forEach((c, i) => {
      checkCondition(c, `${path}.or[${i}]`, scope, ctx);
    });
  } else if ('not' in cond) checkCondition(cond.not, `${path}.not`, scope, ctx);
  else {
    const text = cond.variable.startsWith('${') ? cond.variable : `\${${cond.variable}}`;
    checkWholePath(text, `${path}.variable`, scope, ctx, 'a value');
  }
}
