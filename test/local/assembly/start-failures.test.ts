import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStartError, startLocal } from '../../../lib/local/runtime.ts';

const listen = (port = 0): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server): number => (server.address() as AddressInfo).port;
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('local mode start-up failures', () => {
  let taken: Server;
  beforeAll(async () => {
    taken = await listen();
  });
  afterAll(() => close(taken));

  it('names the port in use and the flag to change it, leaving nothing running', async () => {
    // A free port for DynamoDB, released for local mode to use, then checked free again after the failure.
    const probe = await listen();
    const dynamodb = portOf(probe);
    await close(probe);

    const failure = await startLocal({
      ports: { api: portOf(taken), aws: 0, dynamodb },
      samples: false,
      log: () => undefined,
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LocalStartError);
    expect((failure as Error).message).toBe(
      `port ${portOf(taken)} (Steward API) is already in use: stop what uses it or pass --port <port>`,
    );
    const again = await listen(dynamodb);
    await close(again);
  }, 120_000);

  it('starts from the templates it is handed (the CLI starts loading them first) and reports their failure', async () => {
    const failure = await startLocal({
      ports: { api: 0, aws: 0, dynamodb: 0 },
      samples: false,
      log: () => undefined,
      templates: Promise.reject(new Error('Unknown tier "nope": use -c tier=<dev|staging|prod>')),
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(LocalStartError);
    expect((failure as Error).message).toBe('Unknown tier "nope": use -c tier=<dev|staging|prod>');
  }, 60_000);
});
