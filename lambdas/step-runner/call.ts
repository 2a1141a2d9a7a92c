import { randomBytes } from 'node:crypto';
import { type CallPurpose, standardHeaders } from '../../lib/core/resilience/call-headers.ts';
import { countsAgainstBreaker } from '../../lib/core/resilience/outcomes.ts';
import {
  joinUrl,
  resolveEndpoint,
  resolveHeaders,
  resolveValue,
  type TemplateScope,
} from '../../lib/core/resilience/templates.ts';
import type { ServiceRequest } from '../../lib/core/runtime-contract.ts';
import { callService, ServiceCallError, type ServiceResponse } from '../shared/service-client.ts';
import { enterBreaker, leaveBreaker } from './breaker.ts';
import { INVALID_REQUEST, StepError } from './errors.ts';
import { resolveService } from './services.ts';

/**
 * One call of a ServiceRequest: resolve the service, build the request from its templates, add Steward's standard
 * headers and the service's authentication, pass the breaker, send. Used by service_call steps (with the breaker),
 * notifications and compensations.
 */

/** What was sent and what came back (or why not), for the attempt record: the request before authentication. */
export interface CallOutcome {
  request: { method: string; url: string; headers?: Record<string, string>; body?: unknown };
  response?: ServiceResponse;
  error?: StepError;
  durationMs: number;
}

/** The run a call belongs to: its templates' scope and the facts its standard headers derive from. */
export interface CallRun {
  execution_id: string;
  correlation_id: string;
  started_at?: string;
  context: TemplateScope['context'];
  steps: TemplateScope['steps'];
  item?: unknown;
}

/** Options of {@link performCall}. */
export interface CallOptions {
  breaker: boolean;
  /** Which operation of which step this is: the Idempotency-Key derives from it. */
  purpose: CallPurpose;
  stepKey: string;
  /** Replaces the resolved body (notifications add the error). */
  bodyOverride?: (resolved: unknown) => unknown;
}

/** Builds the concrete request; template problems become `Steward.InvalidRequest`. */
function build(req: ServiceRequest, baseUrl: string, scope: TemplateScope): CallOutcome['request'] {
  try {
    const url = joinUrl(baseUrl, resolveEndpoint(req.endpoint, scope));
    const body = req.body === undefined ? undefined : resolveValue(req.body, scope);
    const headers = req.headers === undefined ? undefined : resolveHeaders(req.headers, scope);
    return { method: req.method, url, ...(headers ? { headers } : {}), ...(body === undefined ? {} : { body }) };
  } catch (error) {
    throw new StepError(INVALID_REQUEST, (error as Error).message, { cause: error });
  }
}

const asStepError = (error: unknown): StepError => {
  if (error instanceof StepError) return error;
  if (error instanceof ServiceCallError) return new StepError(error.name, error.message);
  throw error;
};

/**
 * Performs one call. Never throws for the service's own failures: they come back in `error` so the caller can record
 * the attempt before throwing.
 */
export async function performCall(req: ServiceRequest, run: CallRun, options: CallOptions): Promise<CallOutcome> {
  const started = performance.now();
  let request: CallOutcome['request'] = { method: req.method, url: `service:${req.service}${req.endpoint}` };
  const scope: TemplateScope = {
    context: run.context,
    steps: run.steps,
    ...(run.item === undefined ? {} : { item: run.item }),
    execution: {
      id: run.execution_id,
      correlation_id: run.correlation_id,
      ...(run.started_at === undefined ? {} : { started_at: run.started_at }),
    },
  };
  try {
    const service = await resolveService(req.service);
    request = build(req, service.baseUrl, scope);
    if (options.bodyOverride) request = { ...request, body: options.bodyOverride(request.body) };
    // A fresh span per attempt; the trace and the idempotency key are the run's and the step's.
    const identity = {
      executionId: run.execution_id,
      correlationId: run.correlation_id,
      stepKey: options.stepKey,
      purpose: options.purpose,
    };
    request = {
      ...request,
      headers: { ...request.headers, ...standardHeaders(identity, randomBytes(8).toString('hex')) },
    };
    const unsigned = { ...request, headers: request.headers ?? {} };
    // Secrets Manager, SSM and SigV4 load only for services that authenticate: most calls never pay for them.
    const wire = service.auth
      ? await (await import('./auth.ts')).authorize(service.name, unsigned, service.auth)
      : unsigned;
    const ticket = options.breaker ? await enterBreaker(service.id, Date.now) : undefined;
    try {
      const response = await callService({
        method: req.method,
        url: wire.url,
        displayUrl: request.url,
        headers: wire.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        timeoutMs: req.timeout_ms,
      });
      if (ticket) await leaveBreaker(ticket, false, Date.now);
      return { request, response, durationMs: performance.now() - started };
    } catch (error) {
      const failure = asStepError(error);
      if (ticket) await leaveBreaker(ticket, countsAgainstBreaker(failure.name), Date.now);
      const response = error instanceof ServiceCallError ? error.response : undefined;
      return { request, ...(response ? { response } : {}), error: failure, durationMs: performance.now() - started };
    }
  } catch (error) {
    return { request, error: asStepError(error), durationMs: performance.now() - started };
  }
}
