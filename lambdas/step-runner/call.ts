import { countsAgainstBreaker } from '../../lib/core/resilience/outcomes.ts';
import { joinUrl, resolveEndpoint, resolveValue, type TemplateScope } from '../../lib/core/resilience/templates.ts';
import type { ServiceRequest } from '../../lib/core/runtime-contract.ts';
import { callService, ServiceCallError, type ServiceResponse } from '../shared/service-client.ts';
import { enterBreaker, leaveBreaker } from './breaker.ts';
import { INVALID_REQUEST, StepError } from './errors.ts';
import { resolveService } from './services.ts';

/**
 * One call of a ServiceRequest: resolve the service, build the request from its templates, pass the breaker, send.
 * Used by service_call steps (with the breaker), notifications and compensations.
 */

/** What was sent and what came back (or why not), for the attempt record. */
export interface CallOutcome {
  request: { method: string; url: string; body?: unknown };
  response?: ServiceResponse;
  error?: StepError;
  durationMs: number;
}

/** Builds the concrete request; template problems become `Steward.InvalidRequest`. */
function build(req: ServiceRequest, baseUrl: string, scope: TemplateScope): CallOutcome['request'] {
  try {
    const url = joinUrl(baseUrl, resolveEndpoint(req.endpoint, scope));
    const body = req.body === undefined ? undefined : resolveValue(req.body, scope);
    return { method: req.method, url, ...(body === undefined ? {} : { body }) };
  } catch (error) {
    throw new StepError(INVALID_REQUEST, (error as Error).message, { cause: error });
  }
}

const asStepError = (error: unknown): StepError => {
  if (error instanceof StepError) return error;
  if (error instanceof ServiceCallError) return new StepError(error.name, error.message, { cause: error });
  throw error;
};

/**
 * Performs one call. Never throws for the service's own failures: they come back in `error` so the caller can record
 * the attempt before throwing. `bodyOverride` replaces the resolved body (notifications add the error).
 */
export async function performCall(
  req: ServiceRequest,
  scope: TemplateScope,
  options: { breaker: boolean; bodyOverride?: (resolved: unknown) => unknown },
): Promise<CallOutcome> {
  const started = performance.now();
  let request: CallOutcome['request'] = { method: req.method, url: `service:${req.service}${req.endpoint}` };
  try {
    const service = await resolveService(req.service);
    request = build(req, service.baseUrl, scope);
    if (options.bodyOverride) request = { ...request, body: options.bodyOverride(request.body) };
    const ticket = options.breaker ? await enterBreaker(service.id, Date.now) : undefined;
    try {
      const response = await callService({ ...request, method: req.method, timeoutMs: req.timeout_ms });
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
