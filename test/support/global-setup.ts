import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { buildConsole, consoleIsStale } from '../../scripts/build-console.ts';

/**
 * Starts one in-memory DynamoDB (dynalite) for the whole test run. Test files create their own uniquely named
 * tables on it (test/support/tables.ts), so files never share state. Builds the console first when console/dist is
 * missing or older than its sources, so browser tests always see the code under test.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (consoleIsStale()) await buildConsole();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${port}`;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'steward-test';
  process.env.AWS_SECRET_ACCESS_KEY = 'steward-test';
  // The test services listen on 127.0.0.1, as local mode's do: loopback destinations are allowed, as local mode allows
  // them. Tests of the outbound policy set their own.
  process.env.STEWARD_OUTBOUND_LOOPBACK = 'allow';
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
