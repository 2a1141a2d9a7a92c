import { describe, expect, it } from 'vitest';
import { expressFacts, type LogsSubscriptionEvent } from '../../../lambdas/status-handler/express-logs.ts';
import { filterPatternMatcher, LogSubscriptions, logGroupName } from '../../../lib/local/cloudwatch/subscriptions.ts';
import { type StatusChangeEntry, StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';

const ROLE = 'arn:aws:iam::000000000000:role/steward-runtime';
const GROUP = 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/steward-dev-express:*';
// The pattern the stacks give the status handler's subscription (lib/constructs/express-logs.ts, as CDK renders it).
const PATTERN =
  '{ ($.type = "ExecutionStarted") || ($.type = "ExecutionSucceeded") || ($.type = "ExecutionFailed") || ' +
  '($.type = "ExecutionAborted") || ($.type = "ExecutionTimedOut") }';

const machine = (name: string, type: 'EXPRESS' | 'STANDARD', states: Record<string, unknown>, logging?: unknown) => ({
  name,
  roleArn: ROLE,
  type,
  definition: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
  loggingConfiguration: logging,
});
const logging = {
  level: 'ALL',
  includeExecutionData: true,
  destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: GROUP } }],
};

function setUp() {
  const statusEvents: StatusChangeEntry[] = [];
  const delivered: LogsSubscriptionEvent[] = [];
  const subscriptions = new LogSubscriptions(
    [{ logicalId: 'ToStatusHandler', logGroupName: logGroupName(GROUP), filterPattern: PATTERN, destinationArn: 'fn' }],
    async (_arn, payload) => {
      delivered.push(payload as LogsSubscriptionEvent);
    },
    (_s, error) => {
      throw error;
    },
  );
  const service = new StepFunctionsService({
    lambda: { invoke: async () => ({ ok: true, payload: {} }) },
    onStatusChange: (e) => statusEvents.push(e),
    onExecutionLog: (arn, record) => subscriptions.put(arn, record),
  });
  const ops = service.operations();
  return { statusEvents, delivered, subscriptions, service, ops };
}

describe('Express executions, locally as on AWS', () => {
  it('send no status-change events; their start and end reach the log subscription, which the status handler reads', async () => {
    const { statusEvents, delivered, subscriptions, service, ops } = setUp();
    await ops.CreateStateMachine!(
      machine('steward-dev_quick', 'EXPRESS', { Done: { Type: 'Pass', Result: { total: 3 }, End: true } }, logging),
    );
    await ops.CreateStateMachine!(
      machine(
        'steward-dev_broken',
        'EXPRESS',
        { Boom: { Type: 'Fail', Error: 'Steward.Rejected', Cause: 'no' } },
        logging,
      ),
    );
    const ok = (await ops.StartExecution!({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:steward-dev_quick',
      name: 'run-ok',
      input: '{}',
    })) as { executionArn: string };
    const bad = (await ops.StartExecution!({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:steward-dev_broken',
      name: 'run-bad',
      input: '{}',
    })) as { executionArn: string };
    await service.waitFor(ok.executionArn);
    await service.waitFor(bad.executionArn);
    // Every record was written when its execution started or ended; wait for their deliveries.
    await subscriptions.idle();

    expect(statusEvents).toEqual([]);
    const facts = delivered.flatMap((d) => expressFacts(d));
    expect(facts.map((f) => [f.name, f.fact.status])).toEqual([
      ['run-ok', 'RUNNING'],
      ['run-bad', 'RUNNING'],
      ['run-ok', 'SUCCEEDED'],
      ['run-bad', 'FAILED'],
    ]);
    expect(JSON.parse(facts[2]!.fact.output!)).toEqual({ total: 3 });
    expect(facts[3]!.fact).toMatchObject({ error: 'Steward.Rejected', cause: 'no' });
  });

  it('log nothing without a logging configuration, and Standard executions keep their status events', async () => {
    const { statusEvents, delivered, subscriptions, service, ops } = setUp();
    await ops.CreateStateMachine!(machine('steward-dev_silent', 'EXPRESS', { Done: { Type: 'Pass', End: true } }));
    await ops.CreateStateMachine!(
      machine('steward-dev_std', 'STANDARD', { Done: { Type: 'Pass', End: true } }, logging),
    );
    for (const name of ['steward-dev_silent', 'steward-dev_std']) {
      const { executionArn } = (await ops.StartExecution!({
        stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`,
        input: '{}',
      })) as { executionArn: string };
      await service.waitFor(executionArn);
    }
    await subscriptions.idle();

    expect(delivered).toEqual([]);
    expect(statusEvents.map((e) => JSON.parse(e.Detail).status)).toEqual(['RUNNING', 'SUCCEEDED']);
  });

  it('deliver only what the filter pattern admits', () => {
    const matches = filterPatternMatcher(PATTERN);
    expect(matches('{"type":"ExecutionSucceeded"}')).toBe(true);
    expect(matches('{"type":"TaskStateEntered"}')).toBe(false);
    expect(matches('not json')).toBe(false);
    expect(filterPatternMatcher('')('anything')).toBe(true);
    expect(() => filterPatternMatcher('[ip, user]')).toThrow(/not one local mode supports/);
  });
});
