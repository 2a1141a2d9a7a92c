/**
 * Steward's own dependencies, each checked with the cheapest call its grants allow: a GetItem on each table, a
 * PutEvents of a `steward.readiness` heartbeat on the bus, and one ListStateMachines page. Results are cached for
 * a few seconds so a load balancer polling readiness does not turn into a load test of DynamoDB.
 */
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../lib/core/env.ts';
import { ddb } from '../shared/clients/dynamodb.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { requireEnv } from '../shared/config.ts';
import { publish, stewardEvent } from '../shared/events.ts';

const REGISTRY = requireEnv(ENV.registryTable);
const HISTORY = requireEnv(ENV.historyTable);
const CACHE_MS = 5_000;

/** One dependency's state. */
export interface DependencyStatus {
  name: string;
  ok: boolean;
  latency_ms: number;
  message?: string;
}

/** Each check sends one request, which `abortSignal` cancels when the deadline passes (not left running). */
const CHECKS: Record<string, (abortSignal: AbortSignal) => Promise<unknown>> = {
  'dynamodb:registry': (abortSignal) =>
    ddb.send(new GetCommand({ TableName: REGISTRY, Key: { pk: 'HEALTH#steward', sk: 'META' } }), { abortSignal }),
  'dynamodb:history': (abortSignal) =>
    ddb.send(new GetCommand({ TableName: HISTORY, Key: { pk: 'HEALTH#steward', sk: 'META' } }), { abortSignal }),
  eventbridge: (abortSignal) =>
    publish([stewardEvent('steward.readiness', { at: new Date().toISOString() })], { abortSignal }),
  stepfunctions: (abortSignal) => sfn.send(new ListStateMachinesCommand({ maxResults: 1 }), { abortSignal }),
};

let cached: { at: number; result: DependencyStatus[] } | undefined;

/** Checks every dependency concurrently, each bounded by `timeoutMs`. */
export async function checkDependencies(timeoutMs = 3_000): Promise<DependencyStatus[]> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.result;
  const result = await Promise.all(
    Object.entries(CHECKS).map(async ([name, run]): Promise<DependencyStatus> => {
      const start = performance.now();
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        await run(deadline);
        return { name, ok: true, latency_ms: Math.round(performance.now() - start) };
      } catch (error) {
        return {
          name,
          ok: false,
          latency_ms: Math.round(performance.now() - start),
          message: deadline.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message,
        };
      }
    }),
  );
  cached = { at: Date.now(), result };
  return result;
}

/** Forgets the cached result (tests). */
export function clearDependencyCache(): void {
  cached = undefined;
}
