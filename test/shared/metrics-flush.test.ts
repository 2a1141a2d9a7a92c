import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaHandler } from '../../lambdas/shared/handler.ts';
import { metrics } from '../../lambdas/shared/powertools.ts';

/** Every handler flushes its metrics once per invocation, and says nothing when it recorded none. */
describe('metrics of an invocation', () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => vi.restoreAllMocks());

  const context = { functionName: 'steward-test', awsRequestId: 'req-1' } as Context;

  it('prints no line for an invocation that recorded no metric', async () => {
    await lambdaHandler(async () => 'ok')({}, context);
    expect(written.join('')).toBe('');
  });

  it('prints one EMF line with the recorded metrics, also when the handler throws', async () => {
    const ok = lambdaHandler(async () => metrics.addMetric('FlushedOk', MetricUnit.Count, 1));
    const failing = lambdaHandler(async () => {
      metrics.addMetric('FlushedOnError', MetricUnit.Count, 1);
      throw new Error('boom');
    });
    await ok({}, context);
    await expect(failing({}, context)).rejects.toThrow('boom');
    const emf = written.filter((l) => l.includes('"CloudWatchMetrics"'));
    expect(emf).toHaveLength(2);
    expect(emf[0]).toContain('FlushedOk');
    expect(emf[1]).toContain('FlushedOnError');
    // Nothing is carried into the next invocation.
    written.length = 0;
    await lambdaHandler(async () => 'ok')({}, context);
    expect(written.join('')).toBe('');
  });
});
