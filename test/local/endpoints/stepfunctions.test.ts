import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_RETRIER } from '../../../lib/core/workflow/index.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { type StatusChangeEntry, StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';
import { eventually, fixtureFunction, sdkConfig } from './helpers.ts';

const ROLE = 'arn:aws:iam::000000000000:role/steward-runtime';
const ECHO = 'arn:aws:lambda:us-east-1:000000000000:function:echo';

const invokeTask = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: ECHO, 'Payload.$': '$' },
  ResultSelector: { 'echo.$': '$.Payload.echo', 'greeting.$': '$.Payload.greeting' },
  ...extra,
});

describe('local Step Functions', () => {
  const statusEvents: StatusChangeEntry[] = [];
  let runner: LambdaRunner;
  let service: StepFunctionsService;
  let endpoint: AwsEndpoint;
  let sfn: SFNClient;

  beforeAll(async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('echo', 'echo', { GREETING: 'hi' }), fixtureFunction('keeper', 'token-keeper')],
    });
    service = new StepFunctionsService({ lambda: runner, onStatusChange: (e) => statusEvents.push(e) });
    endpoint = await startAwsEndpoint({ port: 0, services: { stepFunctions: service.operations(), lambda: runner } });
    sfn = new SFNClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    sfn.destroy();
    await endpoint.close();
    await runner.close();
  });

  const create = async (name: string, definition: object): Promise<string> => {
    const out = await sfn.send(
      new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }),
    );
    return out.stateMachineArn!;
  };
  const finished = (executionArn: string) =>
    eventually(async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
  const tokenOf = async (executionArn: string): Promise<string> =>
    eventually(async () => {
      const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const submitted = h.events?.find((e) => e.type === 'TaskSubmitted');
      return submitted ? (JSON.parse(submitted.taskSubmittedEventDetails?.output ?? '{}').token as string) : undefined;
    });

  it('runs a lambda:invoke task and reports output, history and transitions', async () => {
    const arn = await create('simple', {
      StartAt: 'Echo',
      States: { Echo: invokeTask({ Next: 'Done' }), Done: { Type: 'Succeed' } },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{"a":1}' }),
    );
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ echo: { a: 1 }, greeting: 'hi' });
    expect(service.transitions(executionArn!)).toBe(2);
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(h.events?.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(h.events?.[1]?.stateEnteredEventDetails?.name).toBe('Echo');
    const statuses = statusEvents
      .filter((e) => e.Resources[0] === executionArn)
      .map((e) => JSON.parse(e.Detail).status);
    expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('injects Lambda throttles: the compiled Lambda retrier absorbs them, a Task without it fails', async () => {
    const fast = new StepFunctionsService({ lambda: runner, speed: 100 });
    const ops = fast.operations();
    const definition = (retry: object[]) =>
      JSON.stringify({ StartAt: 'Echo', States: { Echo: invokeTask({ Retry: retry, End: true }) } });
    const start = async (name: string, retry: object[]) => {
      const machine = (await ops.CreateStateMachine!({ name, roleArn: ROLE, definition: definition(retry) })) as {
        stateMachineArn: string;
      };
      const run = (await ops.StartExecution!({ stateMachineArn: machine.stateMachineArn, input: '{"a":1}' })) as {
        executionArn: string;
      };
      return fast.waitFor(run.executionArn);
    };

    fast.injectLambdaErrors('echo', 2);
    const retried = await start('throttled', [LAMBDA_RETRIER]);
    fast.injectLambdaErrors(ECHO, 1);
    const unprotected = await start('unprotected', []);

    expect(retried.status).toBe('SUCCEEDED');
    expect(JSON.parse(retried.output ?? '{}')).toEqual({ echo: { a: 1 }, greeting: 'hi' });
    const failures = retried.history.events.filter((e) => e.type === 'TaskFailed');
    expect(failures.map((e) => (e.taskFailedEventDetails as { error?: string } | undefined)?.error)).toEqual([
      'Lambda.TooManyRequestsException',
      'Lambda.TooManyRequestsException',
    ]);
    expect(unprotected.status).toBe('FAILED');
    expect(unprotected.error).toBe('Lambda.TooManyRequestsException');
  });

  it('passes the context object ($$.Execution.Id, $$.StateMachine.Id)', async () => {
    const arn = await create('context', {
      StartAt: 'Ctx',
      States: {
        Ctx: {
          Type: 'Pass',
          Parameters: { 'id.$': '$$.Execution.Id', 'sm.$': '$$.StateMachine.Id', 'n.$': '$$.Execution.Name' },
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'ctx-1' }));
    const d = await finished(executionArn!);
    expect(JSON.parse(d.output!)).toEqual({ id: executionArn, sm: arn, n: 'ctx-1' });
  });

  it('rejects a second execution of the same name, and unknown ARNs with the AWS exceptions', async () => {
    const arn = await create('names', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'dup', input: '{}' }));
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'dup', input: '{"x":1}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${arn}x` }))).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    );
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: 'nonsense' }))).rejects.toBeInstanceOf(
      InvalidArn,
    );
    await expect(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:names:nope' }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('catches a function error by its errorType (Steward.Paused) with the message as cause', async () => {
    const arn = await create('paused', {
      StartAt: 'Step',
      States: {
        Step: invokeTask({
          Parameters: { FunctionName: ECHO, Payload: { fail: { name: 'Steward.Paused', message: 'run paused' } } },
          Retry: [{ ErrorEquals: ['Steward.Paused'], MaxAttempts: 0 }],
          Catch: [{ ErrorEquals: ['Steward.Paused'], Next: 'Parked', ResultPath: '$.error' }],
          End: true,
        }),
        Parked: { Type: 'Pass', End: true },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!).error).toEqual({ Error: 'Steward.Paused', Cause: 'run paused' });
  });

  const waitMachine = (extra: Record<string, unknown> = {}) => ({
    StartAt: 'Wait',
    States: {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'keeper', Payload: { 'token.$': '$$.Task.Token' } },
        End: true,
        ...extra,
      },
    },
  });

  it('resumes a .waitForTaskToken task with SendTaskSuccess; a second answer gets TaskTimedOut', async () => {
    const arn = await create('callback', waitMachine());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn!);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"matched":true}' }));
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ matched: true });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'unknown', output: '{}' }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
  });

  it('fails a callback task with SendTaskFailure', async () => {
    const arn = await create('callback-fail', waitMachine());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn!);
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Event.Rejected', cause: 'nope' }));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'FAILED', error: 'Event.Rejected', cause: 'nope' });
  });

  it('times a callback task out with States.Timeout, and heartbeats with States.HeartbeatTimeout', async () => {
    const timeoutArn = await create('callback-timeout', waitMachine({ TimeoutSeconds: 1 }));
    const heartbeatArn = await create('callback-heartbeat', waitMachine({ TimeoutSeconds: 30, HeartbeatSeconds: 1 }));
    const a = await sfn.send(new StartExecutionCommand({ stateMachineArn: timeoutArn }));
    const b = await sfn.send(new StartExecutionCommand({ stateMachineArn: heartbeatArn }));
    expect(await finished(a.executionArn!)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(await finished(b.executionArn!)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('aborts with StopExecution and emits ABORTED', async () => {
    const arn = await create('stoppable', waitMachine());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await tokenOf(executionArn!);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Steward.Cancelled', cause: 'user' }));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Steward.Cancelled', cause: 'user' });
    await eventually(() =>
      statusEvents.find((e) => e.Resources[0] === executionArn && JSON.parse(e.Detail).status === 'ABORTED'),
    );
  });

  it('redrives a failed execution from the failed state with the input it failed with', async () => {
    const arn = await create('redrive', {
      StartAt: 'First',
      States: {
        First: invokeTask({ ResultPath: '$.first', Next: 'Second' }),
        Second: { ...waitMachine().States.Wait, End: true },
      },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"k":"v"}' }));
    const token = await tokenOf(executionArn!);
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Boom', cause: 'first try' }));
    expect(await finished(executionArn!)).toMatchObject({ status: 'FAILED', error: 'Boom' });
    const before = service.transitions(executionArn!);
    await sfn.send(new RedriveExecutionCommand({ executionArn }));
    const token2 = await eventually(async () => {
      const pending = service.tokens.pendingFor(executionArn!);
      return pending.length > 0 && pending[0] !== token ? pending[0] : undefined;
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token2, output: '{"ok":2}' }));
    const d = await finished(executionArn!);
    expect(d).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(service.transitions(executionArn!)).toBe(before + 1); // only Second ran again
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(h.events?.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual(
      ['First', 'Second', 'Second'],
    );
    const second = h.events
      ?.filter((e) => e.stateEnteredEventDetails?.name === 'Second')
      .map((e) => JSON.parse(e.stateEnteredEventDetails!.input!));
    expect(second?.[1]).toEqual(second?.[0]);
  });

  it('publishes versions, routes an alias, and starts executions on version and alias ARNs', async () => {
    const v1 = { StartAt: 'P', States: { P: { Type: 'Pass', Result: 'v1', End: true } } };
    const v2 = { StartAt: 'P', States: { P: { Type: 'Pass', Result: 'v2', End: true } } };
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'versioned',
        roleArn: ROLE,
        definition: JSON.stringify(v1),
        publish: true,
      }),
    );
    expect(created.stateMachineVersionArn).toBe(`${created.stateMachineArn}:1`);
    await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: created.stateMachineArn, definition: JSON.stringify(v2) }),
    );
    const p2 = await sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: created.stateMachineArn }));
    expect(p2.stateMachineVersionArn).toBe(`${created.stateMachineArn}:2`);
    const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: created.stateMachineArn }));
    expect(versions.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([
      p2.stateMachineVersionArn,
      created.stateMachineVersionArn,
    ]);
    const alias = await sfn.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: created.stateMachineVersionArn, weight: 100 }],
      }),
    );
    expect(alias.stateMachineAliasArn).toBe(`${created.stateMachineArn}:live`);
    const described = await sfn.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn }),
    );
    expect(described.routingConfiguration).toEqual([
      { stateMachineVersionArn: created.stateMachineVersionArn, weight: 100 },
    ]);
    const onAlias = await sfn.send(new StartExecutionCommand({ stateMachineArn: alias.stateMachineAliasArn }));
    const onVersion = await sfn.send(new StartExecutionCommand({ stateMachineArn: p2.stateMachineVersionArn }));
    const onLatest = await sfn.send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn }));
    const a = await finished(onAlias.executionArn!);
    expect(JSON.parse(a.output!)).toBe('v1');
    expect(a.stateMachineAliasArn).toBe(alias.stateMachineAliasArn);
    expect(JSON.parse((await finished(onVersion.executionArn!)).output!)).toBe('v2');
    expect(JSON.parse((await finished(onLatest.executionArn!)).output!)).toBe('v2');
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: created.stateMachineArn }));
    expect(listed.executions).toHaveLength(3);
  });

  it('runs a Parallel state of lambda tasks and Map over items', async () => {
    const arn = await create('fanout', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: invokeTask({ End: true }) } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
          ],
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$[0].echo.items',
          ItemProcessor: { StartAt: 'M', States: { M: invokeTask({ End: true }) } },
          End: true,
        },
      },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"items":[1,2,3]}' }),
    );
    const d = await finished(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!).map((o: { echo: unknown }) => o.echo)).toEqual([1, 2, 3]);
    // Both, A, B, Each, and M three times.
    expect(service.transitions(executionArn!)).toBe(1 + 2 + 1 + 3);
  });
});
