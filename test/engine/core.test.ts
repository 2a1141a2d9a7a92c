// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyKey, standardHeaders, traceId, traceparent } from '../../lib/core/resilience/call-headers.ts';
import { admit, INITIAL_BREAKER, record } from '../../lib/core/resilience/circuit-breaker.ts';
import { MAX_OUTPUT_BYTES, outputTooLarge } from '../../lib/core/resilience/outcomes.ts';
import { resolveEndpoint, resolveValue, TemplateError } from '../../lib/core/resilience/templates.ts';
import { fromBusEvent } from '../../lib/core/routing/bus.ts';
import { filterHash, keySetOf, matchesFilter, projectEvent } from '../../lib/core/routing/filters.ts';

describe('filter hashing', () => {
  it('is stable over key order and normalises numbers and numeric strings', () => {
    expect(filterHash({ a: 1, b: 'x' })).toBe(filterHash({ b: 'x', a: '1' }));
    expect(filterHash({ a: 1 })).not.toBe(filterHash({ a: 2 }));
    expect(filterHash({ a: '1' })).not.toBe(filterHash({ b: '1' }));
    expect(filterHash({ o: { y: 1, x: 2 } })).toBe(filterHash({ o: { x: 2, y: 1 } }));
  });

  it('hashes any filter the same after shuffling its keys (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (filter) => {
        const reversed = Object.fromEntries(Object.entries(filter).reverse());
        expect(filterHash(reversed)).toBe(filterHash(filter));
      }),
    );
  });

  it.each([
    { filter: { task_id: 't' }, data: { task_id: 't', x: 1 }, match: true },
    { filter: { task_id: 't' }, data: { task_id: 'u' }, match: false },
    { filter: { task_id: 't' }, data: {}, match: false },
    { filter: { correlation_id: 'c' }, data: {}, match: true },
    { filter: {}, data: { anything: true }, match: true },
  ])('matches $filter against $data: $match', ({ filter, data, match }) => {
    expect(matchesFilter({ type: 't', correlation_id: 'c', data }, filter)).toBe(match);
  });

  it('projects an event onto a key-set so its hash equals the waiter’s', () => {
    const event = { type: 't', data: { agent_id: 'a', task_id: 7, extra: 1 } };
    const filter = { task_id: '7', agent_id: 'a' };
    expect(filterHash(projectEvent(event, keySetOf(filter))!)).toBe(filterHash(filter));
    expect(projectEvent(event, ['missing'])).toBeUndefined();
  });
});

describe('circuit breaker', () => {
  const cfg = { windowSize: 4, minimumCalls: 4, failureRateThreshold: 0.5, openMs: 1000, halfOpenCalls: 2 };
  const feed = (outcomes: boolean[]) => outcomes.reduce((s, f) => record(s, f, false, 0, cfg), INITIAL_BREAKER);

  it.each([
    { outcomes: [true, true, true], state: 'closed' },
    { outcomes: [true, false, true, false], state: 'open' },
    { outcomes: [true, false, false, false], state: 'closed' },
    { outcomes: [false, false, false, false, true, true], state: 'open' },
  ])('after $outcomes (true = failure) it is $state', ({ outcomes, state }) => {
    expect(feed(outcomes).state).toBe(state);
  });

  it('refuses while open, admits trials after the cool-down, closes on trial successes', () => {
    const open = feed([true, true, true, true]);
    expect(admit(open, 500, cfg)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    const first = admit(open, 1000, cfg);
    expect(first).toMatchObject({ allowed: true, trial: true });
    const half = (first as { next: typeof open }).next;
    const second = admit(half, 1001, cfg);
    expect(second).toMatchObject({ allowed: true, trial: true });
    const full = (second as { next: typeof open }).next;
    expect(admit(full, 1002, cfg)).toMatchObject({ allowed: false });
    expect(record(record(full, false, true, 1003, cfg), false, true, 1004, cfg).state).toBe('closed');
    expect(record(full, true, true, 1003, cfg).state).toBe('open');
  });

  it('does not write when a success lands in a window of successes', () => {
    const s = feed([false, false, false, false]);
    expect(record(s, false, false, 0, cfg)).toBe(s);
  });
});

describe('templates', () => {
  const scope = {
    context: { task_id: 'a/b', n: 3 },
    steps: { prep: { output: { agent_id: 'x', list: [1] } } },
    item: { sku: 's1' },
  };

  it('fills endpoint placeholders from the context, then step outputs, URL-encoded', () => {
    expect(resolveEndpoint('/tasks/{task_id}/agents/{agent_id}/{sku}', scope)).toBe('/tasks/a%2Fb/agents/x/s1');
    expect(() => resolveEndpoint('/x/{nothing}', scope)).toThrow(TemplateError);
  });

  it('inside a map, the item wins over the context and step outputs', () => {
    const inMap = {
      context: { sku: 'from-context', order_id: 'o1' },
      steps: { prep: { output: { sku: 'from-step' } } },
      item: { sku: 'a 1' },
    };

    expect(resolveEndpoint('/orders/{order_id}/lines/{sku}', inMap)).toBe('/orders/o1/lines/a%201');
    expect(resolveEndpoint('/lines/{sku}', { ...inMap, item: { quantity: 2 } })).toBe('/lines/from-context');
  });

  it('keeps the type of whole-value templates and interpolates the rest', () => {
    expect(
      resolveValue({ n: '${context.n}', s: 'n=${context.n}', l: '${steps.prep.output.list}', i: '${item.sku}' }, scope),
    ).toEqual({
      n: 3,
      s: 'n=3',
      l: [1],
      i: 's1',
    });
    expect(() => resolveValue('${steps.none.output.x}', scope)).toThrow(TemplateError);
  });
});

describe('outputs and bus events', () => {
  it('refuses an output over the limit with a sentence naming the step, the size and the limit', () => {
    expect(outputTooLarge('fetch', { a: 1 })).toBeUndefined();
    expect(outputTooLarge('fetch', { a: 'x'.repeat(MAX_OUTPUT_BYTES) })).toMatch(
      new RegExp(
        `^Step 'fetch' returned ${MAX_OUTPUT_BYTES + 8} bytes of JSON; a step output may be at most ${MAX_OUTPUT_BYTES} bytes`,
      ),
    );
  });

  it('reads a whole Steward event from a bus detail, or wraps a plain detail', () => {
    const base = { id: 'eb-1', 'detail-type': 'x.y', source: 'p', time: '2030-01-01T00:00:00Z' };
    const whole = { id: 'e1', type: 'x.y', source: 'steward', timestamp: '2030-01-01T00:00:01Z', data: { a: 1 } };
    expect(fromBusEvent({ ...base, detail: whole })).toEqual(whole);
    expect(fromBusEvent({ ...base, detail: { a: 1, correlation_id: 'c' } })).toEqual({
      id: 'eb-1',
      type: 'x.y',
      source: 'p',
      timestamp: '2030-01-01T00:00:00Z',
      correlation_id: 'c',
      data: { a: 1, correlation_id: 'c' },
    });
  });
});

describe('standard call headers', () => {
  const id = '61478fe7-f4ab-4d9c-99f7-6f7327810721';

  it('derives one Idempotency-Key per run, step and purpose', () => {
    const key = idempotencyKey({ executionId: id, stepKey: 'charge', purpose: 'call' });

    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotencyKey({ executionId: id.toUpperCase(), stepKey: 'charge', purpose: 'call' })).toBe(key);
    expect(idempotencyKey({ executionId: id, stepKey: 'charge@abc', purpose: 'call' })).not.toBe(key);
    expect(idempotencyKey({ executionId: id, stepKey: 'charge', purpose: 'compensate' })).not.toBe(key);
  });

  it('puts every call of a run in one W3C trace: the execution id is the trace id', () => {
    const headers = standardHeaders(
      { executionId: id, correlationId: 'c-1', stepKey: 's', purpose: 'call' },
      '0123456789abcdef',
    );

    expect(headers.traceparent).toBe('00-61478fe7f4ab4d9c99f76f7327810721-0123456789abcdef-01');
    expect(headers['x-correlation-id']).toBe('c-1');
    expect(traceId('not-a-uuid')).toMatch(/^[0-9a-f]{32}$/);
    expect(() => traceparent(id, '0000000000000000')).toThrow(/span id/);
  });
});
