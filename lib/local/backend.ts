/**
 * The thin adapter between local mode's wiring and the AWS-compatible endpoints of `lib/local/aws`: it starts one
 * endpoint, registers every function of the templates with the Lambda runner (each with its own environment plus
 * the local SDK endpoints), and feeds the services the state machines, rules, schedules, topics and managed
 * services the templates declare.
 */
import type { MessagePort } from 'node:worker_threads';
import { type AwsServices, LambdaRunner, startAwsEndpoint } from './aws/index.ts';
import type { EndpointGuard } from './aws/server.ts';
import { bundleFunctions } from './bundles.ts';
import type { InvokeOutcome } from './http-api.ts';
import type { SecretsFile } from './secrets/index.ts';
import { type AttachedServices, attachServices } from './services.ts';
import { timed } from './timings.ts';
import type { LocalWiring } from './wiring.ts';

/** A metric series, summed up for the status page. */
export interface MetricSummary {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit?: string;
  count: number;
  last: number;
  sum: number;
}

export interface BackendOptions {
  wiring: LocalWiring;
  /** Bundle of each function id (lib/local/bundles.ts). */
  bundles: Map<string, string>;
  rootDir: string;
  /** Port of the AWS endpoint; 0 picks one. */
  port: number;
  speed: number;
  /** Start the managed services' processes (local ECS). */
  startContainers: boolean;
  dynamodbUrl: string;
  /** A port to the DynamoDB thread for one Lambda environment (lib/local/dynamo.ts); without it, HTTP. */
  connectDynamo?: () => MessagePort;
  /** The SDK environment handlers get, given the endpoint's URL. */
  sdkEnv: (awsUrl: string) => Record<string, string>;
  /** Extra environment for the managed services' processes (STEWARD_URL). */
  containerEnv: Record<string, string>;
  onFunctionLog?: (functionName: string, line: string) => void;
  /** Keep Step Functions' state here across restarts (`--data DIR`). @default in memory */
  stepFunctionsDir?: string;
  /** Secrets and SSM parameters the local endpoint serves. */
  secrets?: readonly SecretsFile[];
  /** More environments of these functions, started in the background once every function has one. */
  background?: { functionIds: readonly string[]; environments: number };
  /** Niceness of the threads of functions that answer no API request ({@link BACKGROUND_NICE}). @default 0 */
  backgroundNice?: number;
  /** Signature and IAM checks of the endpoint (lib/local/iam). @default none */
  guard?: EndpointGuard;
  /** The credentials each function signs with (its role's key pair), by function name. */
  functionCredentials?: (functionName: string) => { accessKeyId: string; secretAccessKey: string } | undefined;
  /** The credentials of a managed service's tasks (its task role's key pair), by service name. */
  containerCredentials?: (serviceName: string) => { accessKeyId: string; secretAccessKey: string } | undefined;
}

/**
 * Niceness `steward local` gives the worker threads of every function that does not answer an API request (step
 * runner, event router, status handler, prober…). On two cores a burst of starts competed for the CPU with the runs it
 * had just started. At niceness 15 (Linux weight 36 against 1,024) a background thread gets a few percent of a core
 * while an API function's thread wants it, and all of it when none does: a burst's start requests answer first and
 * the runs proceed right after (200 starts: p99 4.4 s at niceness 0, 2.6 s at 10, 2.3 s at 15, with no fewer runs a
 * second). Not 19: a sustained stream of API calls must not stop the runs' tasks short of their timeouts.
 */
export const BACKGROUND_NICE = 15;

/**
 * Longest a background function's invocation waits, under `steward local`, while the API's functions have
 * invocations queued for room. Niceness shares the CPU between running threads; it cannot stop a burst's first runs
 * from starting their steps and events, whose calls then queue at the main thread and at DynamoDB's beside the
 * starts'. Held until the starts have room, those runs begin a moment later and the starts answer sooner (200
 * starts right after start, three runs each, back to back: p99 2.1–2.5 s against 2.7–3.1 s, 16–18 against 14–17
 * runs/s). Two seconds at most, against task timeouts of a minute and more, so a stream of API calls that never
 * lets up still only slows the runs.
 */
export const BACKGROUND_YIELD_MS = 2_000;

/** `http` makes the functions' SDK use HTTP to local mode's endpoints rather than message ports. */
export const LOCAL_TRANSPORT_ENV = 'STEWARD_LOCAL_TRANSPORT';

/** Environments of an API function, and invocations each serves at once (see `concurrencyOf` below). */
export const API_ENVIRONMENTS = 2;
const API_INVOCATIONS_PER_ENVIRONMENT = 16;

/** A key pair as the SDK reads it from the environment. */
function credentialEnv(keys: { accessKeyId: string; secretAccessKey: string } | undefined): Record<string, string> {
  return keys ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } : {};
}

/** What local mode uses of the running endpoints. */
export interface LocalBackend {
  url: string;
  invoke(functionName: string, payload: unknown): Promise<InvokeOutcome>;
  /** The latest events put on any bus, newest first. */
  recentEvents(limit: number): unknown[];
  /** Metrics from the functions' EMF output, one summary per series. */
  metrics(): MetricSummary[];
  functionStats(): unknown[];
  /** The services behind the endpoint, for local-only control in tests. */
  services: AttachedServices;
  stop(): Promise<void>;
}

/** Starts the endpoint and the services; rejects (with nothing left running) on failure. */
export async function createBackend(options: BackendOptions): Promise<LocalBackend> {
  const missing = options.wiring.functions.filter((f) => !options.bundles.has(f.id)).map((f) => f.id);
  const bundles =
    missing.length === 0
      ? options.bundles
      : await bundleFunctions(
          options.rootDir,
          options.wiring.functions.map((f) => f.id),
        );
  const aws: AwsServices = {};
  const endpoint = await timed('AWS endpoint listening', () =>
    startAwsEndpoint({ port: options.port, services: aws, guard: options.guard }),
  );
  const sdkEnv = options.sdkEnv(endpoint.url);
  const apiFunctions = new Set(options.wiring.api.map((route) => route.functionName));
  // Each environment's SDK reaches the AWS endpoint and DynamoDB's thread over ports of its own, not HTTP
  // (lambdas/shared/clients/local-transport.ts); STEWARD_LOCAL_TRANSPORT=http keeps HTTP, to compare or to debug.
  const overPorts = process.env[LOCAL_TRANSPORT_ENV] !== 'http';
  const connectAws = (): Record<string, MessagePort> => ({
    [new URL(endpoint.url).origin]: endpoint.connect(),
    ...(options.connectDynamo ? { [new URL(options.dynamodbUrl).origin]: options.connectDynamo() } : {}),
  });
  let attached: AttachedServices | undefined;
  const runner = new LambdaRunner({
    rootDir: options.rootDir,
    functions: options.wiring.functions.map((f) => ({
      name: f.name,
      arn: f.arn,
      entry: bundles.get(f.id) ?? f.entry,
      env: {
        ...f.environment,
        ...sdkEnv,
        ...credentialEnv(options.functionCredentials?.(f.name)),
        POWERTOOLS_DEV: 'false',
      },
      timeoutSeconds: f.timeoutSeconds,
      memoryMb: f.memoryMb,
      nice: apiFunctions.has(f.name) ? 0 : (options.backgroundNice ?? 0),
    })),
    // One environment a function, serving up to eight invocations at once: a burst of 200 starts needed eight
    // single-invocation environments per function before (2.4 GB, each new one a second of CPU to load). More
    // invocations at once only lengthen the queue at the shared CPU and DynamoDB: with 32, every call of a burst
    // slowed down together until the state machines' task timeouts failed the runs. A second environment bought no
    // throughput (one thread carries a function's share of a burst on two cores) and cost its own copy of every
    // optimized function: V8 optimizes per thread, so a burst right after start paid for it twice. Measured back to
    // back, three times each: 8 % less CPU a run and 150 MB less memory with one.
    maxConcurrency: 1,
    invocationsPerEnvironment: 8,
    connectAws: overPorts ? connectAws : undefined,
    // Background functions yield to the API's only where they are niced (steward local), not in tests that set none.
    yieldMs: (options.backgroundNice ?? 0) > 0 ? BACKGROUND_YIELD_MS : 0,
    // The API's functions answer callers that wait (API Gateway gives up at 29 s): two environments, each serving up
    // to sixteen invocations at once. A burst of starts queued eight at a time behind each other before, a run's
    // latency multiplied by the burst's size over eight; their invocations are short and mostly wait on DynamoDB.
    concurrencyOf: (fn) =>
      apiFunctions.has(fn.name)
        ? { environments: API_ENVIRONMENTS, invocationsPerEnvironment: API_INVOCATIONS_PER_ENVIRONMENT }
        : undefined,
    onLog: (name, line) => {
      attached?.cloudWatch.ingestLogLine(line);
      options.onFunctionLog?.(name, line);
    },
    onAsyncFailure: (name, _payload, error) => {
      options.onFunctionLog?.(name, `async invocation failed for good: ${error.errorType}: ${error.errorMessage}`);
    },
  });
  aws.lambda = runner;
  // Loading every handler keeps the first requests fast and surfaces a broken import at start-up; it runs while the
  // managed services start (they wait on their ports), not after.
  const warming = timed('every handler loaded', () => runner.warm());
  try {
    attached = await timed('services attached, managed services started', () =>
      attachServices({
        services: aws,
        runner,
        wiring: options.wiring,
        rootDir: options.rootDir,
        speed: options.speed,
        startContainers: options.startContainers,
        containerEnv: { ...sdkEnv, ...options.containerEnv },
        containerCredentials: (name) => credentialEnv(options.containerCredentials?.(name)),
        endpointUrl: endpoint.url,
        secrets: options.secrets,
        log: (line) => options.onFunctionLog?.('steward-local', line),
        stepFunctionsDir: options.stepFunctionsDir,
      }),
    );
  } catch (error) {
    await runner.close();
    await endpoint.close();
    throw error;
  }
  await warming;
  // Not awaited: "ready" does not wait for them, though on two cores they slow the registration down (~0.5 s). Started
  // only after "ready", or one at a time, they left the first run slower (1.0–1.5 s instead of 0.6–0.8 s).
  const background = options.background;
  if (background) {
    const names = options.wiring.functions.filter((f) => background.functionIds.includes(f.id)).map((f) => f.name);
    void timed('more environments of the workflow path loaded', () =>
      runner.warm(names, background.environments),
    ).catch(() => undefined);
  }
  const services = attached;
  return {
    url: endpoint.url,
    services,
    invoke: async (name, payload) => {
      try {
        return await runner.invoke(name, payload);
      } catch (error) {
        return {
          ok: false,
          errorType: (error as { code?: string }).code ?? 'Error',
          errorMessage: (error as Error).message,
        };
      }
    },
    recentEvents: (limit) => services.recentEvents(limit),
    metrics: () =>
      services.metrics().map((m) => ({
        namespace: m.namespace,
        name: m.name,
        dimensions: m.dimensions,
        unit: m.unit,
        count: m.minutes.reduce((n, b) => n + b.count, 0),
        sum: m.minutes.reduce((n, b) => n + b.sum, 0),
        last: m.points.at(-1)?.value ?? 0,
      })),
    functionStats: () => runner.stats(),
    stop: async () => {
      await services.stop();
      await runner.close();
      await endpoint.close();
    },
  };
}
