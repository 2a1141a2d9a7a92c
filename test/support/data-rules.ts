import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Raised by the data-rule middleware: a request broke one of Steward's data rules. */
export class DataRuleViolation extends Error {
  override readonly name = 'DataRuleViolation';
}

const touchesStatus = (input: Record<string, unknown>): boolean => {
  const item = input.Item as Record<string, unknown> | undefined;
  if (item && 'status' in item) return true;
  const names = Object.values((input.ExpressionAttributeNames as Record<string, string> | undefined) ?? {});
  const update = String(input.UpdateExpression ?? '');
  return names.includes('status') || /\bstatus\b/.test(update);
};

/**
 * Enforces the data rules of DESIGN.md on a client under test: no `Scan`, and every write that sets a `status`
 * attribute carries a ConditionExpression (optimistic locking). Violations throw before the request is sent.
 */
export function enforceDataRules(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const input = args.input as Record<string, unknown>;
      if (command === 'ScanCommand') throw new DataRuleViolation('Scan is not allowed: query an index instead');
      if (
        (command === 'PutItemCommand' || command === 'UpdateItemCommand') &&
        touchesStatus(input) &&
        !input.ConditionExpression
      ) {
        throw new DataRuleViolation(`${command} writes 'status' without a ConditionExpression`);
      }
      if (command === 'BatchWriteItemCommand') {
        const requests = Object.values(
          (input.RequestItems as Record<string, Array<{ PutRequest?: { Item: object } }>>) ?? {},
        ).flat();
        if (requests.some((r) => r.PutRequest && 'status' in r.PutRequest.Item)) {
          throw new DataRuleViolation('BatchWriteItem cannot be conditional: it must not write status');
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'stewardDataRules', override: true },
  );
}
