import { describe, expect, it } from 'vitest';
import { allowedMethods, findRoute, matchPath, ROUTES } from '../../lib/core/api/routes/index.ts';
import { FUNCTIONS } from '../../lib/core/functions.ts';

describe('route table', () => {
  it('has unique operation ids and unique method+path pairs', () => {
    const ids = ROUTES.map((r) => r.operationId);
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('sends every route to a function of the catalog that is triggered by the API', () => {
    for (const route of ROUTES) {
      const fn = FUNCTIONS.find((f) => f.id === route.functionId);
      expect(fn, route.operationId).toBeDefined();
      expect(fn?.triggers).toContain('api');
    }
  });

  it("keeps every route of the seed's API", () => {
    const seed = [
      'POST /workflows',
      'GET /workflows',
      'GET /workflows/{workflow_id}',
      'PUT /workflows/{workflow_id}',
      'DELETE /workflows/{workflow_id}',
      'POST /workflows/{workflow_id}/versions',
      'GET /workflows/{workflow_id}/versions',
      'POST /workflows/{workflow_id}/validate',
      'POST /executions',
      'GET /executions',
      'GET /executions/{execution_id}',
      'PUT /executions/{execution_id}/cancel',
      'PUT /executions/{execution_id}/pause',
      'PUT /executions/{execution_id}/resume',
      'GET /executions/{execution_id}/state',
      'GET /executions/{execution_id}/history',
      'GET /steps',
      'GET /steps/{step_id}',
      'GET /workflows/{workflow_id}/steps',
      'GET /executions/{execution_id}/steps',
      'GET /executions/{execution_id}/steps/{step_id}/retries',
      'POST /executions/{execution_id}/steps/{step_id}/retry',
      'POST /events',
      'GET /events',
      'GET /events/{event_id}',
      'GET /correlations/{correlation_id}/events',
      'GET /services',
      'GET /services/{service_id}',
      'POST /services',
      'PUT /services/{service_id}',
      'DELETE /services/{service_id}',
      'GET /services/{service_id}/health',
      'GET /health/liveness',
      'GET /health/readiness',
      'GET /health/dependencies',
    ];
    const have = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(seed.filter((s) => !have.has(s))).toEqual([]);
  });

  it('leaves only the health routes without IAM authorization', () => {
    const open = ROUTES.filter((r) => r.auth === 'none').map((r) => r.path);
    expect(open.sort()).toEqual(['/health/dependencies', '/health/liveness', '/health/readiness']);
  });

  it.each([
    ['GET', '/services/status', 'listServiceStatus', {}],
    ['GET', '/services/abc', 'getService', { service_id: 'abc' }],
    [
      'POST',
      '/executions/e1/steps/task_preparation/retry',
      'retryStep',
      { execution_id: 'e1', step_id: 'task_preparation' },
    ],
    ['GET', '/correlations/c%2F1/events', 'listCorrelationEvents', { correlation_id: 'c/1' }],
  ])('finds %s %s', (method, path, operationId, params) => {
    const found = findRoute(method, path);
    expect(found?.route.operationId).toBe(operationId);
    expect(found?.params).toEqual(params);
  });

  it.each([
    ['GET', '/nothing'],
    ['DELETE', '/executions'],
    ['GET', '/executions/a/b/c/d/e'],
  ])('finds nothing for %s %s', (method, path) => {
    expect(findRoute(method, path)).toBeUndefined();
  });

  it('takes malformed percent-encoding as it is instead of throwing, as the handlers take API Gateway parameters', () => {
    expect(matchPath('/events/{event_id}', '/events/%E0%A4%A')).toEqual({ event_id: '%E0%A4%A' });
    expect(matchPath('/events/{event_id}', '/events/%')).toEqual({ event_id: '%' });
    expect(matchPath('/events/{event_id}', '/events/a%2Fb')).toEqual({ event_id: 'a/b' });
    expect(findRoute('PUT', '/events/%')).toBeUndefined();
    expect(allowedMethods(ROUTES, '/events/%')).toEqual(['GET']);
  });
});
