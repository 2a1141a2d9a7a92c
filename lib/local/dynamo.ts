/**
 * DynamoDB for local mode: dynalite on 127.0.0.1 (in memory, or in a directory with `--data`), with Steward's tables
 * created from the synthesized templates' key schemas. With a guard, callers reach dynalite only through a small
 * proxy that verifies each request's signature and authorizes its operation, as DynamoDB does; dynalite itself then
 * listens on a port the system picks.
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { AwsError } from './aws/errors.ts';
import type { EndpointGuard } from './aws/server.ts';
import { LOCAL_REGION } from './cfn.ts';
import type { LocalTable } from './wiring.ts';

export interface LocalDynamo {
  /** The URL callers use (the guarded proxy when there is a guard). */
  url: string;
  /** Creates the tables that do not exist yet (a `--data` directory keeps them across restarts). */
  createTables(tables: readonly LocalTable[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite; rejects with the listen error (EADDRINUSE …) leaving nothing open. */
export async function startDynamo(options: {
  port: number;
  dataDir?: string;
  guard?: EndpointGuard;
}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.dataDir });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.guard ? 0 : options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const internalUrl = `http://127.0.0.1:${port}`;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  if (options.guard) {
    try {
      proxy = await startProxy(options.port, port, options.guard);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }
  const url = proxy?.url ?? internalUrl;
  const client = new DynamoDBClient({
    endpoint: internalUrl,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'steward-local', secretAccessKey: 'steward-local' },
  });
  return {
    url,
    async createTables(tables) {
      for (const table of tables) {
        const existing = await client
          .send(new DescribeTableCommand({ TableName: table.name }))
          .then((out) => out.Table)
          .catch((error: { name?: string }) => {
            if (error.name === 'ResourceNotFoundException') return undefined;
            throw error;
          });
        const gsis = table.globalSecondaryIndexes as Array<Record<string, unknown>>;
        if (existing) {
          // A data folder from an older Steward lacks indexes added since; the local DynamoDB cannot add one to an
          // existing table, and queries on it would fail later with a less helpful error.
          const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
          const missing = gsis.map((g) => g.IndexName as string).filter((name) => !have.has(name));
          if (missing.length > 0) {
            throw new Error(
              `table ${table.name} in the data folder has no index ${missing.join(', ')} (added by a newer Steward): ` +
                'start with a new --data folder',
            );
          }
          continue;
        }
        await client.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: table.keySchema as never,
            AttributeDefinitions: table.attributeDefinitions as never,
            ...(gsis.length > 0
              ? {
                  GlobalSecondaryIndexes: gsis.map((g) => ({
                    IndexName: g.IndexName as string,
                    KeySchema: g.KeySchema as never,
                    Projection: (g.Projection as never) ?? { ProjectionType: 'ALL' },
                  })),
                }
              : {}),
          }),
        );
      }
    },
    close: async () => {
      await proxy?.close();
      await new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      });
    },
  };
}

/** The guarded front of dynalite: signature, then IAM, then the request as it came. */
async function startProxy(
  port: number,
  target: number,
  guard: EndpointGuard,
): Promise<{ url: string; close(): Promise<void> }> {
  const agent = new Agent({ keepAlive: true });
  const refuse = (res: ServerResponse, error: AwsError): void => {
    res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': error.code });
    res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${error.code}`, message: error.message }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://local');
    const caller = await guard.authenticate('dynamodb', {
      method: req.method ?? 'POST',
      rawPath: (req.url ?? '/').split('?')[0] ?? '/',
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (caller instanceof AwsError) return refuse(res, caller);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let input: Record<string, unknown> = {};
    try {
      input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      // dynalite answers malformed bodies itself (SerializationException).
    }
    const denied = await guard.authorize(caller, 'dynamodb', operation, input);
    if (denied) return refuse(res, denied);
    const forward = request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => refuse(res, new AwsError('InternalServerError', error.message, 500)));
    forward.end(body);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, new AwsError('InternalServerError', String(error), 500));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
