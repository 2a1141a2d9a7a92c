/**
 * The deploy preflight: for every function of a synthesized tier, the SDK commands its bundle can send (read from
 * the bundle itself, so the list cannot drift from the code), each mapped through the action table to the concrete
 * ARNs it hits at run time (the function's environment and the template's resources), and checked against the
 * function's role with the same evaluator local mode enforces with.
 */

import { ENV } from '../../core/env.ts';
import { apiTriggerName } from '../../core/workflow/triggers.ts';
import type { StackTemplate } from '../cfn.ts';
import { deriveWiring, type LocalWiring } from '../wiring.ts';
import {
  type AccessRequest,
  accessRequests,
  CLIENT_PACKAGES,
  DOCUMENT_COMMANDS,
  type OperationInput,
  type ServiceKey,
} from './actions.ts';
import { IamAuthorizer, identityStatement } from './authorizer.ts';
import type { PolicyStatement } from './managed.ts';
import { deriveIamModel } from './model.ts';

/** An SDK operation a bundle sends. */
export interface BundleCommand {
  service: ServiceKey;
  operation: string;
  /**
   * For each module that constructs it, the environment variables that module reads (`HISTORY_TABLE_NAME` …): a
   * repository's commands go to the table it is configured with, not to every table the function knows.
   */
  contexts: string[][];
}

/** One decision of the preflight. */
export interface PreflightCheck {
  functionId: string;
  service: ServiceKey;
  operation: string;
  action: string;
  resource: string;
  allowed: boolean;
  /** For a denial: the statement the role needs. */
  allowingStatement?: PolicyStatement;
}

/** The preflight of one tier. */
export interface PreflightReport {
  checked: number;
  allowed: number;
  checks: PreflightCheck[];
  denied: PreflightCheck[];
  /** Commands the preflight found no concrete target for (`<function> <service>:<operation>`). */
  unresolved: string[];
  /** Commands per function, as read from the bundles. */
  commands: Record<string, string[]>;
}

// esbuild writes `// <path>` before each module; the path is relative to the working directory and may reach a
// node_modules elsewhere (a linked install), so only what follows the last `node_modules/` says which package it is.
const MODULE_HEADER = /^\/\/ (\S+\.[cm]?[jt]sx?)$/;
const SDK_COMMAND_MODULE =
  /(?:^|\/)node_modules\/@aws-sdk\/([a-z0-9-]+)\/dist-es\/commands\/([A-Za-z0-9]+)Command\.js$/;

/**
 * The SDK operations a bundle's own code constructs (`new XxxCommand(…)` outside node_modules), resolved through
 * the bundle's module of each command class, so the SDK's internal commands (endpoint discovery, credential
 * providers) and unused paginators do not count. Expects esbuild's unminified output, which marks every module.
 */
export function commandsInBundle(source: string): BundleCommand[] {
  const classes = new Map<string, Omit<BundleCommand, 'contexts'>>();
  const ownCode: string[] = [];
  const envNames = new Map(Object.entries(ENV));
  let current = '';
  let buffer: string[] = [];
  const flush = (): void => {
    const text = buffer.join('\n');
    const sdk = SDK_COMMAND_MODULE.exec(current);
    if (sdk) {
      const service = CLIENT_PACKAGES[sdk[1]!];
      const name = sdk[2]!;
      const operation = sdk[1] === 'lib-dynamodb' ? DOCUMENT_COMMANDS[name] : name;
      if (service && operation) {
        for (const m of text.matchAll(/var (\w+) = class extends/g)) classes.set(m[1]!, { service, operation });
      }
    } else if (current !== '' && !/(?:^|\/)node_modules\//.test(current)) {
      ownCode.push(text);
    }
    buffer = [];
  };
  for (const line of source.split('\n')) {
    const header = MODULE_HEADER.exec(line);
    if (header) {
      flush();
      current = header[1]!;
    } else {
      buffer.push(line);
    }
  }
  flush();
  const found = new Map<string, BundleCommand>();
  for (const text of ownCode) {
    const env = [...new Set([...text.matchAll(/\bENV\.(\w+)/g)].map((m) => envNames.get(m[1]!) ?? m[1]!))].sort();
    for (const m of text.matchAll(/new (\w+)\(/g)) {
      const command = classes.get(m[1]!);
      if (!command) continue;
      const key = `${command.service}:${command.operation}`;
      const entry = found.get(key) ?? { ...command, contexts: [] };
      if (!entry.contexts.some((c) => c.join() === env.join())) entry.contexts.push(env);
      found.set(key, entry);
    }
  }
  return [...found.values()].sort((a, b) => `${a.service}:${a.operation}`.localeCompare(`${b.service}:${b.operation}`));
}

const splitList = (v: string | undefined): string[] => (v ?? '').split(',').filter((x) => x !== '');
const EXAMPLE_ID = '00000000-0000-4000-8000-000000000001';

/**
 * The inputs a function can send for an operation at run time, from its environment and the deployment: every
 * table (and index) it is configured with, every state machine (deployed, and one created over the API under the
 * prefix) with its versions and aliases, its bus, clusters, topic, functions it invokes.
 */
const TABLE_VARIABLES: readonly string[] = [ENV.registryTable, ENV.historyTable];

function targets(
  env: Record<string, string>,
  context: readonly string[],
  wiring: LocalWiring,
  service: ServiceKey,
  operation: string,
): OperationInput[] {
  switch (service) {
    case 'dynamodb': {
      // The tables the constructing module is configured with; a module naming none may use any the function has.
      const named = context.filter((v) => TABLE_VARIABLES.includes(v)).map((v) => env[v]);
      const configured = named.length > 0 ? named : TABLE_VARIABLES.map((v) => env[v]);
      const tables = wiring.tables.filter((t) => configured.includes(t.name));
      return tables.flatMap((t): OperationInput[] => {
        if (operation === 'Query' || operation === 'Scan') {
          const gsis = (t.globalSecondaryIndexes as Array<{ IndexName: string }>).map((g) => g.IndexName);
          return [{ TableName: t.name }, ...gsis.map((IndexName) => ({ TableName: t.name, IndexName }))];
        }
        if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') return [{ RequestItems: { [t.name]: [] } }];
        if (operation === 'TransactWriteItems') return [{ TransactItems: [{ Put: { TableName: t.name } }] }];
        return [{ TableName: t.name }];
      });
    }
    case 'states': {
      const prefix = env[ENV.stateMachinePrefix];
      const deployed = wiring.stateMachines.filter((m) => prefix === undefined || m.name.startsWith(prefix));
      const apiMachine =
        prefix === undefined
          ? []
          : [`${deployed[0]?.arn.replace(/stateMachine:.*$/, 'stateMachine:') ?? ''}${prefix}api-workflow`];
      const machines = [...deployed.map((m) => m.arn), ...apiMachine];
      const qualified = [
        ...deployed.flatMap((m) => [m.arn, ...m.versions, ...m.aliases.map((a) => a.arn)]),
        ...apiMachine.flatMap((a) => [a, `${a}:1`, `${a}:live`]),
      ];
      const executions = [
        ...deployed.map((m) => m.arn.replace(':stateMachine:', m.type === 'EXPRESS' ? ':express:' : ':execution:')),
        ...apiMachine.map((a) => a.replace(':stateMachine:', ':execution:')),
      ].map((e) => `${e}:${EXAMPLE_ID}`);
      const standardExecutions = executions.filter((e) => e.includes(':execution:'));
      switch (operation) {
        case 'StartExecution':
        case 'StartSyncExecution':
        case 'DescribeStateMachine':
          return qualified.map((stateMachineArn) => ({ stateMachineArn }));
        case 'ListExecutions':
          return machines.map((stateMachineArn) => ({ stateMachineArn }));
        case 'DescribeExecution':
        case 'StopExecution':
          return executions.map((executionArn) => ({ executionArn }));
        case 'GetExecutionHistory':
        case 'RedriveExecution':
          return standardExecutions.map((executionArn) => ({ executionArn }));
        case 'CreateStateMachine':
          return apiMachine.map((arn) => ({
            name: arn.replace(/^.*:stateMachine:/, ''),
            roleArn: env[ENV.stateMachineRoleArn],
            publish: true,
          }));
        case 'UpdateStateMachine':
          return apiMachine.map((stateMachineArn) => ({
            stateMachineArn,
            roleArn: env[ENV.stateMachineRoleArn],
            publish: true,
          }));
        case 'DeleteStateMachine':
        case 'PublishStateMachineVersion':
        case 'ListStateMachineVersions':
        case 'ListStateMachineAliases':
          return apiMachine.map((stateMachineArn) => ({ stateMachineArn }));
        case 'CreateStateMachineAlias':
          return apiMachine.map((arn) => ({
            name: 'live',
            routingConfiguration: [{ stateMachineVersionArn: `${arn}:1`, weight: 100 }],
          }));
        case 'UpdateStateMachineAlias':
        case 'DescribeStateMachineAlias':
        case 'DeleteStateMachineAlias':
          return apiMachine.map((arn) => ({ stateMachineAliasArn: `${arn}:live` }));
        case 'DeleteStateMachineVersion':
          return apiMachine.map((arn) => ({ stateMachineVersionArn: `${arn}:1` }));
        default:
          return [{}];
      }
    }
    case 'events': {
      const bus = env[ENV.eventBus];
      if (bus === undefined) return [];
      if (operation === 'PutEvents') {
        return [{ Entries: [{ EventBusName: bus, Source: 'steward', DetailType: 'workflow.started' }] }];
      }
      // Rules of API-created workflows' event triggers, on Steward's bus under the deployment's trigger prefix.
      const prefix = env[ENV.stateMachinePrefix];
      if (prefix === undefined) return [];
      const rule = apiTriggerName(prefix, EXAMPLE_ID, 0);
      return [{ Name: rule, Rule: rule, EventBusName: bus }];
    }
    case 'scheduler': {
      const prefix = env[ENV.stateMachinePrefix];
      if (prefix === undefined) return [];
      const target = { Arn: env[ENV.workflowTriggerArn], RoleArn: env[ENV.triggerSchedulerRoleArn] };
      return [{ Name: apiTriggerName(prefix, EXAMPLE_ID, 0), GroupName: 'default', Target: target }];
    }
    case 'ecs': {
      const clusters = splitList(env[ENV.ecsClusters]);
      return clusters.flatMap((cluster) => {
        const name = cluster.replace(/^.*:cluster\//, '');
        const services = wiring.containerServices.filter((s) => s.cluster === name).map((s) => s.serviceName);
        const someService = services[0] ?? 'service';
        switch (operation) {
          case 'DescribeServices':
            return [{ cluster, services: services.length > 0 ? services : [someService] }];
          case 'UpdateService':
            return (services.length > 0 ? services : [someService]).map((service) => ({ cluster, service }));
          case 'DescribeTasks':
            return [{ cluster, tasks: [EXAMPLE_ID.replace(/-/g, '')] }];
          case 'StopTask':
            return [{ cluster, task: EXAMPLE_ID.replace(/-/g, '') }];
          case 'ListTasks':
            return [{ cluster, serviceName: someService }];
          default:
            return [{ cluster }];
        }
      });
    }
    case 'lambda': {
      const names = [env[ENV.restarterFunction], ...splitList(env[ENV.customCheckFunctions])].filter(
        (x): x is string => x !== undefined && x !== '',
      );
      return names.map((FunctionName) => ({ FunctionName }));
    }
    case 'sns': {
      const topic = env[ENV.alertTopicArn];
      return topic === undefined ? [] : [{ TopicArn: topic, Message: '{}' }];
    }
    case 'servicediscovery': {
      const namespaces = splitList(env[ENV.cloudMapNamespaces]);
      if (operation === 'GetNamespace') return namespaces.map((Id) => ({ Id }));
      if (operation === 'ListInstances' || operation === 'GetService')
        return [{ ServiceId: 'srv-example', Id: 'srv-example' }];
      return [{ Filters: namespaces.map((n) => ({ Name: 'NAMESPACE_ID', Values: [n] })) }];
    }
    case 'cloudwatch':
      return [{ Namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'Steward' }];
    case 'sqs': {
      const queues = wiring.queues.filter(
        (q) => Object.values(env).includes(q.url) || Object.values(env).includes(q.arn),
      );
      return queues.map((q) => ({ QueueUrl: q.url }));
    }
    default:
      return [];
  }
}

/** Runs the preflight of one synthesized tier against the functions' bundles (function id → source text). */
export async function preflight(
  stacks: readonly StackTemplate[],
  bundles: ReadonlyMap<string, string>,
): Promise<PreflightReport> {
  const wiring = deriveWiring(stacks);
  const model = deriveIamModel(stacks);
  const authorizer = new IamAuthorizer(model, { enforce: true });
  const report: PreflightReport = { checked: 0, allowed: 0, checks: [], denied: [], unresolved: [], commands: {} };
  for (const fn of model.functions) {
    if (fn.id === undefined) continue;
    const source = bundles.get(fn.id);
    if (source === undefined) throw new Error(`no bundle for function ${fn.id}`);
    const env = wiring.functions.find((f) => f.name === fn.name)?.environment ?? {};
    const commands = commandsInBundle(source);
    report.commands[fn.id] = commands.map((c) => `${c.service}:${c.operation}`);
    for (const command of commands) {
      const inputs = command.contexts.flatMap((context) =>
        targets(env, context, wiring, command.service, command.operation),
      );
      if (inputs.length === 0) {
        report.unresolved.push(`${fn.id} ${command.service}:${command.operation}`);
        continue;
      }
      const requests = new Map<string, AccessRequest>();
      for (const input of inputs) {
        const mapped = accessRequests(command.service, command.operation, input, authorizer.scope);
        if (mapped === undefined) {
          report.unresolved.push(`${fn.id} ${command.service}:${command.operation} (not in lib/local/iam/actions.ts)`);
          continue;
        }
        for (const r of mapped) {
          if (r.resource !== '*' && !r.resource.startsWith('arn:')) {
            report.unresolved.push(
              `${fn.id} ${command.service}:${command.operation} (no concrete ${r.action} target: teach targets() in lib/local/iam/preflight.ts)`,
            );
            continue;
          }
          requests.set(`${r.action} ${r.resource} ${JSON.stringify(r.context ?? {})}`, r);
        }
      }
      for (const request of requests.values()) {
        const allowed = await authorizer.roleAllows(fn.roleArn, request);
        const check: PreflightCheck = {
          functionId: fn.id,
          service: command.service,
          operation: command.operation,
          action: request.action,
          resource: request.resource,
          allowed,
          ...(allowed ? {} : { allowingStatement: identityStatement(request) }),
        };
        report.checks.push(check);
        report.checked++;
        if (allowed) report.allowed++;
        else report.denied.push(check);
      }
    }
  }
  return report;
}
