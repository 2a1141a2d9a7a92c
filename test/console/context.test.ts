import { describe, expect, it } from 'vitest';
import { buildContext, contextFields, documentOf } from '../../console/src/workflows/context.ts';
import { validateWorkflow } from '../../lib/core/workflow/index.ts';
import { loadExample } from '../core/workflow/helpers.ts';

describe('contextFields', () => {
  it('lists the context keys templates and endpoint placeholders read, in order of first use', () => {
    const seed = loadExample('agent-task-execution.json');

    const fields = contextFields(seed.definition);

    expect(fields.map((f) => f.key)).toEqual(['task_id', 'agent_id', 'project_id']);
    const task = fields.find((f) => f.key === 'task_id')!;
    expect(task.placeholderOnly).toBe(false);
    expect(task.usedIn).toContain('steps[0].endpoint');
    expect(fields.find((f) => f.key === 'project_id')).toMatchObject({ placeholderOnly: true });
  });

  it('ignores step output templates and finds keys inside conditions', () => {
    const fields = contextFields(loadExample('conditional.json').definition);

    expect(fields.map((f) => f.key)).toContain('priority');
    expect(fields.some((f) => f.key === 'steps' || f.key === 'load_order')).toBe(false);
  });
});

describe('buildContext', () => {
  it('sets form fields over the JSON object, reading numbers, booleans and objects as JSON', () => {
    const context = buildContext('{"a": 1, "task_id": "old"}', {
      task_id: 't-1',
      count: '3',
      flag: 'true',
      nested: '{"x": [1]}',
      empty: '  ',
      words: 'not { json',
    });

    expect(context).toEqual({ a: 1, task_id: 't-1', count: 3, flag: true, nested: { x: [1] }, words: 'not { json' });
  });

  it.each(['[1]', '"text"', 'null', '{"a":'])('refuses %s as the context', (json) => {
    expect(() => buildContext(json, {})).toThrow(SyntaxError);
  });
});

describe('documentOf', () => {
  it('turns the API view back into a document the validator accepts (without the step ids)', () => {
    const seed = loadExample('map.json');
    const withIds = JSON.parse(JSON.stringify(seed.definition), (_key, value) =>
      value && typeof value === 'object' && 'step_type' in value ? { id: `id-${value.name}`, ...value } : value,
    );

    const doc = documentOf({ name: seed.name, version: seed.version ?? '1', definition: withIds });

    expect(JSON.stringify(doc)).not.toContain('"id"');
    expect(validateWorkflow(doc).ok).toBe(true);
  });
});
