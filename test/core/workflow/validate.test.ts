// biome-ignore-all lint/suspicious/noTemplateCurlyInString: workflow templates are `${…}` strings on purpose.
import { describe, expect, it } from 'vitest';
import { type Problem, retryPolicyProblems, validateWorkflow } from '../../../lib/core/workflow/index.ts';
import { call, exampleFiles, loadExample, workflowOf } from './helpers.ts';

function problemsOf(doc: unknown): Problem[] {
  const result = validateWorkflow(doc);
  return result.ok ? [] : result.problems;
}

describe('validateWorkflow', () => {
  it.each(exampleFiles())('accepts the example %s as written', (file) => {
    expect(() => loadExample(file)).not.toThrow();
  });

  it.each<{ name: string; doc: unknown; path: string; message: RegExp }>([
    {
      name: 'unknown step_type',
      doc: workflowOf([{ name: 'a', step_type: 'email' }]),
      path: 'definition.steps[0].step_type',
      message: /step_type must be one of: service_call, event_wait/,
    },
    {
      name: 'misspelled field',
      doc: workflowOf([{ ...call('a'), depend_on: ['b'] }]),
      path: 'definition.steps[0]',
      message: /unknown field "depend_on"/,
    },
    {
      name: 'duplicate step name',
      doc: workflowOf([call('a'), call('a')]),
      path: 'definition.steps[1].name',
      message: /"a" is already used by definition.steps\[0\]/,
    },
    {
      name: 'dependency on a missing step',
      doc: workflowOf([call('a'), call('b', { depends_on: ['a', 'zz'] })]),
      path: 'definition.steps[1].depends_on[1]',
      message: /no step named "zz"; steps in this list: a, b/,
    },
    {
      name: 'self dependency',
      doc: workflowOf([call('a', { depends_on: ['a'] })]),
      path: 'definition.steps[0].depends_on[0]',
      message: /depends on itself/,
    },
    {
      name: 'cycle',
      doc: workflowOf([
        call('a', { depends_on: ['c'] }),
        call('b', { depends_on: ['a'] }),
        call('c', { depends_on: ['b'] }),
      ]),
      path: 'definition.steps[0].depends_on',
      message: /cycle: a → b → c → a/,
    },
    {
      name: 'forbidden character in a name',
      doc: workflowOf([call('a:b')]),
      path: 'definition.steps[0].name',
      message: /contains ":", which Step Functions refuses/,
    },
    {
      name: 'name too long',
      doc: workflowOf([call('x'.repeat(70))]),
      path: 'definition.steps[0].name',
      message: /70 characters; Step Functions allows 80/,
    },
    {
      name: 'control character in a name',
      doc: workflowOf([call('a\u0007')]),
      path: 'definition.steps[0].name',
      message: /control character U\+0007/,
    },
    {
      name: 'template reading a step that is not an ancestor',
      doc: workflowOf([
        call('a'),
        call('b', { depends_on: ['a'] }),
        call('c', { depends_on: ['a'], body: { x: '${steps.b.output.id}' } } as never),
      ]),
      path: 'definition.steps[2].body.x',
      message: /reads "b", which is not guaranteed to have finished/,
    },
    {
      name: 'template with an unknown root',
      doc: workflowOf([call('a', { endpoint: '/x/${ctx.id}' } as never)]),
      path: 'definition.steps[0].endpoint',
      message: /must start with `context.`/,
    },
    {
      name: 'endpoint placeholder that is not an identifier',
      doc: workflowOf([call('a', { endpoint: '/x/{task-id}' } as never)]),
      path: 'definition.steps[0].endpoint',
      message: /placeholder \{task-id\} must name a context key/,
    },
    {
      name: 'item outside a map',
      doc: workflowOf([call('a', { body: { sku: '${item.sku}' } } as never)]),
      path: 'definition.steps[0].body.sku',
      message: /exists only inside a map/,
    },
    {
      name: 'retry values out of range',
      doc: workflowOf([call('a', { retry_policy: { max_attempts: 0, backoff_base: 2, backoff_multiplier: 1000 } })]),
      path: 'definition.steps[0].retry_policy.max_attempts',
      message: /integer from 1 to 100, got 0/,
    },
    {
      name: 'error handler for a missing step',
      doc: workflowOf([call('a')], {
        definition: { error_handlers: [{ step: 'b', on_error: { action: 'continue' } }] },
      }),
      path: 'definition.error_handlers[0].step',
      message: /no step named "b"/,
    },
    {
      name: 'two handlers for one step',
      doc: workflowOf([call('a')], {
        definition: {
          error_handlers: [
            { step: 'a', on_error: { action: 'continue' } },
            { step: 'a', on_error: { action: 'retry', max_retries: 2, backoff_seconds: 5 } },
          ],
        },
      }),
      path: 'definition.error_handlers[1].step',
      message: /already has an error handler \(definition.error_handlers\[0\]\)/,
    },
    {
      name: 'express with an event_wait',
      doc: workflowOf([{ name: 'w', step_type: 'event_wait', event_type: 'a.b' }], { execution_type: 'express' }),
      path: 'definition.steps[0]',
      message: /Express workflow cannot wait for a callback/,
    },
    {
      name: 'compensate with nothing to compensate',
      doc: workflowOf([call('a')], {
        definition: { error_handlers: [{ step: 'a', on_error: { action: 'compensate' } }] },
      }),
      path: 'definition.error_handlers[0].on_error',
      message: /no step has a compensation/,
    },
    {
      name: 'sequence contradicting depends_on',
      doc: workflowOf([call('a', { sequence: 2 }), call('b', { sequence: 1, depends_on: ['a'] })]),
      path: 'definition.steps[1].sequence',
      message: /sequence 1 is not after the sequence 2 of "a"/,
    },
    {
      name: 'missing sequence among sequenced steps',
      doc: workflowOf([call('a', { sequence: 1 }), call('b')]),
      path: 'definition.steps[1]',
      message: /has no sequence while other steps of this list do/,
    },
    {
      name: 'bad schedule',
      doc: workflowOf([call('a')], { triggers: [{ type: 'schedule', expression: 'every 5 minutes' }] }),
      path: 'triggers[0].expression',
      message: /use rate\(5 minutes\)/,
    },
    {
      name: 'cron with six fields that are not cron fields',
      doc: workflowOf([call('a')], { triggers: [{ type: 'schedule', expression: 'cron(a 12 * * ? *)' }] }),
      path: 'triggers[0].expression',
      message: /minutes 'a' is not in 0-59/,
    },
    {
      name: 'schedule in an unknown time zone',
      doc: workflowOf([call('a')], {
        triggers: [{ type: 'schedule', expression: 'cron(0 9 L * ? *)', timezone: 'Europe/Atlantis' }],
      }),
      path: 'triggers[0].timezone',
      message: /not an IANA time zone/,
    },
    {
      name: 'step after a fail step',
      doc: workflowOf([{ name: 'f', step_type: 'fail' }, call('b', { depends_on: ['f'] })]),
      path: 'definition.steps[0]',
      message: /nothing can run after a fail step, but b would/,
    },
    {
      name: 'wait with both seconds and until',
      doc: workflowOf([{ name: 'w', step_type: 'wait', seconds: 5, until: '${context.at}' }]),
      path: 'definition.steps[0]',
      message: /exactly one of "seconds" or "until"/,
    },
    {
      name: 'dependency on a step of another list',
      doc: workflowOf([
        { name: 'm', step_type: 'map', items: '${context.xs}', steps: [call('inner')] },
        call('b', { depends_on: ['inner'] }),
      ]),
      path: 'definition.steps[1].depends_on[0]',
      message: /not in the same list of steps \(it is at definition.steps\[0\].steps\[0\]\)/,
    },
  ])('reports $name', ({ doc, path, message }) => {
    const problems = problemsOf(doc);

    const match = problems.find((p) => p.path === path && message.test(p.message));
    expect(match, JSON.stringify(problems, null, 2)).toBeDefined();
  });

  it('returns every problem at once', () => {
    const doc = workflowOf([call('a', { depends_on: ['x'] }), call('a'), call('b c')], {
      definition: { error_handlers: [{ step: 'zz', on_error: { action: 'continue' } }] },
    });

    const problems = problemsOf(doc);

    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'definition.steps[0].depends_on[0]',
        'definition.steps[1].name',
        'definition.steps[2].name',
        'definition.error_handlers[0].step',
      ]),
    );
  });

  it.each([
    [{ max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 }, []],
    [{ max_attempts: 101, backoff_base: 2, backoff_multiplier: 1000 }, ['max_attempts']],
    [{ max_attempts: 2.5, backoff_base: 2, backoff_multiplier: 1000 }, ['max_attempts']],
    [{ max_attempts: 3, backoff_base: 0.5, backoff_multiplier: 1000 }, ['backoff_base']],
    [{ max_attempts: 3, backoff_base: 2, backoff_multiplier: 0 }, ['backoff_multiplier']],
    [{ max_attempts: 3, backoff_base: 2, backoff_multiplier: 5000, max_delay_ms: 2000 }, ['max_delay_ms']],
    [{ max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000, max_delay_ms: 10 }, ['max_delay_ms']],
  ])('checks retry policy %j', (policy, fields) => {
    const problems = retryPolicyProblems(policy);

    expect(problems.map((p) => p.field)).toEqual(fields);
  });
});
