/**
 * Deployment tiers (seed `001_…`: tier_1 experimental, tier_2 validation, tier_3 operational) as data. The stacks
 * read every tier-dependent default from here, so one table decides what `-c tier=prod` changes. Pure: no CDK types,
 * plain numbers and strings the constructs translate.
 */

/** The canonical tier names. */
export const TIER_NAMES = ['dev', 'staging', 'prod'] as const;

/** A canonical tier name. */
export type TierName = (typeof TIER_NAMES)[number];

/** The seed's names for the same tiers. */
export const TIER_ALIASES: Readonly<Record<string, TierName>> = {
  tier_1: 'dev',
  tier_2: 'staging',
  tier_3: 'prod',
};

/** CPU/memory/count of a Fargate service (CPU in units: 256 = 0.25 vCPU). */
export interface ContainerResources {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly desiredCount: number;
}

/** Thresholds of the fixed-threshold alarms (anomaly-detection alarms take their band width instead). */
export interface AlarmThresholds {
  /** Lambda errors per function per period. */
  readonly lambdaErrors: number;
  /** Lambda throttles per function per period. */
  readonly lambdaThrottles: number;
  /** API 5xx answers per period. */
  readonly api5xx: number;
  /** Failed executions per state machine per period. */
  readonly executionsFailed: number;
  /** DynamoDB throttled requests per table per period. */
  readonly dynamoThrottles: number;
  /** Visible messages in any DLQ. */
  readonly dlqDepth: number;
  /** Consecutive periods that must breach before an alarm fires. */
  readonly evaluationPeriods: number;
  /** Period of every alarm, in seconds. */
  readonly periodSeconds: number;
  /** Standard deviations of the anomaly band (API latency, execution failures). */
  readonly anomalyBandWidth: number;
}

/** Everything a tier decides. */
export interface TierConfig {
  readonly name: TierName;
  /** The seed's name (`tier_1` …). */
  readonly seedName: string;
  /** Powertools LOG_LEVEL. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN';
  /** Multiplier applied to each function's memory from lib/core/functions.ts (rounded up to 64 MB). */
  readonly lambdaMemoryFactor: number;
  /**
   * Reserved concurrency by function id; functions not listed share the account pool. Empty in every tier: a
   * reservation takes concurrency from the account (Lambda keeps 100 unreserved), so it fails on accounts with a
   * small quota. Set it per deployment with `-c reserved-concurrency=status-handler=50,event-router=50`.
   */
  readonly reservedConcurrency: Readonly<Record<string, number>>;
  /** API Gateway stage throttling. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly alarms: AlarmThresholds;
  /** Days before history items expire (TTL). */
  readonly historyRetentionDays: number;
  /** CloudWatch Logs retention in days (a value CloudWatch accepts). */
  readonly logRetentionDays: 7 | 30 | 90 | 365;
  /** `destroy`: stateful resources go with the stack; `retain`: they stay, with deletion protection. */
  readonly removalPolicy: 'destroy' | 'retain';
  /** DynamoDB point-in-time recovery. */
  readonly pointInTimeRecovery: boolean;
  /** State machine log level and whether execution data is logged. */
  readonly stateMachineLogLevel: 'ALL' | 'ERROR';
  readonly includeExecutionData: boolean;
  /**
   * Restart policy strictness: the deployed services' restart policy fields (manifest names) that the manifest
   * leaves unset. Dev restarts freely; prod restarts rarely and escalates early.
   */
  readonly restartPolicy: {
    readonly max_restarts: number;
    readonly window_seconds: number;
    readonly base_delay_seconds: number;
    readonly max_delay_seconds: number;
  };
  /** Default Fargate sizing (a manifest's `resources.<tier>` overrides it). */
  readonly container: ContainerResources;
  /** NAT gateways in the services VPC (one per AZ in prod for AZ independence; one shared elsewhere to save cost). */
  readonly natGateways: number;
  /** Prober shards: one schedule and one lease each. */
  readonly proberShards: number;
}

const TIERS: Readonly<Record<TierName, TierConfig>> = {
  dev: {
    name: 'dev',
    seedName: 'tier_1',
    logLevel: 'DEBUG',
    lambdaMemoryFactor: 1,
    reservedConcurrency: {},
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    alarms: {
      lambdaErrors: 10,
      lambdaThrottles: 10,
      api5xx: 20,
      executionsFailed: 10,
      dynamoThrottles: 50,
      dlqDepth: 10,
      evaluationPeriods: 3,
      periodSeconds: 300,
      anomalyBandWidth: 4,
    },
    historyRetentionDays: 7,
    logRetentionDays: 7,
    removalPolicy: 'destroy',
    pointInTimeRecovery: false,
    stateMachineLogLevel: 'ALL',
    includeExecutionData: true,
    restartPolicy: { max_restarts: 20, window_seconds: 300, base_delay_seconds: 5, max_delay_seconds: 60 },
    container: { cpu: 256, memoryMiB: 512, desiredCount: 1 },
    natGateways: 1,
    proberShards: 1,
  },
  staging: {
    name: 'staging',
    seedName: 'tier_2',
    logLevel: 'INFO',
    lambdaMemoryFactor: 1,
    reservedConcurrency: {},
    apiThrottle: { rateLimit: 200, burstLimit: 400 },
    alarms: {
      lambdaErrors: 5,
      lambdaThrottles: 5,
      api5xx: 10,
      executionsFailed: 5,
      dynamoThrottles: 20,
      dlqDepth: 1,
      evaluationPeriods: 2,
      periodSeconds: 60,
      anomalyBandWidth: 3,
    },
    historyRetentionDays: 30,
    logRetentionDays: 30,
    removalPolicy: 'destroy',
    pointInTimeRecovery: true,
    stateMachineLogLevel: 'ALL',
    includeExecutionData: false,
    restartPolicy: { max_restarts: 10, window_seconds: 300, base_delay_seconds: 10, max_delay_seconds: 300 },
    container: { cpu: 512, memoryMiB: 1024, desiredCount: 2 },
    natGateways: 1,
    proberShards: 2,
  },
  prod: {
    name: 'prod',
    seedName: 'tier_3',
    logLevel: 'WARN',
    lambdaMemoryFactor: 1.5,
    reservedConcurrency: {},
    apiThrottle: { rateLimit: 1000, burstLimit: 2000 },
    alarms: {
      lambdaErrors: 1,
      lambdaThrottles: 1,
      api5xx: 5,
      executionsFailed: 1,
      dynamoThrottles: 5,
      dlqDepth: 1,
      evaluationPeriods: 1,
      periodSeconds: 60,
      anomalyBandWidth: 2,
    },
    historyRetentionDays: 90,
    logRetentionDays: 365,
    removalPolicy: 'retain',
    pointInTimeRecovery: true,
    stateMachineLogLevel: 'ERROR',
    includeExecutionData: false,
    restartPolicy: { max_restarts: 5, window_seconds: 600, base_delay_seconds: 30, max_delay_seconds: 600 },
    container: { cpu: 1024, memoryMiB: 2048, desiredCount: 3 },
    natGateways: 2,
    proberShards: 4,
  },
};

/** Thrown for a tier name that is neither canonical nor an alias. */
export class UnknownTierError extends Error {
  override readonly name = 'UnknownTierError';
  constructor(readonly received: unknown) {
    super(
      `Unknown tier ${JSON.stringify(received)}: use -c tier=<${TIER_NAMES.join('|')}> ` +
        `(or the aliases ${Object.keys(TIER_ALIASES).join(', ')})`,
    );
  }
}

/** Canonical name of a tier given as `dev|staging|prod` or `tier_1|tier_2|tier_3`; throws UnknownTierError. */
export function resolveTierName(value: unknown): TierName {
  if (typeof value !== 'string') throw new UnknownTierError(value);
  const key = value.trim().toLowerCase();
  if ((TIER_NAMES as readonly string[]).includes(key)) return key as TierName;
  const alias = TIER_ALIASES[key];
  if (alias) return alias;
  throw new UnknownTierError(value);
}

/** The configuration of a tier (canonical or alias name). */
export function tierConfig(value: unknown): TierConfig {
  return TIERS[resolveTierName(value)];
}

/** Memory for a function in a tier: the spec's memory times the tier factor, rounded up to 64 MB, within Lambda's range. */
export function functionMemory(specMemoryMb: number, tier: TierConfig): number {
  const scaled = Math.ceil((specMemoryMb * tier.lambdaMemoryFactor) / 64) * 64;
  return Math.min(10240, Math.max(128, scaled));
}

/** Thrown for a `reserved-concurrency` setting that is not `<function id>=<count>,…`. */
export class ReservedConcurrencyError extends Error {
  override readonly name = 'ReservedConcurrencyError';
}

/**
 * The tier with reserved concurrency from a setting `status-handler=50,event-router=50` (or an object of counts);
 * `undefined` keeps the tier's. Function ids are checked against `known` when given.
 */
export function withReservedConcurrency(tier: TierConfig, setting: unknown, known?: readonly string[]): TierConfig {
  if (setting === undefined || setting === null || setting === '') return tier;
  const pairs: Array<[string, unknown]> =
    typeof setting === 'string'
      ? setting.split(',').map((p) => {
          const [id, count] = p.split('=');
          return [String(id).trim(), count === undefined ? undefined : Number(count.trim())];
        })
      : typeof setting === 'object'
        ? Object.entries(setting as Record<string, unknown>)
        : [];
  if (pairs.length === 0) {
    throw new ReservedConcurrencyError(
      `reserved-concurrency must be <function id>=<count>,… (got ${JSON.stringify(setting)})`,
    );
  }
  const out: Record<string, number> = {};
  for (const [id, count] of pairs) {
    if (known && !known.includes(id)) {
      throw new ReservedConcurrencyError(`reserved-concurrency: unknown function '${id}' (one of ${known.join(', ')})`);
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 10_000) {
      throw new ReservedConcurrencyError(
        `reserved-concurrency: '${id}' needs a whole number from 0 to 10000 (got ${JSON.stringify(count)})`,
      );
    }
    out[id] = count;
  }
  return { ...tier, reservedConcurrency: out };
}
