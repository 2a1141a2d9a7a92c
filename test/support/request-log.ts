import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A request the client under test sent: its operation and the item key or table it named. */
export interface LoggedRequest {
  command: string;
  table?: string;
  /** `pk`/`sk` of a key-addressed request (GetItem, PutItem, UpdateItem, DeleteItem). */
  key?: string;
}

/**
 * Records every DynamoDB request a client sends, for tests that pin how many requests a path makes (each one costs
 * the caller's SDK and DynamoDB alike). `take()` returns the requests since the last call and starts a new list.
 */
export function logRequests(client: DynamoDBClient): { take(): LoggedRequest[] } {
  let log: LoggedRequest[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; Key?: Record<string, unknown>; Item?: Record<string, unknown> };
      const keyed = input.Key ?? input.Item;
      const part = (v: unknown): string =>
        typeof v === 'string' ? v : String((v as { S?: string } | undefined)?.S ?? '');
      log.push({
        command: (context.commandName ?? '').replace(/Command$/, ''),
        ...(input.TableName ? { table: input.TableName } : {}),
        ...(keyed ? { key: `${part(keyed.pk)}/${part(keyed.sk)}` } : {}),
      });
      return next(args);
    },
    { step: 'initialize', name: 'stewardRequestLog', override: true },
  );
  return {
    take() {
      const out = log;
      log = [];
      return out;
    },
  };
}
