import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalSteward } from '../local/runtime.ts';
import { DEFAULT_PORTS, DEFAULT_ROOT, LocalStartError, readSecretsFile } from '../local/start-options.ts';
import { loadTemplates } from '../local/templates.ts';
import { LogFile } from './log-file.ts';

/** Usage of `steward local` (`npm start`). */
export const help = `steward local — run the whole Steward stack on this machine, no AWS account needed

Usage:
  npm start [-- options]        (same as: npx steward local [options])

Options:
  --port N            Steward's REST API and console (default ${DEFAULT_PORTS.api})
  --aws-port N        the local AWS endpoint: Step Functions, EventBridge, Lambda, ECS, SNS, SQS, CloudWatch (default ${DEFAULT_PORTS.aws})
  --dynamodb-port N   local DynamoDB (default ${DEFAULT_PORTS.dynamodb})
  --data DIR          keep DynamoDB's data and Step Functions' state (machines, runs and their history) in DIR
                      across restarts; runs that were running continue (default: in memory)
  --speed N           run schedules N times faster (probes, reconciler, alerts), e.g. --speed 6
  --no-samples        leave out the sample services of services.json (not registered, run nor probed), the
                      workflows that call them, and the seed run
  --tier T            dev | staging | prod (default dev)
  --logs FILE         write every function's log lines to FILE (default .steward/local.log; past 64 MB it is
                      renamed FILE.1 and a new one begun)
  --secrets FILE      serve these Secrets Manager secrets and SSM parameters (JSON: {"secrets": {name: value},
                      "parameters": {"/name": value}}) to services' auth; samples/secrets.json is served with samples
  --iam on|off        authorize every AWS call a function makes against its role from the templates, and check
                      at start what AWS checks at create time (default on). off: calls must still be signed, but
                      nothing is refused and the create-time checks only warn
  --accept-finding ID report this create-time finding (e.g. vpc-eni:prober) without refusing to start;
                      repeatable. For a known gap whose fix is on its way, never as a way around a real one
  -h, --help          this text

Everything listens on 127.0.0.1 only. The local AWS endpoints accept only signed requests: each function signs
with its own role's key; for your own tools (AWS CLI, SDK scripts) use the operator key printed at start.
Stop with Ctrl-C.
`;

function port(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new LocalStartError(`${flag} must be a port number (0-65535), got '${value}'`);
  return n;
}

/** The guide printed once local mode is ready. */
export function guide(steward: LocalSteward): string {
  const api = steward.urls.api;
  const seed = steward.seedExecutionId;
  return [
    '',
    `Steward local is ready in ${(steward.startedInMs / 1000).toFixed(1)} s`,
    '',
    `  Console         ${api}/console/`,
    `  REST API        ${api}   (OpenAPI: ${api}/openapi.json)`,
    `  AWS endpoint    ${steward.urls.aws}   (AWS_ENDPOINT_URL=${steward.urls.aws})`,
    `  DynamoDB        ${steward.urls.dynamodb}`,
    `  IAM             ${steward.iam.enforcing ? "enforced: every AWS call is authorized against its function's role (--iam off to turn off)" : 'off (--iam off): calls are signed, nothing is refused'}`,
    `  Operator key    AWS_ACCESS_KEY_ID=${steward.iam.operator.accessKeyId} AWS_SECRET_ACCESS_KEY=${steward.iam.operator.secretAccessKey}`,
    '                  (full rights on the local endpoints, this run only: for the AWS CLI and your scripts)',
    `  ${steward.wiring.functions.length} functions, ${steward.wiring.stateMachines.length} state machines, ${steward.wiring.rules.length} rules, ${steward.wiring.schedules.length} schedules`,
    '',
    seed
      ? `  The seed workflow "Agent Task Execution" is running: ${seed}\n  It waits for agent.task_completed, which the sample agent-orchestrator sends a few seconds later.`
      : '  Without the samples (--no-samples): no sample service, no workflow calling one, no seed run.',
    '',
    'Try:',
    `  curl -s ${api}/services/status`,
    `  curl -s ${api}/executions${seed ? `/${seed}/steps` : ''}`,
    ...(seed
      ? [
          `  curl -s -X POST ${api}/executions -H 'content-type: application/json' \\`,
          `       -d '{"workflow_name":"Agent Task Execution","context":{"project_id":"p1","task_id":"t1","agent_id":"a1"}}'`,
        ]
      : []),
    `  curl -s -X POST ${api}/events -H 'content-type: application/json' \\`,
    `       -d '{"type":"agent.task_completed","source":"me","data":{"task_id":"t1","agent_id":"a1","result":{}}}'`,
    `  npx steward api GET /workflows${api === `http://127.0.0.1:${DEFAULT_PORTS.api}` ? '' : ` --url ${api}`}`,
    '',
  ].join('\n');
}

/** Runs `steward local`; resolves with the exit code once stopped (Ctrl-C / SIGTERM). */
export async function run(argv: string[]): Promise<number> {
  let steward: LocalSteward;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'aws-port': { type: 'string' },
        'dynamodb-port': { type: 'string' },
        data: { type: 'string' },
        speed: { type: 'string' },
        'no-samples': { type: 'boolean' },
        tier: { type: 'string' },
        logs: { type: 'string' },
        secrets: { type: 'string' },
        iam: { type: 'string' },
        'accept-finding': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    const speed = values.speed === undefined ? 1 : Number(values.speed);
    if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) {
      throw new LocalStartError(`--speed must be a number above 0 (up to 1000), got '${values.speed}'`);
    }
    if (values.iam !== undefined && values.iam !== 'on' && values.iam !== 'off') {
      throw new LocalStartError(`--iam must be 'on' or 'off', got '${values.iam}'`);
    }
    const ports = {
      api: port(values.port, '--port', DEFAULT_PORTS.api),
      aws: port(values['aws-port'], '--aws-port', DEFAULT_PORTS.aws),
      dynamodb: port(values['dynamodb-port'], '--dynamodb-port', DEFAULT_PORTS.dynamodb),
    };
    const secrets = values.secrets === undefined ? undefined : readSecretsFile(resolve(values.secrets));
    const logFile = resolve(values.logs ?? '.steward/local.log');
    const logs = new LogFile(logFile);
    process.stderr.write('steward local: starting…\n');
    // The options hold: the synthesis (a thread of its own, seconds when the inputs changed) starts now, while the
    // rest of local mode's code loads (about a second).
    const samples = !values['no-samples'];
    const templates = loadTemplates(DEFAULT_ROOT, values.tier ?? 'dev', { samples });
    templates.catch(() => undefined); // startLocal reports it
    const [{ startLocal }, { BACKGROUND_NICE }] = await Promise.all([
      import('../local/runtime.ts'),
      import('../local/backend.ts'),
    ]);
    steward = await startLocal({
      ports,
      dataDir: values.data === undefined ? undefined : resolve(values.data),
      speed,
      samples,
      tier: values.tier,
      templates,
      ...(secrets === undefined ? {} : { secrets }),
      iam: values.iam !== 'off',
      acceptFindings: values['accept-finding'],
      onFunctionLog: (name, line) => logs.write(`${name} ${line}`),
      backgroundNice: BACKGROUND_NICE,
    });
    process.stdout.write(guide(steward));
    process.stdout.write(`  Function logs: ${logFile}\n\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`steward local: ${message}\n`);
    return 1;
  }
  return new Promise<number>((done) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\nsteward local: ${signal}, stopping…\n`);
      // Whatever a handler left open (timers, sockets) must not keep a stopped Steward alive.
      const finish = (code: number): void => {
        done(code);
        setTimeout(() => process.exit(code), 1_000).unref();
      };
      const timer = setTimeout(() => {
        process.stderr.write('steward local: stopping took over 15 s; exiting anyway\n');
        process.exit(1);
      }, 15_000);
      steward.stop().then(
        () => {
          clearTimeout(timer);
          finish(0);
        },
        () => finish(1),
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
