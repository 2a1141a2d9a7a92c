/**
 * With a guard, the DynamoDB thread listens on one port only, the guarded front: dynalite itself (which checks no
 * signature, only that some AWS4-style authorization is there, and answers any origin's CORS) must not be reachable
 * over the network, during or after the table set-up. The tables are created and rebuilt over a message port.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../lib/local/dynamo.ts';
import { LocalIam } from '../../../lib/local/iam/guard.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import type { LocalTable } from '../../../lib/local/wiring.ts';
import { arn, fnWithRole, stack } from './fixtures.ts';

const TABLE = arn('dynamodb', 'table/steward-records');
const model = deriveIamModel(
  stack({
    ...fnWithRole('writer', [{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE }]),
  }),
);
const WRITER = 'arn:aws:iam::000000000000:role/role-writer';

const table: LocalTable = {
  logicalId: 'Records',
  name: 'steward-records',
  keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  globalSecondaryIndexes: [],
  ttlAttribute: 'expires_at',
};

/** The TCP ports this process listens on (every thread's): its socket inodes, looked up in /proc/net/tcp{,6}. */
function listeningPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address (hex ip:port), state (0A: LISTEN), inode.
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      ports.add(Number.parseInt(local.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/** A request with made-up query-string authorization, as dynalite accepts any: it must be refused or impossible. */
const unsigned = (port: number): Promise<Response> =>
  fetch(
    `http://127.0.0.1:${port}/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d`,
    {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.Scan', 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ TableName: table.name, Limit: 2 }),
    },
  );

const portOf = (url: string): number => Number(new URL(url).port);

describe.runIf(process.platform === 'linux')('DynamoDB behind its guard: its only socket', () => {
  const open: LocalDynamo[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dynamo of open.splice(0)) await dynamo.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('listens on the guarded port alone once the tables are created, and refuses an unsigned request there', async () => {
    const before = listeningPorts();
    const dynamo = await startDynamo({ port: 0, guard: new LocalIam(model), ttlSweepMs: 0 });
    open.push(dynamo);
    await dynamo.createTables([table]);
    expect(await dynamo.sweepExpired()).toBe(0);

    const opened = [...listeningPorts()].filter((port) => !before.has(port));
    for (const port of opened) {
      const answer = await unsigned(port);
      expect({ port, status: answer.status }).not.toEqual({ port, status: 200 });
      expect(await answer.text()).not.toContain('"Items"');
    }
    expect(opened).toEqual([portOf(dynamo.url)]);
  });

  it('keeps a data folder across a restart, its store closed with the thread though dynalite never listened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-dynamo-ports-'));
    dirs.push(dir);
    const iam = new LocalIam(model);
    const client = (dynamo: LocalDynamo) =>
      new DynamoDBClient({
        endpoint: dynamo.url,
        region: 'us-east-1',
        credentials: iam.keysFor(WRITER),
        maxAttempts: 1,
      });

    const first = await startDynamo({ port: 0, dataDir: dir, guard: iam, ttlSweepMs: 0 });
    await first.createTables([table]);
    await client(first).send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: 'kept' } } }));
    await first.close();

    const again = await startDynamo({ port: 0, dataDir: dir, guard: iam, ttlSweepMs: 0 });
    open.push(again);
    await again.createTables([table]);
    const out = await client(again).send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'kept' } } }));
    expect(out.Item).toEqual({ pk: { S: 'kept' } });
  });
});
