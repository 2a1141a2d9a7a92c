import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSteward, startLocal } from '../../../lib/local/runtime.ts';

/**
 * Express runs in local mode, through the REST API only: Step Functions sends no status events for them, so their
 * records end from the execution logs the status handler's subscription receives (as in AWS).
 */
describe('Express workflows in local mode', () => {
  let steward: LocalSteward;
  beforeAll(async () => {
    steward = await startLocal({ ports: { api: 0, aws: 0, dynamodb: 0 }, samples: false, log: () => undefined });
  }, 240_000);
  afterAll(async () => {
    await steward?.stop();
  }, 60_000);

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${steward.urls.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  /** Polls the record until it is terminal (the deadline only guards against a hang). */
  const ended = async (id: string): Promise<{ status: string; result?: unknown; error_details?: unknown }> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await api<{ status: string }>('GET', `/executions/${id}`);
      if (['completed', 'failed', 'cancelled'].includes(body.status) || Date.now() > deadline) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('ends a run completed, and a failing one failed, with its result and error', async () => {
    const create = async (name: string, steps: unknown[]): Promise<string> => {
      const created = await api<{ id: string; execution_type: string }>('POST', '/workflows', {
        name,
        execution_type: 'express',
        definition: { steps },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.execution_type).toBe('express');
      return created.body.id;
    };
    const ok = await create('Express Done', [{ name: 'done', step_type: 'succeed' }]);
    const bad = await create('Express Rejected', [
      { name: 'give_up', step_type: 'fail', error: 'Steward.Rejected', cause: 'rejected on purpose' },
    ]);

    const start = async (workflow_id: string): Promise<string> => {
      const answer = await api<{ execution_id: string }>('POST', '/executions', { workflow_id, context: { n: 1 } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body.execution_id;
    };
    const [a, b] = await Promise.all([start(ok), start(bad)]);

    expect((await ended(a!)).status).toBe('completed');
    const failed = await ended(b!);
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed.error_details)).toContain('Steward.Rejected');
  }, 150_000);
});
