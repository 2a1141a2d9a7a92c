/**
 * Resource commands in the style of `temporal workflow list` and `kubectl get`: `steward workflows|runs|services|
 * events|alerts <verb>`. They call the REST API (local mode by default, a deployed stack with `--url`, signed with
 * SigV4), print tables for people and JSON with `--json`, and follow changing state with `--watch`.
 */
import { readFile } from 'node:fs/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { RestartServiceResponse, ServiceStatusView } from '../core/api/schemas/responses/services.ts';
import { parseJsonFile } from '../core/json-file.ts';
import { type ApiAnswer, ApiUnreachableError, callApi, errorMessage } from './client.ts';
import type { CommandModule } from './commands.ts';
import { type Column, details, table, watch } from './output.ts';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';

type Values = Record<string, string | boolean | undefined>;

/** What a verb gets: its parsed options and positionals, and a way to call the API. */
interface VerbContext {
  readonly values: Values;
  readonly args: readonly string[];
  readonly io: Io;
  readonly api: <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;
}

interface Verb {
  readonly usage: string;
  readonly summary: string;
  /** Number of positional arguments the verb takes. */
  readonly args: number;
  readonly options?: NonNullable<ParseArgsConfig['options']>;
  readonly optionsHelp?: string;
  run(ctx: VerbContext): Promise<void>;
}

/** A usage mistake: one line on stderr, exit 2. */
class UsageError extends Error {}

/** The API answered an error: its message on stderr, exit 1. */
class AnswerError extends Error {}

const COMMON: NonNullable<ParseArgsConfig['options']> = {
  url: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMON_HELP = `Common options:
  --url URL      a deployed Steward API (requests signed with SigV4 from the AWS credential chain);
                 default: local mode ($STEWARD_URL or http://127.0.0.1:4500)
  --region R     the region to sign for, when the URL does not say
  --json         print JSON instead of a table
  -h, --help     show this help
`;

const enc = encodeURIComponent;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out', 'failed_continued']);

async function jsonArg(text: string | undefined, what: string): Promise<unknown> {
  if (text === undefined) return undefined;
  const raw = text.startsWith('@') ? await readFile(text.slice(1), 'utf8') : text;
  try {
    return parseJsonFile(raw);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON (${(e as Error).message})`);
  }
}

function query(values: Values, names: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [option, param] of Object.entries(names)) {
    const v = values[option];
    if (typeof v === 'string') params.set(param, v);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function print(ctx: VerbContext, value: unknown, human: () => string): void {
  ctx.io.out(ctx.values.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

type Row = Record<string, unknown>;

/** `--watch` settings from the options: JSON lines with `--json`, refreshed every `--interval` seconds. */
function watchOptions(ctx: VerbContext): { json: boolean; intervalMs: number } {
  const text = ctx.values.interval;
  const seconds = typeof text === 'string' ? Number(text) : 2;
  if (!(seconds > 0 && seconds <= 3_600))
    throw new UsageError(`--interval must be a number of seconds from 0 to 3600, got '${text}'`);
  return { json: Boolean(ctx.values.json), intervalMs: seconds * 1_000 };
}
const col = (header: string, key: string): Column<Row> => ({ header, value: (r) => r[key] });

/** Resolves a workflow given by id or by name. */
async function workflowId(ctx: VerbContext, idOrName: string): Promise<string> {
  if (/^[0-9a-f-]{36}$/i.test(idOrName)) return idOrName;
  let token: string | undefined;
  do {
    const page = await ctx.api<{ workflows: Row[]; next_token?: string | null }>(
      'GET',
      `/workflows?limit=100${token ? `&next_token=${enc(token)}` : ''}`,
    );
    const found = page.workflows.find((w) => w.name === idOrName);
    if (found) return String(found.id);
    token = page.next_token ?? undefined;
  } while (token);
  throw new AnswerError(`no workflow named "${idOrName}"`);
}

const RUN_COLUMNS = [
  col('EXECUTION', 'execution_id'),
  col('WORKFLOW', 'workflow_name'),
  col('STATUS', 'status'),
  col('CURRENT STEP', 'current_step'),
  col('STARTED', 'started_at'),
  col('CORRELATION', 'correlation_id'),
];

const WORKFLOWS: Record<string, Verb> = {
  list: {
    usage: 'steward workflows list',
    summary: 'list workflow definitions',
    args: 0,
    async run(ctx) {
      const page = await ctx.api<{ workflows: Row[] }>('GET', '/workflows?limit=100');
      print(ctx, page, () =>
        table(page.workflows, [
          col('ID', 'id'),
          col('NAME', 'name'),
          col('VERSION', 'version'),
          col('TYPE', 'execution_type'),
          col('MANAGED BY', 'managed_by'),
          col('UPDATED', 'updated_at'),
        ]),
      );
    },
  },
  show: {
    usage: 'steward workflows show ID|NAME',
    summary: 'a workflow definition, its versions and steps',
    args: 1,
    async run(ctx) {
      const id = await workflowId(ctx, ctx.args[0] ?? '');
      const workflow = await ctx.api<Row>('GET', `/workflows/${enc(id)}`);
      const versions = await ctx.api<{ versions: Row[] }>('GET', `/workflows/${enc(id)}/versions`);
      print(ctx, { ...workflow, versions: versions.versions }, () => {
        const { definition: _definition, ...summary } = workflow;
        return `${details(summary)}\nVersions:\n${table(versions.versions, [
          col('VERSION', 'version'),
          col('SEQ', 'version_seq'),
          col('CREATED', 'created_at'),
        ])}`;
      });
    },
  },
  validate: {
    usage: 'steward workflows validate FILE',
    summary: 'validate a workflow file, here and against the API (which also knows the registered services)',
    args: 1,
    async run(ctx) {
      const file = ctx.args[0] ?? '';
      const loaded = await loadWorkflowFile(file);
      if (!loaded.ok) throw new AnswerError(formatProblems(file, loaded.problems));
      const id = await workflowId(ctx, loaded.workflow.name).catch(() => undefined);
      if (id === undefined) {
        print(ctx, { file, valid: true, checked: 'locally' }, () => `${file}: OK (checked locally: not deployed)\n`);
        return;
      }
      const result = await ctx.api<Row>('POST', `/workflows/${enc(id)}/validate`, loaded.workflow);
      print(ctx, result, () => `${file}: ${result.valid === false ? 'INVALID' : 'OK'}\n`);
      if (result.valid === false) throw new AnswerError(JSON.stringify(result.problems ?? result));
    },
  },
  deploy: {
    usage: 'steward workflows deploy FILE',
    summary: 'create the workflow, or add a new version when one of that name exists',
    args: 1,
    async run(ctx) {
      const file = ctx.args[0] ?? '';
      const loaded = await loadWorkflowFile(file);
      if (!loaded.ok) throw new AnswerError(formatProblems(file, loaded.problems));
      const existing = await workflowId(ctx, loaded.workflow.name).catch(() => undefined);
      const result =
        existing === undefined
          ? await ctx.api<Row>('POST', '/workflows', loaded.workflow)
          : await ctx.api<Row>('POST', `/workflows/${enc(existing)}/versions`, loaded.workflow);
      print(
        ctx,
        result,
        () => `${existing === undefined ? 'created' : 'new version of'} ${loaded.workflow.name}\n${details(result)}`,
      );
    },
  },
};

const RUNS: Record<string, Verb> = {
  start: {
    usage: 'steward runs start WORKFLOW [--context JSON|@file] [--idempotency-key KEY] [--correlation-id ID]',
    summary: 'start a run of a workflow (by name)',
    args: 1,
    options: {
      context: { type: 'string' },
      'idempotency-key': { type: 'string' },
      'correlation-id': { type: 'string' },
    },
    optionsHelp: `  --context JSON|@file   the run's context
  --idempotency-key KEY  start at most one run for this key
  --correlation-id ID    correlation id of the run
`,
    async run(ctx) {
      const body: Row = {
        workflow_name: ctx.args[0],
        context: (await jsonArg(ctx.values.context as string, '--context')) ?? {},
      };
      if (typeof ctx.values['idempotency-key'] === 'string') body.idempotency_key = ctx.values['idempotency-key'];
      if (typeof ctx.values['correlation-id'] === 'string') body.correlation_id = ctx.values['correlation-id'];
      const run = await ctx.api<Row>('POST', '/executions', body);
      print(ctx, run, () => details(run, ['execution_id', 'workflow_name', 'status', 'correlation_id', 'started_at']));
    },
  },
  list: {
    usage: 'steward runs list [--workflow ID] [--status S] [--correlation-id ID] [--limit N] [--watch]',
    summary: 'list runs, newest first',
    args: 0,
    options: {
      workflow: { type: 'string' },
      status: { type: 'string' },
      'correlation-id': { type: 'string' },
      limit: { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
    },
    optionsHelp: `  --workflow ID          only runs of this workflow (id)
  --status S             running, paused, completed, failed, cancelled…
  --correlation-id ID    only runs with this correlation id
  --limit N              at most N runs (default 20)
  --watch                keep the list up to date
  --interval S           seconds between refreshes with --watch (default 2)
`,
    async run(ctx) {
      const q = query(ctx.values, { workflow: 'workflow_id', status: 'status', 'correlation-id': 'correlation_id' });
      const limit = typeof ctx.values.limit === 'string' ? ctx.values.limit : '20';
      const path = `/executions${q ? `${q}&` : '?'}limit=${enc(limit)}`;
      const load = () => ctx.api<{ executions: Row[] }>('GET', path);
      const render = (page: unknown) => table((page as { executions: Row[] }).executions, RUN_COLUMNS);
      if (ctx.values.watch) return watch(ctx.io, load, render, watchOptions(ctx));
      const page = await load();
      print(ctx, page, () => render(page));
    },
  },
  show: {
    usage: 'steward runs show EXECUTION_ID [--watch]',
    summary: 'a run and its steps (--watch follows it to its end)',
    args: 1,
    options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
    optionsHelp: `  --watch                follow the run until it ends
  --interval S           seconds between refreshes with --watch (default 2)
`,
    async run(ctx) {
      const id = enc(ctx.args[0] ?? '');
      const load = async () => {
        const run = await ctx.api<Row>('GET', `/executions/${id}`);
        const steps = await ctx.api<{ steps: Row[] }>('GET', `/executions/${id}/steps`);
        return { ...run, steps: steps.steps };
      };
      const render = (value: unknown) => {
        const { steps, ...run } = value as Row & { steps: Row[] };
        return `${details(run, ['execution_id', 'workflow_name', 'status', 'current_step', 'correlation_id', 'started_at', 'completed_at', 'cancelled_at', 'error'])}\nSteps:\n${table(
          steps,
          [
            col('STEP', 'step'),
            col('STATUS', 'status'),
            col('ATTEMPTS', 'attempts'),
            col('STARTED', 'started_at'),
            col('ENDED', 'completed_at'),
          ],
        )}`;
      };
      if (ctx.values.watch) {
        const done = (v: unknown) => TERMINAL.has(String((v as Row).status));
        return watch(ctx.io, load, render, { ...watchOptions(ctx), done });
      }
      const value = await load();
      print(ctx, value, () => render(value));
    },
  },
  history: {
    usage: 'steward runs history EXECUTION_ID',
    summary: "a run's history (Step Functions events merged with step attempts)",
    args: 1,
    async run(ctx) {
      const page = await ctx.api<{ entries: Row[] }>('GET', `/executions/${enc(ctx.args[0] ?? '')}/history`);
      print(ctx, page, () =>
        table(page.entries ?? [], [
          col('TIME', 'at'),
          col('SOURCE', 'source'),
          col('KIND', 'kind'),
          col('STATE', 'state'),
          col('STATUS', 'status'),
          col('ERROR', 'error'),
        ]),
      );
    },
  },
  retry: {
    usage: 'steward runs retry EXECUTION_ID STEP [--reason TEXT]',
    summary: 'retry a failed step: the run continues from it',
    args: 2,
    options: { reason: { type: 'string' } },
    optionsHelp: '  --reason TEXT          why (kept in the record and the audit trail)\n',
    async run(ctx) {
      const [id = '', step = ''] = ctx.args;
      const body = typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {};
      const result = await ctx.api<Row>('POST', `/executions/${enc(id)}/steps/${enc(step)}/retry`, body);
      print(ctx, result, () => details(result));
    },
  },
};

for (const command of ['pause', 'resume', 'cancel'] as const) {
  RUNS[command] = {
    usage: `steward runs ${command} EXECUTION_ID [--reason TEXT]`,
    summary: `${command} a run`,
    args: 1,
    options: { reason: { type: 'string' } },
    optionsHelp: '  --reason TEXT          why (kept in the record and the audit trail)\n',
    async run(ctx) {
      const body = typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {};
      const result = await ctx.api<Row>('PUT', `/executions/${enc(ctx.args[0] ?? '')}/${command}`, body);
      print(ctx, result, () => details(result, ['execution_id', 'status', 'reason']));
    },
  };
}

const SERVICE_COLUMNS = [
  col('SERVICE', 'id'),
  col('NAME', 'name'),
  col('STATUS', 'status'),
  col('HEALTH', 'health'),
  // The shape of `/services/status` entries (lib/core/api/schemas/responses/services.ts).
  { header: 'RESTARTS', value: (r: Row) => (r as unknown as ServiceStatusView).restarts?.in_window },
  col('SINCE', 'timestamp'),
];

const SERVICES: Record<string, Verb> = {
  list: {
    usage: 'steward services list [--watch]',
    summary: 'every service with its status and health',
    args: 0,
    options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
    optionsHelp: `  --watch                keep the list up to date
  --interval S           seconds between refreshes with --watch (default 2)
`,
    async run(ctx) {
      const load = () => ctx.api<{ services: Row[] }>('GET', '/services/status');
      const render = (v: unknown) => table((v as { services: Row[] }).services, SERVICE_COLUMNS);
      if (ctx.values.watch) return watch(ctx.io, load, render, watchOptions(ctx));
      const page = await load();
      print(ctx, page, () => render(page));
    },
  },
  show: {
    usage: 'steward services show SERVICE_ID',
    summary: 'a service: its registration and the latest result of each check',
    args: 1,
    async run(ctx) {
      const id = enc(ctx.args[0] ?? '');
      const service = await ctx.api<Row>('GET', `/services/${id}`);
      const health = await ctx.api<Row>('GET', `/services/${id}/health`);
      print(ctx, { ...service, health }, () => `${details(service)}\nHealth:\n${details(health)}`);
    },
  },
  restart: {
    usage: 'steward services restart SERVICE_ID [--reason TEXT]',
    summary: 'restart a managed service now (within its restart budget; audited)',
    args: 1,
    options: { reason: { type: 'string' } },
    optionsHelp: '  --reason TEXT          why (kept in the audit trail)\n',
    async run(ctx) {
      const body = typeof ctx.values.reason === 'string' ? { reason: ctx.values.reason } : {};
      const result = await ctx.api<RestartServiceResponse>('POST', `/services/${enc(ctx.args[0] ?? '')}/restart`, body);
      print(ctx, result, () =>
        details({ ...result, restarts: `${result.restarts.in_window} in ${result.restarts.window_seconds} s` }, [
          'service_id',
          'name',
          'action',
          'detail',
          'reason',
          'attempt',
          'budget_left',
          'restarts',
        ]),
      );
    },
  },
};

const EVENTS: Record<string, Verb> = {
  send: {
    usage: 'steward events send TYPE [--data JSON|@file] [--correlation-id ID] [--source S]',
    summary: 'send an event: stored, routed to waiting runs, published on the bus',
    args: 1,
    options: { data: { type: 'string' }, 'correlation-id': { type: 'string' }, source: { type: 'string' } },
    optionsHelp: `  --data JSON|@file      the event's data (default {})
  --correlation-id ID    its correlation id
  --source S             its source (default steward.cli)
`,
    async run(ctx) {
      const body: Row = {
        type: ctx.args[0],
        source: typeof ctx.values.source === 'string' ? ctx.values.source : 'steward.cli',
        data: (await jsonArg(ctx.values.data as string, '--data')) ?? {},
      };
      if (typeof ctx.values['correlation-id'] === 'string') body.correlation_id = ctx.values['correlation-id'];
      const result = await ctx.api<Row>('POST', '/events', body);
      print(ctx, result, () => details(result));
    },
  },
  list: {
    usage: 'steward events list [--type T] [--correlation-id ID] [--from ISO] [--to ISO] [--limit N]',
    summary: 'list events, newest first',
    args: 0,
    options: {
      type: { type: 'string' },
      'correlation-id': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
    },
    optionsHelp: `  --type T               only events of this type
  --correlation-id ID    only events with this correlation id
  --from ISO, --to ISO   time range
  --limit N              at most N events
`,
    async run(ctx) {
      const q = query(ctx.values, {
        type: 'type',
        'correlation-id': 'correlation_id',
        from: 'from',
        to: 'to',
        limit: 'limit',
      });
      const page = await ctx.api<{ events: Row[] }>('GET', `/events${q}`);
      print(ctx, page, () =>
        table(page.events, [
          col('ID', 'id'),
          col('TYPE', 'type'),
          col('SOURCE', 'source'),
          col('CORRELATION', 'correlation_id'),
          col('TIME', 'timestamp'),
          col('MATCHED', 'matched'),
        ]),
      );
    },
  },
};

const ALERTS: Record<string, Verb> = {
  list: {
    usage: 'steward alerts list',
    summary: 'open and recent alerts',
    args: 0,
    async run(ctx) {
      const page = await ctx.api<{ alerts: Row[] }>('GET', '/alerts');
      print(ctx, page, () =>
        table(page.alerts, [
          col('ALERT', 'alert_id'),
          col('SEVERITY', 'severity'),
          col('SERVICE', 'service_id'),
          col('STATE', 'state'),
          col('SUMMARY', 'summary'),
          col('OPENED', 'opened_at'),
        ]),
      );
    },
  },
  ack: {
    usage: 'steward alerts ack ALERT_ID [--note TEXT]',
    summary: 'acknowledge an alert',
    args: 1,
    options: { note: { type: 'string' } },
    optionsHelp: '  --note TEXT            a note kept with the acknowledgement\n',
    async run(ctx) {
      const body = typeof ctx.values.note === 'string' ? { note: ctx.values.note } : {};
      const result = await ctx.api<Row>('PUT', `/alerts/${enc(ctx.args[0] ?? '')}/acknowledge`, body);
      print(ctx, result, () => details(result));
    },
  },
};

function helpOf(resource: string, verbs: Record<string, Verb>, what: string): string {
  const width = Math.max(...Object.keys(verbs).map((v) => v.length));
  const lines = Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`);
  return `steward ${resource} — ${what}

Usage: steward ${resource} <verb> [arguments] [options]

Verbs:
${lines.join('\n')}

Run "steward ${resource} <verb> --help" for a verb's arguments and options.
`;
}

function verbHelp(verb: Verb): string {
  return `${verb.usage}\n\n${verb.summary}\n\n${verb.optionsHelp ? `Options:\n${verb.optionsHelp}\n` : ''}${COMMON_HELP}`;
}

/** A resource command; `io` is where it writes (tests capture it). */
export interface ResourceCommand extends CommandModule {
  run(argv: string[], io?: Io): Promise<number>;
}

/** Builds the command module of one resource. */
function resource(name: string, verbs: Record<string, Verb>, what: string): ResourceCommand {
  const help = helpOf(name, verbs, what);
  return {
    help,
    async run(argv: string[], io: Io = processIo): Promise<number> {
      const [verbName, ...rest] = argv;
      if (verbName === undefined || verbName === '--help' || verbName === '-h') {
        (verbName === undefined ? io.err : io.out)(help);
        return verbName === undefined ? 2 : 0;
      }
      const verb = verbs[verbName];
      if (!verb) {
        io.err(`steward ${name}: unknown verb "${verbName}" (one of: ${Object.keys(verbs).join(', ')})\n`);
        return 2;
      }
      const prefix = `steward ${name} ${verbName}`;
      try {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...COMMON, ...verb.options },
        });
        if (values.help) {
          io.out(verbHelp(verb));
          return 0;
        }
        if (positionals.length !== verb.args) {
          throw new UsageError(`expected ${verb.usage.replace(/^steward \S+ \S+ ?/, '') || 'no arguments'}`);
        }
        const target = {
          url: typeof values.url === 'string' ? values.url : undefined,
          region: typeof values.region === 'string' ? values.region : undefined,
        };
        const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
          const answer: ApiAnswer<T> = await callApi<T>(target, method, path, body);
          if (!answer.ok) throw new AnswerError(errorMessage(answer));
          return answer.body;
        };
        await verb.run({ values: values as Values, args: positionals, io, api });
        return 0;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS')) {
          io.err(`${prefix}: ${(error as Error).message}\nRun "${prefix} --help" for usage.\n`);
          return 2;
        }
        if (error instanceof AnswerError || error instanceof ApiUnreachableError) {
          io.err(`${prefix}: ${error.message}\n`);
          return 1;
        }
        throw error;
      }
    },
  };
}

export const workflows = resource('workflows', WORKFLOWS, 'workflow definitions');
export const runs = resource('runs', RUNS, 'workflow runs (executions)');
export const services = resource('services', SERVICES, 'registered services');
export const events = resource('events', EVENTS, 'events');
export const alerts = resource('alerts', ALERTS, 'alerts');
