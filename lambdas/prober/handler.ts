import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { ENV } from '../../lib/core/env.ts';
import { lambda } from '../shared/clients/lambda.ts';
import { requireEnv } from '../shared/config.ts';
import { publish } from '../shared/events.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { acquireLease, releaseLease } from '../shared/repositories/leases.ts';
import { ProbeEngine } from './engine.ts';

const RESTARTER = requireEnv(ENV.restarterFunction);
requireEnv(ENV.eventBus);

/** Schedule input: the shard to probe; `rounds`/`round_seconds` only change in tests and local mode. */
export interface ProberInput {
  shard?: number;
  shards?: number;
  rounds?: number;
  round_seconds?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Probes a shard: six rounds ten seconds apart per `rate(1 minute)` tick, under a lease. */
export async function probeShard(
  event: ProberInput,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
): Promise<Record<string, unknown>> {
  const shard = event.shard ?? 0;
  const shards = event.shards ?? 1;
  const rounds = event.rounds ?? 6;
  const roundMs = (event.round_seconds ?? 10) * 1_000;
  if (!Number.isInteger(shard) || !Number.isInteger(shards) || shard < 0 || shards < 1 || shard >= shards) {
    throw new Error(`Prober input needs 0 <= shard < shards, got shard ${shard} of ${shards}`);
  }
  const start = Date.now();
  if (!(await acquireLease(String(shard), context.awsRequestId, start, rounds * roundMs + 5_000))) {
    logger.info('Another prober holds this shard', { shard });
    return { shard, skipped: true };
  }
  const engine = new ProbeEngine(
    {
      publish,
      requestRestart: async (request) => {
        await lambda.send(
          new InvokeCommand({
            FunctionName: RESTARTER,
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify(request)),
          }),
        );
      },
      // Fleet-wide figures go into shared EMF records (Powertools packs up to 100 values per metric per record);
      // a per-service record only for failures, so a healthy fleet of thousands costs a few log lines a round.
      metric: (service, check, result) => {
        metrics.addMetric('ProbeLatency', MetricUnit.Milliseconds, result.latency_ms);
        metrics.addMetric(result.ok ? 'ProbeSuccess' : 'ProbeFailure', MetricUnit.Count, 1);
        if (!result.ok) {
          const m = metrics.singleMetric();
          m.addDimensions({ service_name: service, check });
          m.addMetric('ProbeFailure', MetricUnit.Count, 1);
          m.addMetric('ProbeLatency', MetricUnit.Milliseconds, result.latency_ms);
        }
      },
    },
    // Check intervals count in nominal 10-second rounds, also when local mode runs the rounds closer together.
    { concurrency: 256, roundSeconds: 10 },
  );
  const totals = { services: 0, probes: 0, failures: 0, writes: 0, changes: 0, restartRequests: 0, rounds: 0 };
  try {
    totals.services = await engine.load(shard, shards);
    for (let r = 0; r < rounds; r++) {
      await sleep(start + r * roundMs - Date.now());
      // Leave room to finish: never start a round that could outlive the invocation.
      if (context.getRemainingTimeInMillis() < roundMs / 2) break;
      const s = await engine.round(r, Date.now());
      totals.rounds++;
      totals.probes += s.probes;
      totals.failures += s.failures;
      totals.writes += s.writes;
      totals.changes += s.changes;
      totals.restartRequests += s.restartRequests;
    }
  } finally {
    await releaseLease(String(shard), context.awsRequestId);
    metrics.addMetric('ProbeRounds', MetricUnit.Count, totals.rounds);
    metrics.addMetric('ProbesRun', MetricUnit.Count, totals.probes);
  }
  logger.info('Prober finished', { shard, ...totals });
  return { shard, ...totals };
}

/** The Lambda entry point: {@link probeShard} with the Lambda context on every log line; metrics flushed at the end. */
export const handler = lambdaHandler<ProberInput, Record<string, unknown>>(probeShard);
