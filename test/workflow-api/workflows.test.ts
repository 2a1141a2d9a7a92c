import {
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { filterHash } from '../../lib/core/routing/filters.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

// A request of the previous workflows API still under way is waited out before declarations complete: briefly here.
process.env.STEWARD_DECLARATIONS_SETTLE_MS = '300';

const sfn = fakeStepFunctions();
const bus = fakeEventBridge();
let workflows: ApiLambda;
let registrar: typeof import('../../lambdas/registrar/handler.ts').handler;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  registrar = (await import('../../lambdas/registrar/handler.ts')).handler;
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

describe('POST /workflows', () => {
  it('validates, compiles and creates a published state machine with a live alias; answers the seed shape', async () => {
    const res = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Create Seed') });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Create Seed',
      description: 'Workflow for agent task execution process',
      version: '1.0.0',
      active: true,
      managed_by: 'api',
      execution_type: 'standard',
      seq: 1,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.definition.steps).toHaveLength(4);
    expect(res.body.definition.steps[0]).toMatchObject({
      name: 'task_preparation',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(res.body.definition.error_handlers).toHaveLength(2);
    expect(res.body.version_arn).toMatch(/:stateMachine:steward-test-create-seed-[0-9a-f]{8}:1$/);
    expect(res.body.alias_arn).toMatch(/:live$/);
    const create = sfn.sfn.commandCalls((await import('@aws-sdk/client-sfn')).CreateStateMachineCommand)[0]!.args[0]
      .input;
    expect(create.publish).toBe(true);
    expect(create.roleArn).toBe(process.env.STATE_MACHINE_ROLE_ARN);
    expect(create.type).toBe('STANDARD');
    expect(create.definition).toContain(process.env.STEP_RUNNER_ARN);
    expect(create.definition).not.toContain('$' + '{StepRunnerArn}');
    expect(create.definition).not.toContain('$' + '{WaiterArn}');
  });

  it.each([
    ['missing name', { definition: seedWorkflow().definition }, 'body.name'],
    [
      'unknown dependency',
      {
        ...seedWorkflow('Bad Dep'),
        definition: { steps: [{ ...seedWorkflow().definition.steps[1], depends_on: ['nope'] }] },
      },
      'body.definition.steps[0].depends_on[0]',
    ],
    ['wrong type', { ...seedWorkflow('Bad Type'), timeout: 'soon' }, 'body.timeout'],
    ['unknown key', { ...seedWorkflow('Bad Key'), colour: 'blue' }, 'body'],
  ])('answers 400 naming the field for %s', async (_case, body, field) => {
    const res = await call(workflows, 'POST', '/workflows', { body });

    expect(res.status).toBe(400);
    expect(res.body.error.problems.map((p: { field: string }) => p.field)).toContain(field);
  });

  it('answers 400 for a document too large to store', async () => {
    const res = await call(workflows, 'POST', '/workflows', {
      body: { ...seedWorkflow('Huge'), description: 'x'.repeat(200_000) },
    });

    expect(res.status).toBe(400);
    expect(res.body.error.problems[0].field).toBe('body');
  });

  it('answers 400 for a body that is not JSON, and 409 for a name in use', async () => {
    expect((await call(workflows, 'POST', '/workflows', { rawBody: '{"name":' })).status).toBe(400);
    await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Taken') });

    const res = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Taken') });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("'Taken'");
  });

  it('twenty concurrent creates of one name make one workflow; the rest get 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(workflows, 'POST', '/workflows', { body: seedWorkflow('Raced') })),
    );

    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
    const listed = await call(workflows, 'GET', '/workflows', { query: { limit: '100' } });
    expect(listed.body.workflows.filter((w: { name: string }) => w.name === 'Raced')).toHaveLength(1);
  });

  it('takes over a name only from a create that stopped half-way, once its claim is older than the grace', async () => {
    const names = await import('../../lambdas/shared/repositories/workflows.ts');
    const now = Date.now();
    // A create under way: its claim is fresh and its record not written yet.
    expect(await names.lockName('Half Way', 'first', now)).toBe(true);
    expect(await names.lockName('Half Way', 'second', now + 1_000)).toBe(false);
    // The first create stopped: past the grace, the name is free again, for one claimant.
    const later = now + names.NAME_CLAIM_GRACE_MS + 1_000;
    const claims = await Promise.all(['a', 'b', 'c'].map((id) => names.lockName('Half Way', id, later)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});

describe('reading workflows', () => {
  it('gets, lists with pagination, lists steps and validates', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Read Me') })).body;
    await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Read Me Too') });

    const got = await call(workflows, 'GET', `/workflows/${created.id}`);
    const page1 = await call(workflows, 'GET', '/workflows', { query: { limit: '1' } });
    const page2 = await call(workflows, 'GET', '/workflows', {
      query: { limit: '1', next_token: page1.body.next_token },
    });
    const steps = await call(workflows, 'GET', `/workflows/${created.id}/steps`);
    const valid = await call(workflows, 'POST', `/workflows/${created.id}/validate`);
    const invalid = await call(workflows, 'POST', `/workflows/${created.id}/validate`, {
      body: {
        name: 'x',
        definition: {
          steps: [{ name: 'a', step_type: 'service_call', service: 's', endpoint: '/x', depends_on: ['a'] }],
        },
      },
    });

    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe('"1"');
    expect(got.body.definition.steps.map((s: { id: string }) => s.id)).toEqual(
      created.definition.steps.map((s: { id: string }) => s.id),
    );
    expect(page1.body.workflows).toHaveLength(1);
    expect(page2.body.workflows).toHaveLength(1);
    expect(page2.body.workflows[0].id).not.toBe(page1.body.workflows[0].id);
    expect(steps.body.steps.map((s: { name: string }) => s.name)).toEqual([
      'task_preparation',
      'agent_assignment',
      'execution_monitoring',
      'result_processing',
    ]);
    expect(valid.body).toMatchObject({ valid: true, problems: [], report: { execution_type: 'standard' } });
    expect(invalid.status).toBe(200);
    expect(invalid.body.valid).toBe(false);
    expect(invalid.body.problems[0].path).toContain('definition.steps[0]');
  });

  it.each([
    ['GET', '/workflows/not-a-uuid', 400],
    ['GET', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b', 404],
    ['GET', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/versions', 404],
    ['GET', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/steps', 404],
    ['POST', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/validate', 404],
  ])('%s %s answers %i', async (method, path, status) => {
    expect((await call(workflows, method, path)).status).toBe(status);
  });

  it('refuses a bad limit and a forged page token', async () => {
    expect((await call(workflows, 'GET', '/workflows', { query: { limit: '0' } })).status).toBe(400);
    expect((await call(workflows, 'GET', '/workflows', { query: { next_token: 'abc.def' } })).status).toBe(400);
    expect((await call(workflows, 'GET', '/workflows', { query: { colour: 'x' } })).status).toBe(400);
  });
});

describe('new versions', () => {
  it('PUT publishes a new state machine version under optimistic locking; stale seqs get 409', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Versioned') })).body;
    const next = { ...seedWorkflow('Versioned'), version: '1.1.0', description: 'second' };

    const missingLock = await call(workflows, 'PUT', `/workflows/${created.id}`, { body: next });
    const updated = await call(workflows, 'PUT', `/workflows/${created.id}`, { body: { ...next, expected_seq: 1 } });
    const stale = await call(workflows, 'PUT', `/workflows/${created.id}`, {
      body: { ...next, version: '1.2.0' },
      headers: { 'If-Match': '"1"' },
    });
    const viaHeader = await call(workflows, 'PUT', `/workflows/${created.id}`, {
      body: { ...next, version: '1.2.0' },
      headers: { 'If-Match': '"2"' },
    });
    const sameLabel = await call(workflows, 'POST', `/workflows/${created.id}/versions`, { body: next });
    const versions = await call(workflows, 'GET', `/workflows/${created.id}/versions`);

    expect(missingLock.status).toBe(400);
    expect(missingLock.body.error.problems[0].field).toBe('body.expected_seq');
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: '1.1.0', version_seq: 2, seq: 2, description: 'second' });
    expect(updated.body.version_arn).toMatch(/:2$/);
    expect(stale.status).toBe(409);
    expect(stale.body.error.seq).toBe(2);
    expect(viaHeader.status).toBe(200);
    expect(sameLabel.status).toBe(409);
    expect(versions.body.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    // The two accepted updates, each publishing a version; the refused ones never reached Step Functions.
    const updates = sfn.sfn.commandCalls(UpdateStateMachineCommand);
    expect(updates).toHaveLength(2);
    expect(updates.every((c) => c.args[0].input.publish === true)).toBe(true);
    expect(viaHeader.body.version_arn).toMatch(/:3$/);
  });

  it('refuses a rename and a change of execution type', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Fixed Name') })).body;

    const rename = await call(workflows, 'POST', `/workflows/${created.id}/versions`, {
      body: seedWorkflow('Other Name'),
    });

    expect(rename.status).toBe(400);
    expect(rename.body.error.problems[0].field).toBe('body.name');
  });
});

describe('DELETE /workflows/{id}', () => {
  it('deletes the record and the state machine', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Doomed') })).body;

    const res = await call(workflows, 'DELETE', `/workflows/${created.id}`);

    expect(res.status).toBe(204);
    expect((await call(workflows, 'GET', `/workflows/${created.id}`)).status).toBe(404);
    expect(sfn.sfn.commandCalls(DeleteStateMachineAliasCommand)).toHaveLength(1);
    expect(sfn.sfn.commandCalls(DeleteStateMachineCommand)[0]!.args[0].input.stateMachineArn).toBe(
      created.state_machine_arn,
    );
    expect((await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Doomed') })).status).toBe(201);
  });

  it("refuses a force value that is not 'true' or 'false'", async () => {
    const res = await call(workflows, 'DELETE', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b', {
      query: { force: 'yes' },
    });

    expect(res.status).toBe(400);
    expect(res.body.error.problems[0].field).toBe('query.force');
  });
});

describe('deployed workflows (registrar)', () => {
  it('registers them as managed by deployment, lists them, and refuses changes over the API', async () => {
    const doc = seedWorkflow('Deployed Flow');
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:steward-dev-deployed-flow';
    const props = {
      workflows: [
        {
          name: 'Deployed Flow',
          version: '1.0.0',
          definition: JSON.stringify(doc),
          state_machine_arn: arn,
          alias_arn: `${arn}:live`,
          type: 'STANDARD',
        },
      ],
      services: [],
    };

    const first = await registrar({
      RequestType: 'Create',
      LogicalResourceId: 'Reg',
      ResourceProperties: props,
    } as never);
    const again = await registrar({
      RequestType: 'Update',
      PhysicalResourceId: first.PhysicalResourceId,
      ResourceProperties: props,
      OldResourceProperties: props,
    } as never);
    const list = await call(workflows, 'GET', '/workflows', { query: { limit: '100' } });
    const deployed = list.body.workflows.find((w: { name: string }) => w.name === 'Deployed Flow');
    const put = await call(workflows, 'PUT', `/workflows/${deployed.id}`, { body: { ...doc, expected_seq: 1 } });
    const del = await call(workflows, 'DELETE', `/workflows/${deployed.id}`);
    const removed = await registrar({
      RequestType: 'Update',
      ResourceProperties: { workflows: [] },
      OldResourceProperties: props,
    } as never);

    expect(first.PhysicalResourceId).toBe('steward-registration-Reg');
    expect(again.PhysicalResourceId).toBe('steward-registration-Reg');
    expect(first.Data.created).toBe('1');
    expect(again.Data.unchanged).toBe('1');
    expect(deployed).toMatchObject({ managed_by: 'deployment', state_machine_arn: arn, version: '1.0.0' });
    expect(put.status).toBe(409);
    expect(put.body.error.message).toContain('managed by deployment');
    expect(del.status).toBe(409);
    expect(removed.Data.removed).toBe('1');
    expect((await call(workflows, 'GET', `/workflows/${deployed.id}`)).status).toBe(404);
  });
});

describe('declared waits (registrar)', () => {
  it("declares the deployed workflows' waits; the completing resource, on its first run, those of every stored version, then says so", async () => {
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../lambdas/shared/clients/dynamodb.ts');
    const history = process.env.HISTORY_TABLE_NAME!;
    const declaredAt = async (type: string) =>
      (
        await ddb.send(
          new GetCommand({
            TableName: history,
            Key: { pk: `WAIT#${type}#${filterHash({})}`, sk: '#DECLARED' },
            ConsistentRead: true,
          }),
        )
      ).Item?.declared_at;
    // A workflow stored before declarations existed: its first version waits for one type, its second for another.
    const created = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Before Declarations') });
    const firstType = 'agent.task_completed';
    const second = seedWorkflow('Before Declarations');
    (second as unknown as { definition: { steps: Array<Record<string, unknown>> } }).definition.steps.push({
      name: 'second_wait',
      step_type: 'event_wait',
      event_type: 'agent.reviewed',
    });
    const next = await call(workflows, 'POST', `/workflows/${created.body.id}/versions`, {
      body: { ...second, version: '2.0.0' },
    });
    expect(next.status).toBe(201);
    // Forget those declarations, as a release before them would have left the table.
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    for (const type of [firstType, 'agent.reviewed']) {
      await ddb.send(
        new DeleteCommand({ TableName: history, Key: { pk: `WAIT#${type}#${filterHash({})}`, sk: '#DECLARED' } }),
      );
    }
    expect(await declaredAt(firstType)).toBeUndefined();

    // A workflows stack's declarations: its own types, nothing else.
    const stackOnly = await registrar({
      RequestType: 'Create',
      ResourceType: 'Custom::StewardWaitDeclarations',
      LogicalResourceId: 'StackDeclarations',
      ResourceProperties: { event_types: ['deploy.ready', 'deploy.ready'] },
    } as never);
    expect(stackOnly.Data).toEqual({ declared: '1', backfilled_versions: '0' });
    expect(await declaredAt(firstType)).toBeUndefined();
    expect(await declaredAt('deploy.ready')).toEqual(expect.any(Number));
    const notYet = await ddb.send(
      new GetCommand({ TableName: history, Key: { pk: 'DECLARED', sk: 'COMPLETE' }, ConsistentRead: true }),
    );
    expect(notYet.Item).toBeUndefined();

    // The completing one (CloudFormation sends its boolean as a string). Workflows from the API are stored, so it
    // first waits out a create the previous workflows API might still be finishing.
    const completingStarted = performance.now();
    const first = await registrar({
      RequestType: 'Create',
      ResourceType: 'Custom::StewardWaitDeclarations',
      LogicalResourceId: 'Declarations',
      ResourceProperties: { event_types: ['deploy.ready'], complete: 'true' },
    } as never);
    const again = await registrar({
      RequestType: 'Update',
      ResourceType: 'Custom::StewardWaitDeclarations',
      PhysicalResourceId: first.PhysicalResourceId,
      ResourceProperties: { event_types: ['deploy.ready'], complete: 'true' },
      OldResourceProperties: { event_types: [], complete: 'true' },
    } as never);
    const deleted = await registrar({
      RequestType: 'Delete',
      ResourceType: 'Custom::StewardWaitDeclarations',
      PhysicalResourceId: first.PhysicalResourceId,
      ResourceProperties: { event_types: ['deploy.ready'] },
    } as never);

    expect(performance.now() - completingStarted).toBeGreaterThanOrEqual(299);
    expect(first.PhysicalResourceId).toBe('steward-declarations-Declarations');
    expect(first.Data).toMatchObject({ declared: '1' });
    expect(Number(first.Data.backfilled_versions)).toBeGreaterThanOrEqual(2);
    expect(again.Data).toEqual({ declared: '1', backfilled_versions: '0' });
    expect(deleted.PhysicalResourceId).toBe(first.PhysicalResourceId);
    for (const type of ['deploy.ready', firstType, 'agent.reviewed'])
      expect(await declaredAt(type)).toEqual(expect.any(Number));
    const complete = await ddb.send(
      new GetCommand({ TableName: history, Key: { pk: 'DECLARED', sk: 'COMPLETE' }, ConsistentRead: true }),
    );
    expect(complete.Item).toBeDefined();
  });

  it('declares what a new workflow and a new version wait for before they can start a run', async () => {
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { ddb } = await import('../../lambdas/shared/clients/dynamodb.ts');
    const doc = seedWorkflow('Declares Its Waits');
    const steps = (doc as unknown as { definition: { steps: Array<Record<string, unknown>> } }).definition.steps;
    const wait = steps.find((s) => s.step_type === 'event_wait')!;
    wait.event_type = 'agent.declared_on_create';
    const created = await call(workflows, 'POST', '/workflows', { body: doc });
    wait.event_type = 'agent.declared_on_version';
    const next = await call(workflows, 'POST', `/workflows/${created.body.id}/versions`, {
      body: { ...doc, version: '2.0.0' },
    });

    expect(created.status).toBe(201);
    expect(next.status).toBe(201);
    for (const type of ['agent.declared_on_create', 'agent.declared_on_version']) {
      const item = await ddb.send(
        new GetCommand({
          TableName: process.env.HISTORY_TABLE_NAME!,
          Key: { pk: `WAIT#${type}#${filterHash({})}`, sk: '#DECLARED' },
          ConsistentRead: true,
        }),
      );
      expect(item.Item?.declared_at).toEqual(expect.any(Number));
    }
  });
});

describe('deployed services (registrar)', () => {
  it('registers manifest entries as given by CloudFormation (numbers as strings) through the services repository', async () => {
    const service = {
      name: 'planning-system',
      base_url: 'http://127.0.0.1:9000',
      port: '8080',
      failure_threshold: '2',
      tags: { team: '42' },
    };

    const out = await registrar({
      RequestType: 'Create',
      LogicalResourceId: 'Svc',
      ResourceProperties: { workflows: [], services: [service] },
    } as never);
    const stored = await (await import('../../lambdas/shared/repositories/services.ts')).getServiceByName(
      'planning-system',
    );

    expect(out.Data.services_created).toBe('1');
    expect(stored?.name).toBe('planning-system');
    expect(JSON.stringify(stored)).toContain('http://127.0.0.1:9000');
    await expect(
      registrar({
        RequestType: 'Create',
        LogicalResourceId: 'Bad',
        ResourceProperties: { services: [{ name: 'x', port: 'many' }] },
      } as never),
    ).rejects.toThrow(/services\[0\]\.port/);
  });

  it('stores the manifest groups as CloudFormation gives them, so the restarter applies their strategies', async () => {
    const group = { name: 'agents', strategy: 'one_for_all', max_restarts: '5', window_seconds: '60', parent: 'root' };

    const out = await registrar({
      RequestType: 'Create',
      LogicalResourceId: 'Groups',
      ResourceProperties: { workflows: [], services: [], groups: [group] },
    } as never);
    const { listGroups } = await import('../../lambdas/shared/repositories/services.ts');

    expect(out.Data.groups).toBe('1');
    expect(await listGroups()).toContainEqual({
      name: 'agents',
      strategy: 'one_for_all',
      max_restarts: 5,
      window_seconds: 60,
      parent: 'root',
    });
    await expect(
      registrar({
        RequestType: 'Create',
        LogicalResourceId: 'BadGroup',
        ResourceProperties: { groups: [{ name: 'g', strategy: 'one_for_most' }] },
      } as never),
    ).rejects.toThrow(/groups\[0\]\.strategy/);
  });
});
