/**
 * The threads local mode runs its own TypeScript in from the sources (DynamoDB's; the synthesis runs bundled, see
 * ./templates.ts).
 * Lambda handlers have their own (lambda/worker-source.ts), as they run bundles and serve invocations.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Node's profiling flags, which a thread takes from the process (with their value, given apart or after `=`). */
const PROFILING_FLAG = /^--(cpu|heap)-prof(-dir|-interval)?(=|$)/;

/**
 * The Node flags local mode's threads start with: of the process's own, only the profiling ones, so that
 * `--cpu-prof` profiles every thread. A thread inherits them all by default, and under `npm start` they load tsx's
 * hooks in every thread, which a bundle does not need (and a TypeScript thread registers itself); V8's flags apply
 * to the whole process anyway, and a thread refuses them in its own list.
 */
export function threadExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const match = PROFILING_FLAG.exec(flag);
    if (!match) continue;
    kept.push(flag);
    const takesValue = match[2] !== undefined && match[3] === '';
    if (takesValue && i + 1 < argv.length) kept.push(argv[++i] as string);
  }
  return kept;
}

/** tsx's API, which a thread registers to import TypeScript. */
const TSX_API = import.meta.resolve('tsx/esm/api');

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
