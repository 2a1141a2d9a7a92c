/**
 * Whole-document checks: step names, error handlers, triggers, concurrency, timeouts and the execution type.
 */
import { validatePattern } from '../events/pattern.ts';
import { parseScheduleExpression } from '../schedule.ts';
import type { Problem } from './errors.ts';
import { allSteps, stepNameProblems } from './names.ts';
import type { ErrorHandler, WorkflowDocument } from './schema.ts';
import { selfTriggerProblem } from './self-trigger.ts';
import type { ValidateOptions } from './validate.ts';
import { type CheckContext, checkList, checkRequest, LIMITS, retryPolicyProblems } from './validate-steps.ts';

/** Longest run of an Express workflow, in milliseconds. */
export const EXPRESS_MAX_MS = 300_000;

const HANDLED_TYPES = new Set(['service_call', 'event_wait', 'sub_workflow']);

/** Every semantic problem of a structurally valid document. */
export function checkDocument(doc: WorkflowDocument, options: ValidateOptions): Problem[] {
  const ctx: CheckContext = {
    problems: [],
    allNames: new Map(),
    fallbackNames: new Set(),
    visibleOf: new Map(),
    inMapOf: new Map(),
  };
  if (doc.name.trim() === '') ctx.problems.push({ path: 'name', message: 'the workflow needs a non-empty name' });
  const located = allSteps(doc);
  for (const l of located) {
    for (const message of stepNameProblems(l.step.name)) ctx.problems.push({ path: `${l.path}.name`, message });
    const first = ctx.allNames.get(l.step.name);
    if (first !== undefined) {
      ctx.problems.push({
        path: `${l.path}.name`,
        message: `step name "${l.step.name}" is already used by ${first}: step names must be unique in the workflow`,
      });
    } else ctx.allNames.set(l.step.name, l.path);
    if (l.fallbackFor !== undefined) ctx.fallbackNames.add(l.step.name);
  }
  checkList(doc.definition.steps, 'definition.steps', { visible: new Set(), inMap: false }, true, ctx);
  checkHandlers(doc, ctx);
  checkWorkflowLevel(doc, located, options, ctx);
  return ctx.problems;
}

function checkHandlers(doc: WorkflowDocument, ctx: CheckContext): void {
  const handlers = doc.definition.error_handlers ?? [];
  const byStep = new Map<string, number>();
  const located = new Map(allSteps(doc).map((l) => [l.step.name, l]));
  handlers.forEach((h, i) => {
    const path = `definition.error_handlers[${i}]`;
    const target = located.get(h.step);
    if (!target || target.fallbackFor !== undefined) {
      ctx.problems.push({
        path: `${path}.step`,
        message: `no step named "${h.step}": an error handler attaches to a step of definition.steps (nested steps included)`,
      });
    } else if (!HANDLED_TYPES.has(target.step.step_type)) {
      ctx.problems.push({
        path: `${path}.step`,
        message: `"${h.step}" is a ${target.step.step_type} step; error handlers apply to service_call, event_wait and sub_workflow steps`,
      });
    }
    const earlier = byStep.get(h.step);
    if (earlier !== undefined) {
      ctx.problems.push({
        path: `${path}.step`,
        message: `step "${h.step}" already has an error handler (definition.error_handlers[${earlier}]): one on_error per step`,
      });
    } else byStep.set(h.step, i);
    checkAction(h, path, target?.step.step_type, doc, ctx);
  });
}

function checkAction(
  h: ErrorHandler,
  path: string,
  stepType: string | undefined,
  doc: WorkflowDocument,
  ctx: CheckContext,
): void {
  const on = h.on_error;
  const scope = { visible: ctx.visibleOf.get(h.step), inMap: ctx.inMapOf.get(h.step) ?? false };
  const p = `${path}.on_error`;
  switch (on.action) {
    case 'retry':
      if (!Number.isInteger(on.max_retries) || on.max_retries < 1 || on.max_retries > LIMITS.maxAttempts) {
        ctx.problems.push({
          path: `${p}.max_retries`,
          message: `max_retries counts the slow retries after retry_policy gave up: use an integer from 1 to ${LIMITS.maxAttempts}, got ${on.max_retries}`,
        });
      }
      if (
        !Number.isInteger(on.backoff_seconds) ||
        on.backoff_seconds < 1 ||
        on.backoff_seconds > LIMITS.maxWaitSeconds
      ) {
        ctx.problems.push({
          path: `${p}.backoff_seconds`,
          message: `backoff_seconds must be an integer from 1 to ${LIMITS.maxWaitSeconds}, got ${on.backoff_seconds}`,
        });
      }
      if (doc.execution_type === 'express' && on.max_retries * on.backoff_seconds * 1000 >= EXPRESS_MAX_MS) {
        ctx.problems.push({
          path: p,
          message: `${on.max_retries} retries ${on.backoff_seconds} s apart outlast an Express run (5 minutes): use execution_type standard or shorter backoff`,
        });
      }
      return;
    case 'notify':
      checkRequest({ service: on.target, endpoint: on.endpoint, body: on.body }, p, scope, ctx, {
        serviceField: 'target',
      });
      return;
    case 'fallback': {
      const fb = on.step;
      if (fb.depends_on !== undefined || fb.sequence !== undefined) {
        ctx.problems.push({
          path: `${p}.step`,
          message: `a fallback step runs in place of "${h.step}": remove its depends_on and sequence`,
        });
      }
      if (fb.retry_policy) {
        for (const rp of retryPolicyProblems(fb.retry_policy)) {
          ctx.problems.push({ path: `${p}.step.retry_policy.${rp.field}`, message: rp.message });
        }
      }
      // The fallback's result lands at `$.steps.<handled step>`, so its compensation reads that step's output.
      if (fb.compensation) checkRequest(fb.compensation, `${p}.step.compensation`, scope, ctx, { self: h.step });
      checkRequest(fb, `${p}.step`, scope, ctx);
      if (stepType !== undefined && stepType !== 'service_call' && stepType !== 'sub_workflow') {
        ctx.problems.push({
          path: p,
          message: `fallback replaces a result; use it on service_call or sub_workflow steps, not ${stepType}`,
        });
      }
      return;
    }
    case 'compensate':
      if (!allSteps(doc).some((l) => l.step.compensation !== undefined)) {
        ctx.problems.push({
          path: p,
          message:
            'compensate undoes completed steps, but no step has a compensation: add "compensation" to the steps to undo',
        });
      }
      return;
    case 'continue':
      return;
  }
}

const EVENT_FIELD = /^(\$\.)?[A-Za-z_][\w-]*(\.[\w-]+)*$/;

function checkTriggers(doc: WorkflowDocument, options: ValidateOptions, ctx: CheckContext): void {
  (doc.triggers ?? []).forEach((t, i) => {
    const path = `triggers[${i}]`;
    if (t.type === 'schedule') {
      try {
        parseScheduleExpression(t.expression, t.timezone);
      } catch (e) {
        const message = (e as Error).message;
        const field = message.includes('IANA time zone') ? 'timezone' : 'expression';
        ctx.problems.push({ path: `${path}.${field}`, message });
      }
      return;
    }
    if (Object.keys(t.pattern).length === 0) {
      ctx.problems.push({
        path: `${path}.pattern`,
        message: 'an event pattern needs at least one field, e.g. {"detail-type": ["order.created"]}',
      });
    }
    const leaves = badPatternLeaves(t.pattern, `${path}.pattern`);
    for (const bad of leaves) {
      ctx.problems.push({ path: bad, message: 'EventBridge pattern values are arrays (["a", "b"]) or nested objects' });
    }
    // The rest of what EventBridge refuses (unknown operators, bad numeric ranges), before anything is created.
    const refused = leaves.length === 0 ? validatePattern(t.pattern) : undefined;
    if (refused) ctx.problems.push({ path: `${path}.pattern`, message: `not a valid EventBridge pattern: ${refused}` });
    // A pattern matching the events this workflow's own runs publish would start runs without end.
    const loop =
      leaves.length === 0 && !refused && Object.keys(t.pattern).length > 0
        ? selfTriggerProblem(t.pattern, doc, options.workflowId ? [options.workflowId] : [])
        : undefined;
    if (loop) ctx.problems.push({ path: `${path}.pattern`, message: loop });
    for (const [key, field] of Object.entries(t.context ?? {})) {
      if (!EVENT_FIELD.test(field)) {
        ctx.problems.push({
          path: `${path}.context.${key}`,
          message: `"${field}" must name a field of the event, like "detail.task_id"`,
        });
      }
    }
  });
}

function badPatternLeaves(value: Record<string, unknown>, path: string): string[] {
  return Object.entries(value).flatMap(([k, v]) => {
    if (Array.isArray(v)) return [];
    if (v !== null && typeof v === 'object') return badPatternLeaves(v as Record<string, unknown>, `${path}.${k}`);
    return [`${path}.${k}`];
  });
}

function checkWorkflowLevel(
  doc: WorkflowDocument,
  located: ReturnType<typeof allSteps>,
  options: ValidateOptions,
  ctx: CheckContext,
): void {
  const express = doc.execution_type === 'express';
  if (doc.timeout !== undefined) {
    const max = express ? EXPRESS_MAX_MS : LIMITS.maxWaitMs;
    if (!Number.isInteger(doc.timeout) || doc.timeout < 1000 || doc.timeout > max) {
      ctx.problems.push({
        path: 'timeout',
        message: `the run's timeout is in milliseconds: use an integer from 1000 to ${max}${express ? ' (Express runs last at most 5 minutes)' : ' (one year)'}, got ${doc.timeout}`,
      });
    }
  }
  for (const l of located) {
    const t = l.step.step_type;
    if (express && (t === 'event_wait' || t === 'sub_workflow')) {
      ctx.problems.push({
        path: l.path,
        message: `an Express workflow cannot wait for a callback, which a ${t} step needs: use execution_type standard`,
      });
    }
    if (t === 'sub_workflow') {
      if (l.step.workflow === doc.name) {
        ctx.problems.push({ path: `${l.path}.workflow`, message: 'a workflow cannot run itself as a sub-workflow' });
      } else if (options.knownWorkflows && !options.knownWorkflows.includes(l.step.workflow)) {
        ctx.problems.push({
          path: `${l.path}.workflow`,
          message: `no workflow named "${l.step.workflow}"; known: ${options.knownWorkflows.join(', ')}`,
        });
      }
    }
  }
  checkTriggers(doc, options, ctx);
  if (doc.concurrency && !(Number.isInteger(doc.concurrency.max_running) && doc.concurrency.max_running >= 1)) {
    ctx.problems.push({
      path: 'concurrency.max_running',
      message: `max_running must be a positive integer, got ${doc.concurrency.max_running}`,
    });
  }
}
