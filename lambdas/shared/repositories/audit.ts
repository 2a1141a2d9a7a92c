import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { historyExpiry, type Page } from './executions.ts';

/**
 * The audit trail (history table): who did what to which target, when. Keys:
 * - pk `AUDIT#<target>` (e.g. `execution/<id>`, `workflow/<id>`), sk `<ts>#<id>`
 * - gsi1 `AUDIT` / `<ts>#<id>` (everything, by time)
 */
const TABLE = requireEnv(ENV.historyTable);

/** One audit record. */
export interface AuditRecord {
  audit_id: string;
  at: string;
  caller: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

/** Records a mutation. */
export async function recordAudit(
  caller: string,
  action: string,
  target: string,
  details?: Record<string, unknown>,
): Promise<AuditRecord> {
  const record: AuditRecord = { audit_id: randomUUID(), at: new Date().toISOString(), caller, action, target, details };
  const sk = `${record.at}#${record.audit_id}`;
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...record, pk: `AUDIT#${target}`, sk, gsi1pk: 'AUDIT', gsi1sk: sk, expires_at: historyExpiry() },
    }),
  );
  return record;
}

/** Lists audit records, newest first, for one target or for all; `from`/`to` bound the time (ISO 8601). */
export async function listAudit(
  filter: { target?: string; from?: string; to?: string },
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<AuditRecord>> {
  const byTarget = filter.target !== undefined;
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: byTarget ? undefined : 'gsi1',
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#pk': byTarget ? 'pk' : 'gsi1pk', '#sk': byTarget ? 'sk' : 'gsi1sk' },
      ExpressionAttributeValues: {
        ':pk': byTarget ? `AUDIT#${filter.target}` : 'AUDIT',
        ':lo': filter.from ?? '',
        ':hi': `${filter.to ?? '\uffff'}\uffff`,
      },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  const items = (out.Items ?? []).map(
    ({ audit_id, at, caller, action, target, details }) =>
      ({ audit_id, at, caller, action, target, details }) as AuditRecord,
  );
  return { items, lastKey: out.LastEvaluatedKey };
}
