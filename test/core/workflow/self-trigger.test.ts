import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../lib/core/events/pattern.ts';
import { WORKFLOW_EVENT_TYPES } from '../../../lib/core/events/types.ts';
import { deployedWorkflowId } from '../../../lib/core/execution/ids.ts';
import { validateWorkflow } from '../../../lib/core/workflow/index.ts';
import { ownEventSamples } from '../../../lib/core/workflow/self-trigger.ts';
import { compileDocument } from '../../../lib/stacks/inputs.ts';

const NAME = 'loop';

function docWith(pattern: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    name: NAME,
    version: '1.0.0',
    triggers: [{ type: 'event', pattern }],
    definition: { steps: [{ name: 'a', step_type: 'service_call', service: 'commerce', endpoint: '/x' }] },
    ...extra,
  };
}

function patternProblems(doc: unknown, workflowId?: string) {
  const out = validateWorkflow(doc, { workflowId });
  return out.ok ? [] : out.problems.filter((p) => p.path === 'triggers[0].pattern');
}

const LIFECYCLE = [
  'workflow.started',
  'workflow.paused',
  'workflow.resumed',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
];
const otherTypes = fc.array(
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !(WORKFLOW_EVENT_TYPES as readonly string[]).includes(s)),
  { maxLength: 5 },
);
const otherName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,30}$/)
  .filter((n) => n !== NAME && n.trim() === n && n !== '');

describe('event triggers matching their own workflow’s events', () => {
  it('the samples carry every workflow.* type a run publishes, with the workflow’s id, name, step and service', () => {
    const samples = ownEventSamples(validateOk(docWith({ source: ['other'] })), ['wf-1']);
    expect(new Set(samples.map((s) => s.event['detail-type']))).toEqual(new Set(WORKFLOW_EVENT_TYPES));
    for (const { event } of samples) {
      expect(event.source).toBe('steward');
      expect(event.detail.type).toBe(event['detail-type']);
      expect([deployedWorkflowId(NAME), 'wf-1']).toContain((event.detail.data as { workflow_id: string }).workflow_id);
    }
    const step = samples.find((s) => s.event['detail-type'] === 'workflow.step_started')?.event.detail.data;
    expect(step).toMatchObject({ step: 'a', service: 'commerce' });
    const done = samples.find((s) => s.event['detail-type'] === 'workflow.completed')?.event.detail.data;
    expect(done).toMatchObject({ workflow_type: NAME, workflow_version: '1.0.0', status: 'completed' });
  });

  it('refuses {source: ["steward"]}, naming the field and saying why', () => {
    const [problem] = patternProblems(docWith({ source: ['steward'] }));
    expect(problem?.message).toMatch(/another run of the same workflow/);
  });

  it('refuses source steward with any detail-type list holding one of the run’s own types', () => {
    fc.assert(
      fc.property(otherTypes, fc.constantFrom(...WORKFLOW_EVENT_TYPES), fc.nat(), (others, own, at) => {
        const types = [...others];
        types.splice(at % (types.length + 1), 0, own);
        expect(patternProblems(docWith({ source: ['steward'], 'detail-type': types }))).toHaveLength(1);
      }),
    );
  });

  it('refuses patterns that reach the run’s events by operators or by its own name and ids', () => {
    const refused: Array<[Record<string, unknown>, string | undefined]> = [
      [{ 'detail-type': [{ prefix: 'workflow.' }] }, undefined],
      [{ source: [{ 'anything-but': 'commerce' }] }, undefined],
      [{ detail: { data: { workflow_type: [NAME] } } }, undefined],
      [{ detail: { data: { workflow_id: [deployedWorkflowId(NAME)] } } }, undefined],
      [{ detail: { data: { workflow_id: ['wf-1'] } } }, 'wf-1'],
      [{ detail: { data: { step: ['a'], status: ['failed'] } } }, undefined],
      [{ detail: { data: { service: ['commerce'] } } }, undefined],
      [{ detail: { data: { workflow_id: [{ exists: true }] } } }, undefined],
    ];
    for (const [pattern, id] of refused)
      expect(patternProblems(docWith(pattern), id), JSON.stringify(pattern)).toHaveLength(1);
  });

  it('refuses a pattern on the events of a sub-workflow every run starts', () => {
    const doc = docWith(
      { 'detail-type': ['workflow.completed'], detail: { data: { workflow_type: ['child'] } } },
      { definition: { steps: [{ name: 'a', step_type: 'sub_workflow', workflow: 'child' }] } },
    );
    expect(patternProblems(doc)[0]?.message).toMatch(/sub-workflow "child"/);
  });

  it('accepts chaining: a pattern naming another workflow, by name or id, on any of the lifecycle types', () => {
    fc.assert(
      fc.property(otherName, fc.subarray(LIFECYCLE, { minLength: 1 }), fc.boolean(), (other, types, byId) => {
        const data = byId ? { workflow_id: [deployedWorkflowId(other)] } : { workflow_type: [other] };
        const pattern = { source: ['steward'], 'detail-type': types, detail: { data } };
        expect(patternProblems(docWith(pattern))).toEqual([]);
      }),
    );
    // A field the run's events do not carry matches none of them.
    expect(patternProblems(docWith({ source: ['steward'], detail: { data: { workflow_name: ['A'] } } }))).toEqual([]);
  });

  it('accepts patterns on other producers and on Steward’s service events', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s !== 'steward'),
        otherTypes,
        (source, types) => {
          const pattern = types.length ? { source: [source], 'detail-type': types } : { source: [source] };
          expect(patternProblems(docWith(pattern))).toEqual([]);
        },
      ),
    );
    expect(patternProblems(docWith({ source: ['steward'], 'detail-type': [{ prefix: 'service.' }] }))).toEqual([]);
  });

  it('a refused pattern does match a sample event (the refusal is the matcher’s verdict)', () => {
    const doc = validateOk(docWith({ source: ['x'] }));
    const pattern = { 'detail-type': ['workflow.step_failed'], detail: { data: { status: ['failed_continued'] } } };
    expect(ownEventSamples(doc).some((s) => matchesPattern(pattern, s.event))).toBe(true);
    expect(patternProblems(docWith(pattern))).toHaveLength(1);
  });

  it('a deployed definition with such a trigger fails synth (compileDocument)', () => {
    const problems: Array<{ file: string; path: string; message: string }> = [];
    const out = compileDocument('statemachines/loop.json', docWith({ source: ['steward'] }), problems);
    expect(out).toBeUndefined();
    expect(problems).toEqual([
      { file: 'statemachines/loop.json', path: 'triggers[0].pattern', message: expect.stringMatching(/same workflow/) },
    ]);
  });
});

function validateOk(doc: unknown) {
  const out = validateWorkflow(doc);
  if (!out.ok) throw new Error(JSON.stringify(out.problems));
  return out.workflow;
}
