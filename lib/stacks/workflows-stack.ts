import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.ts';
import { ExpressExecutionLogs } from '../constructs/express-logs.ts';
import {
  type RegisteredWorkflow,
  type RegistrarProvider,
  Registration,
  WaitDeclarations,
} from '../constructs/registration.ts';
import { StateMachineRuntimeRole } from '../constructs/runtime-role.ts';
import { ScheduleInvoker } from '../constructs/schedules.ts';
import { type AuthenticatedService, ServiceAuthGrants } from '../constructs/service-auth-grants.ts';
import type { ServicesNetwork } from '../constructs/services-network.ts';
import { StewardBus } from '../constructs/steward-bus.ts';
import { StewardFunction } from '../constructs/steward-function.ts';
import { WorkflowStateMachine } from '../constructs/workflow-state-machine.ts';
import { ApiWorkflowTriggers, WorkflowTriggers } from '../constructs/workflow-triggers.ts';
import { functionSpec } from '../core/functions.ts';
import { waitedEventTypes } from '../core/workflow/names.ts';
import type { DeployedWorkflow } from './inputs.ts';
import type { StewardSettings } from './settings.ts';

/** What the workflow runtime provides to every workflows stack (the first one creates it). */
export interface WorkflowRuntime {
  readonly stepRunner: lambda.IFunction;
  readonly waiter: lambda.IFunction;
  readonly workflowTrigger: lambda.IFunction;
  readonly bus: events.IEventBus;
  readonly runtimeRole: iam.IRole;
  /** Where Express state machines log; subscribed by the status handler. */
  readonly expressLogs: ExpressExecutionLogs;
  /** Role and dead-letter queues of the triggers of API-created workflows. */
  readonly apiTriggers: ApiWorkflowTriggers;
}

/** Properties of a {@link WorkflowsStack}. */
export interface WorkflowsStackProps extends StackProps {
  readonly settings: StewardSettings;
  readonly registry: dynamodb.ITable;
  readonly history: dynamodb.ITable;
  readonly alertTopic: sns.ITopic;
  readonly registrar: RegistrarProvider;
  /** The runtime of the first workflows stack. @default - this stack creates it */
  readonly runtime?: WorkflowRuntime;
  /** When managed services exist, the step runner runs in their VPC. @default - not in a VPC */
  readonly network?: ServicesNetwork;
  /**
   * The services of the deployment manifest: the step runner is granted exactly what their `auth` names.
   * @default - none (the step runner may still read secrets under Steward's prefixes)
   */
  readonly services?: readonly AuthenticatedService[];
}

/**
 * Workflows: the first stack holds the runtime (step runner, waiter, event router, status handler, trigger
 * function, bus and its rules, the runtime role for API-created state machines); every workflows stack holds a
 * share of the deployed state machines with their triggers, failure alarms and registration.
 */
export class WorkflowsStack extends Stack {
  readonly runtime: WorkflowRuntime;
  readonly functions: StewardFunction[] = [];
  readonly machines: WorkflowStateMachine[] = [];
  /** The event types the deployed workflows wait for (declared before their state machines). */
  private readonly waitedTypes: string[] = [];
  private readonly props: WorkflowsStackProps;
  private readonly registered: RegisteredWorkflow[] = [];
  private invoker?: ScheduleInvoker;
  private triggerDlq?: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: WorkflowsStackProps) {
    super(scope, id, props);
    this.props = props;
    this.runtime = props.runtime ?? this.createRuntime();
  }

  private createRuntime(): WorkflowRuntime {
    const { settings, registry, history } = this.props;
    const { tier } = settings;
    const make = (cid: string, fid: string, async: boolean, vpc = false): StewardFunction => {
      const spec = functionSpec(fid);
      const f = new StewardFunction(this, cid, {
        spec,
        tier,
        deployment: settings.deployment,
        rootDir: settings.rootDir,
        asyncFailureQueue: async
          ? new DeadLetterQueue(this, `${cid}Failures`, { purpose: `function:${fid}` }).queue
          : undefined,
        vpc: vpc ? this.props.network?.vpc : undefined,
        securityGroups: vpc && this.props.network ? [this.props.network.clientSecurityGroup] : undefined,
      });
      this.functions.push(f);
      return f;
    };
    const stepRunner = make('StepRunner', 'step-runner', false, true);
    const waiter = make('Waiter', 'waiter', false);
    const router = make('EventRouter', 'event-router', true);
    const status = make('StatusHandler', 'status-handler', true);
    const trigger = make('WorkflowTrigger', 'workflow-trigger', true);
    const bus = new StewardBus(this, 'Bus', {
      busName: settings.deployment,
      eventRouter: router.function,
      statusHandler: status.function,
      stateMachinePrefix: settings.stateMachinePrefix,
    });
    const runtimeRole = new StateMachineRuntimeRole(this, 'RuntimeRole', {
      stepRunner: stepRunner.function,
      waiter: waiter.function,
    });
    const expressLogs = new ExpressExecutionLogs(this, 'ExpressLogs', {
      deployment: settings.deployment,
      statusHandler: status.function,
      tier,
    });
    const apiTriggers = new ApiWorkflowTriggers(this, 'ApiTriggers', {
      target: trigger.function,
      busName: settings.deployment,
      deploymentPrefix: settings.stateMachinePrefix,
    });
    const targets = {
      registry,
      history,
      bus: bus.bus,
      stateMachinePrefix: settings.stateMachinePrefix,
      historyRetentionDays: tier.historyRetentionDays,
    };
    for (const f of this.functions) f.bindAll(targets);
    new ServiceAuthGrants(this, 'StepRunnerServiceAuth', {
      caller: stepRunner.function,
      services: this.props.services ?? [],
    });
    return {
      stepRunner: stepRunner.function,
      waiter: waiter.function,
      workflowTrigger: trigger.function,
      bus: bus.bus,
      runtimeRole: runtimeRole.role,
      expressLogs,
      apiTriggers,
    };
  }

  /** Adds one deployed workflow: its state machine, version, alias, triggers and failure alarm. */
  addWorkflow(wf: DeployedWorkflow): WorkflowStateMachine {
    const { settings } = this.props;
    const scope = new Construct(this, `Workflow-${wf.slug}`);
    const machine = new WorkflowStateMachine(scope, 'Machine', {
      workflowName: wf.document.name,
      stateMachineName: `${settings.stateMachinePrefix}${wf.slug}`,
      asl: wf.asl,
      recommendedType: wf.type,
      stepRunner: this.runtime.stepRunner,
      waiter: this.runtime.waiter,
      stateMachinePrefix: settings.stateMachinePrefix,
      tier: settings.tier,
      expressLogs: this.runtime.expressLogs,
    });
    const triggers = wf.document.triggers ?? [];
    if (triggers.length > 0) {
      this.invoker ??= new ScheduleInvoker(this, 'TriggerSchedules', {
        target: this.runtime.workflowTrigger,
        purpose: 'schedules:workflow-trigger',
      });
      this.triggerDlq ??= new DeadLetterQueue(this, 'TriggerRulesDlq', { purpose: 'rules:workflow-trigger' });
      new WorkflowTriggers(scope, 'Triggers', {
        workflowName: wf.document.name,
        triggers,
        target: this.runtime.workflowTrigger,
        bus: this.runtime.bus,
        invoker: this.invoker,
        deadLetterQueue: this.triggerDlq.queue,
      });
    }
    const a = settings.tier.alarms;
    const alarm = new cloudwatch.Alarm(scope, 'FailedAlarm', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        statistic: 'Sum',
        dimensionsMap: { StateMachineArn: machine.stateMachine.stateMachineArn },
        period: Duration.seconds(a.periodSeconds),
      }),
      threshold: a.executionsFailed,
      evaluationPeriods: a.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${settings.deployment}: executions of ${wf.document.name} failed`,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.props.alertTopic));
    this.machines.push(machine);
    this.waitedTypes.push(...waitedEventTypes(wf.document));
    this.registered.push({
      name: wf.document.name,
      version: wf.document.version ?? '1',
      definition: JSON.stringify(wf.document),
      state_machine_arn: machine.stateMachine.stateMachineArn,
      alias_arn: machine.alias.ref,
      type: machine.type,
    });
    return machine;
  }

  /** Creates the registration of every workflow added; call once, after the last addWorkflow. */
  register(): void {
    if (this.registered.length > 0) {
      // Declared first: every deployed state machine is created or updated only once its waits are declared.
      const declarations = new WaitDeclarations(this, 'WaitDeclarations', {
        provider: this.props.registrar,
        eventTypes: this.waitedTypes,
      });
      for (const m of this.machines) m.stateMachine.node.addDependency(declarations);
      const r = new Registration(this, 'Registration', { provider: this.props.registrar, workflows: this.registered });
      for (const m of this.machines) r.node.addDependency(m.alias);
    }
  }
}
