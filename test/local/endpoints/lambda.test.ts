import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { eventually, fixtureFunction, sdkConfig } from './helpers.ts';

describe('local Lambda', () => {
  const logs: Array<[string, string]> = [];
  const failures: Array<{ name: string; payload: unknown; errorType: string }> = [];
  let runner: LambdaRunner;
  let endpoint: AwsEndpoint;
  let client: LambdaClient;

  beforeAll(async () => {
    runner = new LambdaRunner({
      functions: [
        fixtureFunction('echo', 'echo', { GREETING: 'hello' }),
        fixtureFunction('other', 'echo', { GREETING: 'other' }),
        fixtureFunction('slow', 'echo', {}, 1),
        fixtureFunction('counter', 'counter'),
        fixtureFunction('broken', 'does-not-exist'),
      ],
      onLog: (name, line) => logs.push([name, line]),
      onAsyncFailure: (name, payload, error) => failures.push({ name, payload, errorType: error.errorType }),
      asyncRetryDelaysMs: [10, 10],
      maxConcurrency: 4,
    });
    endpoint = await startAwsEndpoint({ port: 0, services: { lambda: runner } });
    client = new LambdaClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
    await runner.close();
  });

  const invoke = async (name: string, payload: unknown, type: 'Event' | 'RequestResponse' = 'RequestResponse') => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(payload), InvocationType: type }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    return { out, body: text ? JSON.parse(text) : undefined };
  };

  it('invokes a TypeScript handler with its own environment and a Lambda context', async () => {
    const { out, body } = await invoke('echo', { a: 1 });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(body).toMatchObject({ echo: { a: 1 }, greeting: 'hello', functionName: 'echo', remainingPositive: true });
    const other = await invoke('arn:aws:lambda:us-east-1:000000000000:function:other', {});
    expect(other.body.greeting).toBe('other');
  });

  it('returns a function error in Lambda shape with the error name as errorType', async () => {
    const { out, body } = await invoke('echo', { fail: { name: 'Steward.Paused', message: 'run is paused' } });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(body).toMatchObject({ errorType: 'Steward.Paused', errorMessage: 'run is paused' });
    expect(Array.isArray(body.trace)).toBe(true);
  });

  it('raises ResourceNotFoundException for an unknown function', async () => {
    await expect(invoke('nope', {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('reports an import failure as Runtime.ImportModuleError', async () => {
    const { out, body } = await invoke('broken', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(body.errorType).toBe('Runtime.ImportModuleError');
  });

  it('times out a handler that runs past its timeout, and the next call still works', async () => {
    const { body } = await invoke('slow', { sleepMs: 3000 });
    expect(body.errorType).toBe('Sandbox.Timedout');
    const again = await invoke('slow', { x: 1 });
    expect(again.body.echo).toEqual({ x: 1 });
  });

  it('runs 10 parallel invokes on at most 4 environments', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => invoke('echo', { i, sleepMs: 100 })));
    expect(results.map((r) => r.body.echo.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stats = runner.stats().find((s) => s.name === 'echo');
    expect(stats?.environments).toBeLessThanOrEqual(4);
    expect(stats?.environments).toBeGreaterThan(1);
  });

  it('captures log lines per function', async () => {
    await invoke('echo', { log: 'marker-123' });
    const line = await eventually(() => logs.find(([n, l]) => n === 'echo' && l.includes('marker-123')));
    expect(JSON.parse(line[1])).toEqual({ level: 'INFO', message: 'marker-123' });
  });

  it('accepts an async invoke with 202 and runs it in the background', async () => {
    const { out } = await invoke('counter', { n: 'async-1' }, 'Event');
    expect(out.StatusCode).toBe(202);
    await runner.drain();
    const seen = await runner.invoke('counter', { read: true });
    expect(seen).toEqual({ ok: true, payload: [{ n: 'async-1' }] });
  });

  it('retries a failing async invoke twice, then hands it to onAsyncFailure', async () => {
    await invoke('counter', { failAlways: true, n: 'dlq' }, 'Event');
    await runner.drain();
    expect(failures).toEqual([{ name: 'counter', payload: { failAlways: true, n: 'dlq' }, errorType: 'Error' }]);
    const seen = await runner.invoke('counter', { read: true });
    expect(seen.ok && (seen.payload as unknown[]).filter((e) => (e as { n?: string }).n === 'dlq')).toHaveLength(3);
  });
});
