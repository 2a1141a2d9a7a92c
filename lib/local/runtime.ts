/**
 * Local mode, assembled: synthesizes the app, derives the wiring from its templates, starts DynamoDB (dynalite),
 * the AWS-compatible endpoint and the Steward HTTP server on 127.0.0.1, registers the deployed workflows and
 * services as the deploy-time registrar would, and (with samples) starts the seed workflow. Any failure stops
 * whatever already started and reports one message saying what and where.
 */
import { join } from 'node:path';
import { openApiDocument } from '../api/openapi.ts';
import { ENV } from '../core/env.ts';
import { FUNCTIONS } from '../core/functions.ts';
import { API_ENVIRONMENTS, createBackend, type LocalBackend } from './backend.ts';
import { bundleFunctions } from './bundles.ts';
import { LOCAL_REGION, type StackTemplate } from './cfn.ts';
import { type LocalDynamo, startDynamo } from './dynamo.ts';
import { type HttpApi, type InvokeOutcome, STARTING, startHttpApi } from './http-api.ts';
import type { Denial } from './iam/authorizer.ts';
import { createTimeChecks, describeFindings, type Finding } from './iam/checks.ts';
import type { KeyPair } from './iam/credentials.ts';
import { LocalIam } from './iam/guard.ts';
import { deriveIamModel } from './iam/model.ts';
import { localEndpoints } from './local-endpoints.ts';
import {
  type RegisteredResource,
  readRegistrations,
  registrationCalls,
  registrationsFile,
  writeRegistrations,
} from './registrations.ts';
import type { SecretsFile } from './secrets/index.ts';
import { DEFAULT_PORTS, DEFAULT_ROOT, LocalStartError, readSecretsFile } from './start-options.ts';
import { loadTemplates } from './templates.ts';
import { timed, timing } from './timings.ts';
import { deriveWiring, type LocalWiring } from './wiring.ts';

/**
 * The API functions every workflow run goes through (starts and events). They have a second environment (backend.ts:
 * their callers wait), started in the background once every function has one: a cold one costs a run ~0.5 s. The
 * workflow path's other functions (step runner, waiter, status handler, event router) have one environment each.
 */
const WORKFLOW_PATH_API = ['api-executions', 'api-events'];

export { LocalStartError } from './start-options.ts';

export interface LocalOptions {
  /** Repository root (statemachines/, services.json, lambdas/). @default the directory above lib/ */
  rootDir?: string;
  /** Ports; 0 picks a free one. @default DEFAULT_PORTS */
  ports?: { api?: number; aws?: number; dynamodb?: number };
  /**
   * Keep DynamoDB's data and Step Functions' state (in `stepfunctions/`) in this directory across restarts; runs that
   * were running continue on the next start. @default in memory
   */
  dataDir?: string;
  /** Clock speed of schedules (10 → a 1-minute schedule fires every 6 s). @default 1 */
  speed?: number;
  /** Start the sample services' processes and the seed workflow. @default true */
  samples?: boolean;
  /** @default 'dev' */
  tier?: string;
  /**
   * Reuse the cached synthesis when no input changed (see templates.ts). `false` synthesizes in the calling thread
   * and caches nothing: for tests that swap one of the app's modules. @default true
   */
  cache?: boolean;
  /**
   * The templates, loading already: `steward local` starts `loadTemplates` (with this root, tier and choice of
   * samples) before it loads this module, so the synthesis thread works while the rest of local mode's code loads.
   * @default loaded here
   */
  templates?: Promise<{ stacks: StackTemplate[]; cached: boolean }>;
  /** Where progress lines go. @default stderr */
  log?: (line: string) => void;
  /** Function log lines (Powertools JSON), e.g. to a file. @default dropped */
  onFunctionLog?: (functionName: string, line: string) => void;
  /**
   * Secrets Manager secrets and SSM parameters to serve (`--secrets FILE`). With samples, `samples/secrets.json` is
   * served too (these win over it). @default none
   */
  secrets?: SecretsFile;
  /**
   * Authorize every AWS call against the caller's role and run the create-time checks (`--iam off` sets false:
   * requests must still be signed, but nothing is refused and the checks only warn). @default true
   */
  iam?: boolean;
  /**
   * Ids of create-time findings to report without failing the start (e.g. `vpc-eni:step-runner`): known gaps
   * awaiting a fix. @default none
   */
  acceptFindings?: readonly string[];
  /**
   * Niceness of the threads of the functions that answer no API request (see `BACKGROUND_NICE` in backend.ts):
   * `steward local` sets it, so a burst of starts answers before the runs it started take the CPU. A process that
   * embeds local mode among other work (a test runner) keeps every thread at its own priority. @default 0
   */
  backgroundNice?: number;
}

/** Local mode's IAM, as the status page and callers see it. */
export interface LocalIamState {
  /** False with `--iam off`. */
  enforcing: boolean;
  /** The key with full rights for the user's own tools (AWS CLI, SDK scripts). */
  operator: KeyPair;
  /** Create-time findings (accepted ones, or every one with `--iam off`). */
  findings: Finding[];
  /** The latest refused calls, newest first. */
  denials(): Denial[];
  /** The guard itself (keys of roles, the authorizer). */
  guard: LocalIam;
}

/** A running local Steward. */
export interface LocalSteward {
  urls: { api: string; aws: string; dynamodb: string };
  wiring: LocalWiring;
  backend: LocalBackend;
  iam: LocalIamState;
  /** The seed execution started at start-up (samples on). */
  seedExecutionId?: string;
  startedInMs: number;
  stop(): Promise<void>;
}

/** The SDK environment every handler gets: its own endpoints and region (credentials are per role, see iam/). */
export function sdkEnvironment(awsUrl: string, dynamodbUrl: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
  };
  for (const service of [
    'SFN',
    'EVENTBRIDGE',
    'ECS',
    'LAMBDA',
    'SNS',
    'SQS',
    'CLOUDWATCH',
    'SCHEDULER',
    'SERVICEDISCOVERY',
    'SECRETS_MANAGER',
    'SSM',
  ]) {
    env[`AWS_ENDPOINT_URL_${service}`] = awsUrl;
  }
  return env;
}

function portProblem(error: unknown, what: string, port: number, flag: string): Error {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new LocalStartError(`port ${port} (${what}) is already in use: stop what uses it or pass ${flag} <port>`);
  }
  return new LocalStartError(`${what} could not start on port ${port}: ${(error as Error).message}`);
}

/** Starts local mode. Rejects with {@link LocalStartError} after stopping anything it had started. */
export async function startLocal(options: LocalOptions = {}): Promise<LocalSteward> {
  const started = performance.now();
  timing('startLocal called');
  const rootDir = options.rootDir ?? DEFAULT_ROOT;
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const samples = options.samples ?? true;
  const speed = options.speed ?? 1;
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  };

  try {
    // esbuild runs in its own process: bundling the handlers overlaps the (CPU-bound) synthesis.
    const bundling = timed('bundles ready', () =>
      bundleFunctions(
        rootDir,
        FUNCTIONS.map((f) => f.id),
      ),
    );
    bundling.catch(() => undefined);
    let stacks: StackTemplate[];
    try {
      const loaded = await timed(
        'templates loaded',
        () => options.templates ?? loadTemplates(rootDir, options.tier ?? 'dev', { cache: options.cache, samples }),
      );
      stacks = loaded.stacks;
      log(
        `steward local: ${loaded.cached ? 'templates unchanged, using the cached synthesis' : 'synthesized the app'}`,
      );
    } catch (error) {
      throw new LocalStartError((error as Error).message);
    }
    const phase = (what: string): void => log(`steward local: ${what} (${Math.round(performance.now() - started)} ms)`);
    phase('templates ready');
    const wiring = deriveWiring(stacks);
    timing('wiring derived');
    const enforcing = options.iam ?? true;
    const iamModel = deriveIamModel(stacks);
    const fnLog = options.onFunctionLog;
    const guard = new LocalIam(iamModel, {
      enforce: enforcing,
      onDenial: (d) => {
        const line = `AccessDenied: ${d.functions.join(', ') || d.principal} ${d.action} on ${d.resource}; allowed by ${JSON.stringify(d.allowingStatement)}`;
        log(`steward local: ${line}`);
        fnLog?.('steward-iam', line);
      },
    });
    // The SigV4 sample verifies signatures the way API Gateway would for the step runner's role: it is told that
    // role's local key pair (in AWS, IAM decides who may invoke; here the sample stands in for it).
    const stepRunnerRole = iamModel.functions.find((f) => f.id === 'step-runner')?.roleArn;
    const stepRunnerKeysForSamples = (): Record<string, string> => {
      if (!stepRunnerRole) return {};
      const keys = guard.keysFor(stepRunnerRole);
      return { SIGV4_ACCESS_KEY_ID: keys.accessKeyId, SIGV4_SECRET_ACCESS_KEY: keys.secretAccessKey };
    };
    // The checks run while DynamoDB and the functions start (they are CPU-bound here, those mostly elsewhere).
    let iamFindings: Finding[] = [];
    const checking = timed('IAM create-time checks', () => createTimeChecks(iamModel, guard.authorizer, wiring.api));
    checking.catch(() => undefined);

    let dynamo: LocalDynamo;
    try {
      // The API's functions answer callers that wait (API Gateway gives up at 29 s): their reads and writes go first.
      const apiFunctions = new Set(wiring.api.map((route) => route.functionName));
      const priorityRoles = iamModel.functions.filter((f) => apiFunctions.has(f.name)).map((f) => f.roleArn);
      dynamo = await startDynamo({ port: ports.dynamodb, dataDir: options.dataDir, guard, priorityRoles });
    } catch (error) {
      throw portProblem(error, 'DynamoDB', ports.dynamodb, '--dynamodb-port');
    }
    cleanup.push(() => dynamo.close());
    await timed('DynamoDB tables created', () => dynamo.createTables(wiring.tables));

    let backend: LocalBackend | undefined;
    // API Gateway may invoke a route's function only as its Lambda permission allows, for the route's source ARN.
    const apiMayInvoke = async (name: string, payload: unknown): Promise<string | undefined> => {
      const fn = iamModel.functions.find((f) => f.name === name);
      const event = payload as { httpMethod?: string; resource?: string };
      if (!enforcing || !iamModel.restApi || !fn) return undefined;
      const { id, stage } = iamModel.restApi;
      const sourceArn = `arn:aws:execute-api:${iamModel.region}:${iamModel.account}:${id}/${stage}/${event.httpMethod}${event.resource}`;
      const denial = await guard.authorizer.authorizeService('apigateway.amazonaws.com', sourceArn, {
        action: 'lambda:InvokeFunction',
        resource: fn.arn,
      });
      return denial?.message;
    };
    const invoke = async (name: string, payload: unknown): Promise<InvokeOutcome> => {
      if (!backend)
        return { ok: false, errorType: STARTING, errorMessage: 'Steward local is still starting; retry in a moment' };
      const refused = await apiMayInvoke(name, payload);
      if (refused) return { ok: false, errorType: 'AccessDeniedException', errorMessage: refused };
      return backend.invoke(name, payload);
    };

    let api: HttpApi;
    try {
      api = await startHttpApi({
        port: ports.api,
        routes: wiring.api,
        invoke,
        openapi: () => openApiDocument({ serverUrl: api.url }),
        consoleDir: join(rootDir, 'console/dist'),
        local: localEndpoints({
          wiring,
          backend: () => backend,
          iam: () => ({
            enforcing,
            operator_access_key_id: guard.operatorKeys().accessKeyId,
            findings: iamFindings,
            denials: guard.recentDenials(),
            decisions: guard.authorizer.stats(),
          }),
        }),
      });
    } catch (error) {
      throw portProblem(error, 'Steward API', ports.api, '--port');
    }
    cleanup.push(() => api.close());

    try {
      backend = await createBackend({
        wiring,
        bundles: await bundling,
        rootDir,
        port: ports.aws,
        speed,
        startContainers: samples,
        dynamodbUrl: dynamo.url,
        connectDynamo: () => dynamo.connect(),
        // Local services run on loopback, so local mode allows it; Steward's own endpoints stay refused (lib/core/outbound).
        sdkEnv: (awsUrl) => ({
          ...sdkEnvironment(awsUrl, dynamo.url),
          [ENV.outboundLoopback]: 'allow',
          [ENV.outboundOwnEndpoints]: [api.url, awsUrl, dynamo.url].join(','),
        }),
        containerEnv: { STEWARD_URL: api.url, ...stepRunnerKeysForSamples() },
        secrets: [
          ...(samples ? [readSecretsFile(join(rootDir, 'samples/secrets.json'))] : []),
          ...(options.secrets ? [options.secrets] : []),
        ],
        onFunctionLog: options.onFunctionLog,
        stepFunctionsDir: options.dataDir === undefined ? undefined : join(options.dataDir, 'stepfunctions'),
        background: { functionIds: WORKFLOW_PATH_API, environments: API_ENVIRONMENTS },
        backgroundNice: options.backgroundNice,
        guard,
        functionCredentials: (name) => {
          const fn = iamModel.functions.find((f) => f.name === name);
          return fn ? guard.keysFor(fn.roleArn) : undefined;
        },
        containerCredentials: (name) => {
          const role = wiring.containerServices.find((c) => c.serviceName === name)?.taskRoleArn;
          return role ? guard.keysFor(role) : undefined;
        },
      });
    } catch (error) {
      throw (error as { code?: string }).code === 'EADDRINUSE'
        ? portProblem(error, 'AWS endpoint', ports.aws, '--aws-port')
        : new LocalStartError(`the local AWS endpoints could not start: ${(error as Error).message}`);
    }
    const running = backend;
    phase('endpoints and functions ready');
    cleanup.push(() => running.stop());

    const findings = await checking;
    iamFindings = findings;
    const accepted = new Set(options.acceptFindings ?? []);
    const blocking = enforcing ? findings.filter((f) => !accepted.has(f.id)) : [];
    if (blocking.length > 0) {
      throw new LocalStartError(
        `the stack would not deploy as the templates stand (IAM create-time checks; --iam off only warns):\n${describeFindings(blocking)}`,
      );
    }
    if (findings.length > 0) {
      log(`steward local: IAM create-time findings not enforced:\n${describeFindings(findings)}`);
    }

    await register(wiring, running, options.dataDir);
    phase('workflows and services registered');
    // Everything the runs' tasks call is registered: runs that were running when local mode stopped go on.
    const recovered = running.services.stepFunctions.recover();
    if (recovered.continued + recovered.failed > 0) {
      log(
        `steward local: ${recovered.continued} run(s) continued where they were, ${recovered.failed} failed at their step (local mode stopped; retry continues them)`,
      );
    }
    // Registered now: the prober's first round finds every service, instead of waiting a whole schedule period.
    running.services.scheduler.fireRateSchedulesNow();
    const seedExecutionId = samples ? await startSeed(api.url, log) : undefined;
    const startedInMs = Math.round(performance.now() - started);
    timing('ready');
    return {
      urls: { api: api.url, aws: running.url, dynamodb: dynamo.url },
      wiring,
      backend: running,
      iam: {
        enforcing,
        operator: guard.operatorKeys(),
        findings,
        denials: () => guard.recentDenials(),
        guard,
      },
      seedExecutionId,
      startedInMs,
      stop,
    };
  } catch (error) {
    await stop();
    if (error instanceof LocalStartError) throw error;
    throw new LocalStartError((error as Error).message);
  }
}

/**
 * Runs every custom resource of the templates the way CloudFormation's Provider framework calls its handler: as a
 * first deployment, or with `--data` as an update of what was registered last (registrations.ts).
 */
async function register(wiring: LocalWiring, backend: LocalBackend, dataDir: string | undefined): Promise<void> {
  const file = dataDir === undefined ? undefined : registrationsFile(dataDir);
  const previous = file === undefined ? {} : readRegistrations(file);
  const resources = wiring.customResources.map((r) => ({ ...r, properties: toLoopback(r.properties, wiring) }));
  const registered: Record<string, RegisteredResource> = {};
  for (const { resource, event } of registrationCalls(resources, previous)) {
    const outcome = await backend.invoke(resource.functionName, event);
    if (!outcome.ok) {
      throw new LocalStartError(
        `registering ${resource.logicalId} (${String(event.RequestType)}) failed: ${outcome.errorType}: ${outcome.errorMessage.slice(0, 2_000)}`,
      );
    }
    if (event.RequestType === 'Delete') continue;
    const physicalId = (outcome.payload as { PhysicalResourceId?: unknown } | null)?.PhysicalResourceId;
    registered[resource.logicalId] = {
      ...resource,
      physicalId: typeof physicalId === 'string' ? physicalId : resource.logicalId,
    };
  }
  if (file !== undefined) writeRegistrations(file, registered);
}

/**
 * In AWS a managed service is reached by its Cloud Map name (`http://<service>.<namespace>:<port>`); locally its
 * process (local ECS) listens on 127.0.0.1 at that port, so the registration records the loopback address, as a
 * local DNS would resolve it.
 */
export function toLoopback(properties: Record<string, unknown>, wiring: LocalWiring): Record<string, unknown> {
  const managed = new Set(wiring.containerServices.map((s) => s.serviceName));
  const services = properties.services;
  if (!Array.isArray(services)) return properties;
  return {
    ...properties,
    services: services.map((s: Record<string, unknown>) => {
      if (typeof s.base_url !== 'string' || !managed.has(String(s.name))) return s;
      const url = new URL(s.base_url);
      if (!url.hostname.startsWith(`${String(s.name)}.`)) return s;
      url.hostname = '127.0.0.1';
      return { ...s, base_url: url.toString().replace(/\/$/, '') };
    }),
  };
}

/** The seed's sample context: a project, a task and an agent of the seed document's example. */
export function seedContext(): Record<string, string> {
  return {
    project_id: crypto.randomUUID(),
    task_id: crypto.randomUUID(),
    agent_id: crypto.randomUUID(),
  };
}

/** Starts "Agent Task Execution" through the REST API, like any client would. */
async function startSeed(apiUrl: string, log: (line: string) => void): Promise<string | undefined> {
  const response = await fetch(`${apiUrl}/executions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      workflow_name: 'Agent Task Execution',
      correlation_id: crypto.randomUUID(),
      context: seedContext(),
    }),
  });
  const body = (await response.json()) as { execution_id?: string; error?: { message?: string } };
  if (!response.ok) {
    log(`steward local: the seed workflow did not start (${response.status}: ${body.error?.message ?? ''})`);
    return undefined;
  }
  return body.execution_id;
}
