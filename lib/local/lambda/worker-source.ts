import { LOCAL_AWS_PORTS } from '../../../lambdas/shared/clients/local-transport.ts';

/**
 * Source of the worker thread that hosts one instance of a handler. It runs as an `eval` worker (CommonJS
 * script) so that it needs no loader itself: for a TypeScript entry it registers tsx (a bundle needs none), imports
 * the entry once (cold start) and then serves invocations posted by the parent, one at a time, like a Lambda
 * execution environment.
 *
 * Messages in: `{ id, payload (JSON text), deadline, requestId }`. Messages out: `{ type: 'ready' }`,
 * `{ type: 'init-error', errorType, errorMessage }`, `{ type: 'result', id, ok, payload | errorType… }`.
 */
export function workerSource(tsxApiUrl: string): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const serializeError = (error) => {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: String(error.stack || '').split('\\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
};
// Linux: the thread carries the function's name (\`top -H\`, /proc/<pid>/task/*/comm show where local mode's CPU goes).
const fs = require('node:fs');
try {
  fs.writeFileSync('/proc/thread-self/comm', workerData.threadName);
} catch {
  // Not Linux.
}
// The SDK's transport to local mode's endpoints (lambdas/shared/clients/local-transport.ts), read when the handler's
// clients are created.
globalThis[Symbol.for(${JSON.stringify(LOCAL_AWS_PORTS.description)})] = workerData.awsPorts;
// A TypeScript entry needs tsx's loader; a bundle (.mjs/.js) does not, and registering tsx costs each worker
// about as much as loading the bundle itself. Bundles keep readable stack traces through their source maps.
const loader = /.[cm]?tsx?$/.test(workerData.entryUrl)
  ? import(${JSON.stringify(tsxApiUrl)}).then(({ register }) => register())
  : Promise.resolve(process.setSourceMapsEnabled(true));
loader.then(async () => {
  let mod;
  try {
    mod = await import(workerData.entryUrl);
  } catch (error) {
    parentPort.postMessage({ type: 'init-error', ...serializeError(error), errorType: 'Runtime.ImportModuleError' });
    return;
  }
  const handler = mod.handler;
  if (typeof handler !== 'function') {
    parentPort.postMessage({ type: 'init-error', errorType: 'Runtime.HandlerNotFound', errorMessage: workerData.entry + ' does not export handler', trace: [] });
    return;
  }
  // A background function's thread yields the CPU to the threads that answer a waiting caller, once loaded: loading
  // every handler is part of local mode's start, which must not wait behind it.
  if (workerData.nice > 0) {
    try {
      require('node:os').setPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice);
    } catch {
      // Not Linux: the thread keeps the process's priority.
    }
  }
  parentPort.on('message', async (msg) => {
    const context = {
      awsRequestId: msg.requestId,
      functionName: workerData.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: workerData.arn,
      memoryLimitInMB: String(workerData.memoryMb),
      logGroupName: '/aws/lambda/' + workerData.functionName,
      logStreamName: 'local/' + workerData.slot,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
      done: () => {}, fail: () => {}, succeed: () => {},
    };
    try {
      const value = await handler(JSON.parse(msg.payload), context);
      parentPort.postMessage({ type: 'result', id: msg.id, ok: true, payload: JSON.stringify(value === undefined ? null : value) });
    } catch (error) {
      parentPort.postMessage({ type: 'result', id: msg.id, ok: false, ...serializeError(error) });
    }
  });
  parentPort.postMessage({ type: 'ready' });
}).catch((error) => {
  parentPort.postMessage({ type: 'init-error', ...serializeError(error), errorType: 'Runtime.ImportModuleError' });
});
`;
}
