/**
 * What AWS checks when the stack is created, checked when local mode builds it from the templates, so a deployment
 * that CloudFormation or a service would refuse fails locally first:
 * - a function with `VpcConfig` needs the network-interface permissions on its role (Lambda refuses to create it);
 * - every role's trust policy admits the service that assumes it (lambda, states, scheduler, events, ecs-tasks);
 * - every invocation the templates wire is allowed where AWS checks it: rules and subscriptions by the function's
 *   resource policy, schedules and state machines by their roles, API Gateway by the route's Lambda permission,
 *   alarms by the topic's policy and its key's policy, dead-letter queues by their queue policies or the sender's role;
 * - every AWS managed policy a role attaches is one local mode knows.
 */
import { LOG_DELIVERY_ACTIONS, VPC_ENI_ACTIONS } from '../../core/aws-permissions.ts';
import { type IamAuthorizer, identityStatement, resourceStatement } from './authorizer.ts';
import type { PolicyStatement } from './managed.ts';
import type { IamModel } from './model.ts';

/** One failed check. */
export interface Finding {
  /** Stable id, e.g. `vpc-eni:step-runner` (what a known-gap list names). */
  id: string;
  /** The resource that fails (a function, role, rule …). */
  subject: string;
  /** What is missing, and what AWS does about it. */
  problem: string;
  /** The statement that would allow it (to add to the role or resource policy named in `problem`). */
  allowingStatement?: PolicyStatement;
}

/** The log-delivery actions a role lacks (empty when it may deliver a state machine's logs). */
export async function missingLogDelivery(authorizer: IamAuthorizer, roleArn: string): Promise<string[]> {
  const missing: string[] = [];
  for (const action of LOG_DELIVERY_ACTIONS) {
    if (!(await authorizer.roleAllows(roleArn, { action, resource: '*' }))) missing.push(action);
  }
  return missing;
}

/** An API route local mode serves, for the API Gateway → Lambda permission check. */
export interface RouteToCheck {
  method: string;
  path: string;
  functionName: string;
}

const shortName = (arn: string): string => arn.replace(/^.*[:/]/, '');

/** Runs every create-time check; resolves with the findings (empty when the stack would create and wire up). */
export async function createTimeChecks(
  model: IamModel,
  authorizer: IamAuthorizer,
  routes: readonly RouteToCheck[] = [],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const fnByArn = new Map(model.functions.map((f) => [f.arn, f]));
  const label = (arn: string): string => {
    const fn = fnByArn.get(arn.replace(/(:function:[^:]+):.+$/, '$1'));
    return fn?.id ?? fn?.name ?? shortName(arn);
  };

  for (const role of model.roles.values()) {
    for (const arn of role.unknownManagedPolicies) {
      findings.push({
        id: `managed-policy:${shortName(arn)}`,
        subject: role.name,
        problem: `role ${role.name} attaches ${arn}, whose document local mode does not know: add it to lib/local/iam/managed.ts`,
      });
    }
  }

  // The service assumes the role on behalf of a resource, named by aws:SourceArn (a trust policy may require it).
  const trust = async (
    roleArn: string | undefined,
    service: string,
    usedBy: string,
    sourceArn?: string,
  ): Promise<void> => {
    if (roleArn === undefined) return;
    const role = model.roles.get(roleArn);
    if (!role) return; // A role from outside the templates: nothing local mode can read.
    const request = { action: 'sts:AssumeRole', resource: roleArn };
    if (await authorizer.serviceAllows(service, sourceArn, request, role.trust)) return;
    findings.push({
      id: `trust:${role.name}:${service}`,
      subject: role.name,
      problem: `${usedBy} runs as role ${role.name}, whose trust policy does not admit ${service}: the service cannot assume it`,
      allowingStatement: { Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' },
    });
  };
  const roleMay = async (id: string, roleArn: string | undefined, action: string, resource: string, what: string) => {
    if (roleArn === undefined) return;
    const request = { action, resource };
    if (await authorizer.roleAllows(roleArn, request)) return;
    findings.push({
      id,
      subject: shortName(roleArn),
      problem: `${what}: role ${shortName(roleArn)} is not allowed ${action} on ${resource}`,
      allowingStatement: identityStatement(request),
    });
  };
  const serviceMay = async (
    id: string,
    service: string,
    sourceArn: string,
    action: string,
    resource: string,
    what: string,
  ) => {
    const request = { action, resource };
    if (await authorizer.serviceAllows(service, sourceArn, request)) return;
    findings.push({
      id,
      subject: shortName(resource),
      problem: `${what}: no resource-based policy of ${resource} allows ${service} ${action} from ${sourceArn}`,
      allowingStatement: resourceStatement(service, sourceArn, request),
    });
  };

  for (const fn of model.functions) {
    const name = fn.id ?? fn.name;
    await trust(fn.roleArn, 'lambda.amazonaws.com', `function ${name}`);
    if (fn.inVpc) {
      const missing: string[] = [];
      for (const action of VPC_ENI_ACTIONS) {
        if (!(await authorizer.roleAllows(fn.roleArn, { action, resource: '*' }))) missing.push(action);
      }
      if (missing.length > 0) {
        findings.push({
          id: `vpc-eni:${name}`,
          subject: name,
          problem:
            `function ${name} has VpcConfig but its role ${shortName(fn.roleArn)} lacks ${missing.join(', ')}: ` +
            'Lambda refuses to create it ("The provided execution role does not have permissions to call ' +
            'CreateNetworkInterface on EC2"); attach AWSLambdaVPCAccessExecutionRole or add',
          allowingStatement: { Effect: 'Allow', Action: [...VPC_ENI_ACTIONS], Resource: '*' },
        });
      }
    }
    for (const target of fn.failureTargets) {
      const action = target.includes(':sns:') ? 'sns:Publish' : 'sqs:SendMessage';
      await roleMay(
        `destination:${name}:${shortName(target)}`,
        fn.roleArn,
        action,
        target,
        `function ${name} sends failed events to ${shortName(target)}`,
      );
    }
  }

  for (const machine of model.stateMachines) {
    await trust(machine.roleArn, 'states.amazonaws.com', `state machine ${machine.name}`, machine.arn);
    if (machine.logs) {
      const missing = await missingLogDelivery(authorizer, machine.roleArn);
      if (missing.length > 0) {
        findings.push({
          id: `sfn-logs:${machine.name}`,
          subject: machine.name,
          problem: `state machine ${machine.name} logs to CloudWatch Logs but its role ${shortName(machine.roleArn)} lacks ${missing.join(', ')}: Step Functions refuses to create it ("The state machine IAM Role is not authorized to access the Log Destination")`,
          allowingStatement: { Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: '*' },
        });
      }
    }
    const invoked = new Set(
      [
        ...machine.definition.matchAll(
          /arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?/g,
        ),
      ].map((m) => m[0]),
    );
    for (const fnArn of invoked) {
      await roleMay(
        `sfn-invoke:${machine.name}:${label(fnArn)}`,
        machine.roleArn,
        'lambda:InvokeFunction',
        fnArn,
        `state machine ${machine.name} invokes ${label(fnArn)}`,
      );
    }
  }

  for (const schedule of model.schedules) {
    await trust(
      schedule.roleArn,
      'scheduler.amazonaws.com',
      `schedule ${schedule.name}`,
      schedule.arn.replace(/:schedule\/([^/]+)\/.*$/, ':schedule-group/$1'),
    );
    if (schedule.roleArn === undefined) {
      findings.push({
        id: `schedule-role:${schedule.name}`,
        subject: schedule.name,
        problem: `schedule ${schedule.name} has no Target.RoleArn: EventBridge Scheduler needs a role to invoke its target`,
      });
      continue;
    }
    const action = schedule.targetArn.includes(':states:') ? 'states:StartExecution' : 'lambda:InvokeFunction';
    await roleMay(
      `schedule-invoke:${schedule.name}`,
      schedule.roleArn,
      action,
      schedule.targetArn,
      `schedule ${schedule.name} invokes ${label(schedule.targetArn)}`,
    );
    if (schedule.dlqArn) {
      await roleMay(
        `schedule-dlq:${schedule.name}`,
        schedule.roleArn,
        'sqs:SendMessage',
        schedule.dlqArn,
        `schedule ${schedule.name} sends undeliverable events to its DLQ`,
      );
    }
  }

  for (const rule of model.rules) {
    for (const target of rule.targets) {
      if (target.roleArn !== undefined) {
        await trust(target.roleArn, 'events.amazonaws.com', `rule ${rule.name}`, rule.arn);
        const action = target.arn.includes(':states:') ? 'states:StartExecution' : 'lambda:InvokeFunction';
        await roleMay(
          `rule-invoke:${rule.name}:${label(target.arn)}`,
          target.roleArn,
          action,
          target.arn,
          `rule ${rule.name} targets ${label(target.arn)}`,
        );
      } else if (target.arn.includes(':lambda:')) {
        await serviceMay(
          `rule-invoke:${rule.name}:${label(target.arn)}`,
          'events.amazonaws.com',
          rule.arn,
          'lambda:InvokeFunction',
          target.arn,
          `rule ${rule.name} targets ${label(target.arn)}`,
        );
      } else if (target.arn.includes(':sqs:')) {
        await serviceMay(
          `rule-invoke:${rule.name}:${shortName(target.arn)}`,
          'events.amazonaws.com',
          rule.arn,
          'sqs:SendMessage',
          target.arn,
          `rule ${rule.name} targets ${shortName(target.arn)}`,
        );
      }
      if (target.dlqArn) {
        await serviceMay(
          `rule-dlq:${rule.name}`,
          'events.amazonaws.com',
          rule.arn,
          'sqs:SendMessage',
          target.dlqArn,
          `rule ${rule.name} sends undeliverable events to its DLQ`,
        );
      }
    }
  }

  for (const sub of model.subscriptions) {
    if (sub.protocol === 'lambda') {
      await serviceMay(
        `sns-invoke:${shortName(sub.topicArn)}:${label(sub.endpoint)}`,
        'sns.amazonaws.com',
        sub.topicArn,
        'lambda:InvokeFunction',
        sub.endpoint,
        `topic ${shortName(sub.topicArn)} delivers to ${label(sub.endpoint)}`,
      );
    }
    if (sub.dlqArn) {
      await serviceMay(
        `sns-dlq:${shortName(sub.topicArn)}:${label(sub.endpoint)}`,
        'sns.amazonaws.com',
        sub.topicArn,
        'sqs:SendMessage',
        sub.dlqArn,
        `the subscription of ${label(sub.endpoint)} to ${shortName(sub.topicArn)} sends undeliverable messages to its DLQ`,
      );
    }
  }

  for (const alarm of model.alarms) {
    for (const action of alarm.actions.filter((a) => a.includes(':sns:'))) {
      await serviceMay(
        `alarm-publish:${shortName(action)}`,
        'cloudwatch.amazonaws.com',
        alarm.arn,
        'sns:Publish',
        action,
        `alarm ${alarm.name} notifies ${shortName(action)}`,
      );
      const key = model.topicKeys.get(action);
      if (key) {
        for (const kmsAction of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          await serviceMay(
            `alarm-key:${shortName(action)}:${kmsAction}`,
            'cloudwatch.amazonaws.com',
            alarm.arn,
            kmsAction,
            key,
            `alarm ${alarm.name} notifies the encrypted topic ${shortName(action)}`,
          );
        }
      }
    }
  }

  for (const task of model.tasks) {
    await trust(task.taskRoleArn, 'ecs-tasks.amazonaws.com', `task definition ${task.family}`);
    await trust(task.executionRoleArn, 'ecs-tasks.amazonaws.com', `task definition ${task.family}`);
  }

  if (model.restApi) {
    const { id, stage } = model.restApi;
    for (const route of routes) {
      const fn = model.functions.find((f) => f.name === route.functionName);
      if (!fn) continue;
      const sourceArn = `arn:aws:execute-api:${model.region}:${model.account}:${id}/${stage}/${route.method}${route.path}`;
      await serviceMay(
        `api-invoke:${route.method} ${route.path}`,
        'apigateway.amazonaws.com',
        sourceArn,
        'lambda:InvokeFunction',
        fn.arn,
        `API route ${route.method} ${route.path} invokes ${label(fn.arn)}`,
      );
    }
  }
  // One finding per id: a repeated edge (two alarms on one topic) says the same thing once.
  return [...new Map(findings.map((f) => [f.id, f])).values()];
}

/** One message listing findings, for local mode's start failure. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings
    .map(
      (f) =>
        `  - [${f.id}] ${f.problem}${f.allowingStatement ? `\n      allowed by: ${JSON.stringify(f.allowingStatement)}` : ''}`,
    )
    .join('\n');
}
