/**
 * The in-process environment `steward test` runs workflows in: dynalite with Steward's tables, an HTTP server that
 * plays every mocked service, and a stub AWS endpoint for the calls the step runner makes besides DynamoDB
 * (EventBridge step events). The real step runner module is imported once this environment is configured, since
 * handlers read their configuration at import.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import dynalite from 'dynalite';
import { ENV } from '../../core/env.ts';
import type { StepRunnerInput } from '../../core/runtime-contract.ts';
import { TABLES } from '../../core/tables.ts';
import type { MockAnswer } from '../../core/workflow/test-cases.ts';
import { createActiveTable } from '../../local/active-table.ts';
import { createTableInput } from './tables.ts';

const REGION = 'us-east-1';
const NAMES = { registry: 'steward-test-registry', history: 'steward-test-history' } as const;

/** Answers for one mock key (a step, `<step>.notify`, `<step>.compensation`) of one case, and how many were used. */
interface MockSlot {
  answers: MockAnswer[];
  used: number;
  /** The answer the runner chose for the request in flight (a step's attempts run one at a time). */
  current?: MockAnswer;
}

/** What the runner needs from the environment. */
export interface TestEnvironment {
  /** Runs one step-runner payload through the real step runner. */
  runStep(input: StepRunnerInput): Promise<unknown>;
  /** Creates the execution record a run's steps check (status running). */
  addExecution(executionId: string): Promise<void>;
  /** Registers a service answering with `answers` (one per request, the last repeating); returns its name. */
  addService(name: string, answers: MockAnswer[]): Promise<void>;
  /** The answer the next request to service `name` will get (counted by requests received). */
  peek(name: string): MockAnswer;
  /**
   * Chooses the next answer of service `name` for the request about to be sent, whether or not it arrives (a call
   * with a 1 ms timeout may be abandoned before it is sent).
   */
  take(name: string, late: (a: MockAnswer) => boolean): MockAnswer;
  /** Ends requests still held (planned timeouts) of finished runs. */
  release(): void;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

let shared: Promise<TestEnvironment> | undefined;

/**
 * The process's environment, started on first use. It stays up for the life of the process (its servers do not keep
 * the process alive): the step runner's clients are bound to it at import, so a second environment could not be
 * reached by them.
 */
export function testEnvironment(): Promise<TestEnvironment> {
  shared ??= startTestEnvironment();
  return shared;
}

async function startTestEnvironment(): Promise<TestEnvironment> {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoUrl = await listen(dynamo as unknown as Server);
  const admin = new DynamoDBClient({
    endpoint: dynamoUrl,
    region: REGION,
    credentials: { accessKeyId: 'steward-test', secretAccessKey: 'steward-test' },
  });
  for (const table of TABLES) await createActiveTable(admin, createTableInput(table, NAMES[table.id]));

  const slots = new Map<string, MockSlot>();
  const held = new Set<ServerResponse>();
  const services = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const name = decodeURIComponent((req.url ?? '').split('/')[2] ?? '');
      const slot = slots.get(name);
      let answer: MockAnswer = slot?.current ?? {};
      if (slot && !slot.current) answer = slot.answers[Math.min(slot.used++, slot.answers.length - 1)] ?? {};
      if (answer.network_error) {
        req.socket.destroy();
        return;
      }
      // A timeout: never answer; the caller's (shortened) timeout ends the call.
      if (answer.timeout) {
        held.add(res);
        return;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  const servicesUrl = await listen(services);
  // EventBridge PutEvents (step events) and anything else the step runner may send besides DynamoDB.
  const aws = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [] }));
    });
  });
  const awsUrl = await listen(aws);

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'steward-test',
    AWS_SECRET_ACCESS_KEY: 'steward-test',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: awsUrl,
    AWS_ENDPOINT_URL_SFN: awsUrl,
    [ENV.registryTable]: NAMES.registry,
    [ENV.historyTable]: NAMES.history,
    [ENV.eventBus]: 'steward-test-bus',
    // The mocked services answer on this machine, as in local mode.
    [ENV.outboundLoopback]: 'allow',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const runner = await import('../../../lambdas/step-runner/handler.ts');

  const put = (table: string, item: Record<string, unknown>) =>
    admin.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));

  return {
    runStep: (input) => runner.runStep(input),
    async addExecution(executionId) {
      const now = new Date().toISOString();
      await put(NAMES.history, {
        pk: `EXEC#${executionId}`,
        sk: 'META',
        execution_id: executionId,
        workflow_id: 'steward-test',
        correlation_id: executionId,
        status: 'running',
        seq: 1,
        started_at: now,
        updated_at: now,
      });
    },
    async addService(name, answers) {
      slots.set(name, { answers: answers.length > 0 ? answers : [{}], used: 0 });
      await put(NAMES.registry, {
        pk: `SVC#${name}`,
        sk: 'META',
        service_id: name,
        name,
        base_url: `${servicesUrl}/s/${encodeURIComponent(name)}`,
        status: 'healthy',
        gsi1pk: 'SERVICES',
        gsi1sk: name,
      });
    },
    peek(name) {
      const slot = slots.get(name);
      return slot ? (slot.answers[Math.min(slot.used, slot.answers.length - 1)] ?? {}) : {};
    },
    take(name, late) {
      const slot = slots.get(name);
      if (!slot) return {};
      const answer = slot.answers[Math.min(slot.used++, slot.answers.length - 1)] ?? {};
      // An answer later than the call's timeout is never sent: the (shortened) timeout ends the call.
      slot.current = late(answer) ? { timeout: true } : answer;
      return answer;
    },
    release() {
      for (const res of held) res.destroy();
      held.clear();
    },
  };
}
