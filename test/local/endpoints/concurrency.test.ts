import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEndpoint,
  LambdaRunner,
  StepFunctionsService,
  startAwsEndpoint,
} from '../../../lib/local/aws/index.ts';
import { fiveSteps } from '../fixtures/five-steps.ts';
import { fixtureFunction, sdkConfig } from './helpers.ts';

describe('local Step Functions under load', () => {
  let runner: LambdaRunner;
  let endpoint: AwsEndpoint;
  let sfn: SFNClient;
  let service: StepFunctionsService;

  beforeAll(async () => {
    runner = new LambdaRunner({ functions: [fixtureFunction('echo', 'echo')] });
    service = new StepFunctionsService({ lambda: runner });
    endpoint = await startAwsEndpoint({ port: 0, services: { stepFunctions: service.operations() } });
    sfn = new SFNClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    sfn.destroy();
    await endpoint.close();
    await runner.close();
  });

  it('completes 50 concurrent runs of a 5-step workflow, none lost, 5 transitions each', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'five',
        roleArn: 'arn:aws:iam::000000000000:role/r',
        definition: JSON.stringify(fiveSteps()),
      }),
    );
    const started = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn, name: `run-${n}`, input: JSON.stringify({ n }) })),
      ),
    );
    const records = await Promise.all(started.map((s) => service.waitFor(s.executionArn!)));
    expect(records.map((r) => r.status)).toEqual(Array(50).fill('SUCCEEDED'));
    expect(records.map((r) => r.transitions)).toEqual(Array(50).fill(5));
    const sample = await sfn.send(new DescribeExecutionCommand({ executionArn: started[7]?.executionArn }));
    expect(JSON.parse(sample.output!)).toEqual({
      n: 7,
      steps: { S1: { step: 'S1' }, S2: { step: 'S2' }, S3: { step: 'S3' }, S4: { step: 'S4' }, S5: { step: 'S5' } },
    });
  });
});
