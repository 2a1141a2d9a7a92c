/**
 * How fast the machine is at the moment a figure is taken. The same local mode measured 82 and 45 ms of CPU a run on
 * this 2-core machine a day apart (a virtual machine whose host is shared), so a figure without the machine's speed
 * beside it cannot be compared with another. The reference is a fixed piece of the work local mode does all day:
 * JSON in and out, DynamoDB-shaped items built and read, SHA-256 over the request (signing), a regular expression.
 */
import { createHash } from 'node:crypto';

const ITERATIONS = 20_000;

function referenceWork(): number {
  let checksum = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const item = {
      pk: { S: `EXEC#${i.toString(36).padStart(8, '0')}` },
      sk: { S: `STEP#${i % 7}#ATTEMPT#${i % 3}` },
      status: { S: i % 2 === 0 ? 'running' : 'completed' },
      attempt: { N: String(i % 3) },
      context: { M: { run: { S: `r${i}` }, items: { L: [{ N: '1' }, { N: '2' }, { S: 'three' }] } } },
    };
    const body = JSON.stringify({ TableName: 'steward-dev-executions', Item: item, ReturnValues: 'ALL_OLD' });
    const parsed = JSON.parse(body) as { Item: typeof item };
    const digest = createHash('sha256').update(body).digest('hex');
    if (/^EXEC#[0-9a-z]{8}$/.test(parsed.Item.pk.S)) checksum += digest.charCodeAt(i % 64) + parsed.Item.sk.S.length;
  }
  return checksum;
}

/**
 * Milliseconds the reference takes on one core now: the fastest of `rounds` (the first rounds include V8's warm-up,
 * and a busy moment only ever makes a round slower).
 */
export function machineReferenceMs(rounds = 5): number {
  let best = Number.POSITIVE_INFINITY;
  let checksum = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    checksum += referenceWork();
    best = Math.min(best, performance.now() - t0);
  }
  if (checksum === 0) throw new Error('the reference work computed nothing');
  return Math.round(best);
}
