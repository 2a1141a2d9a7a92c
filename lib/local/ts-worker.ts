/**
 * The threads local mode runs its own TypeScript in from the sources (DynamoDB's; the synthesis runs bundled, see
 * ./templates.ts).
 * Lambda handlers have their own (lambda/worker-source.ts), as they run bundles and serve invocations.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { threadExecArgv } from './thread-flags.ts';

/** tsx's API, which a thread registers to import TypeScript (here and in a Lambda environment's bootstrap). */
export const TSX_API = import.meta.resolve('tsx/esm/api');

/**
 * A worker thread running the TypeScript module `entryUrl`: its bootstrap is a CommonJS `eval` script, so it needs
 * no loader itself; it registers tsx, then imports the entry. A failure to load is posted as
 * `{ type: 'error', message }`, the message starting with `failurePrefix`.
 */
export function typeScriptWorker(entryUrl: string, failurePrefix: string, options: WorkerOptions = {}): Worker {
  const source = `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(TSX_API)})
  .then(({ register }) => register())
  .then(() => import(${JSON.stringify(entryUrl)}))
  .catch((error) => parentPort.postMessage({ type: 'error', message: ${JSON.stringify(failurePrefix)} + String((error && error.stack) || error) }));
`;
  return new Worker(source, { execArgv: threadExecArgv(), ...options, eval: true });
}
