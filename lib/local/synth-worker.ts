/**
 * The thread local mode synthesizes its templates in (see `synthesizeInThread` in ./templates.ts): it synthesizes
 * once, posts the stack templates and is ended. Started with {@link SynthRequest} as its `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { synthesize } from './templates.ts';

/** What the thread synthesizes. */
export interface SynthRequest {
  rootDir: string;
  tier: string;
  samples: boolean;
}

const port = parentPort;
if (!port) throw new Error('synth-worker.ts runs as a worker thread (see templates.ts)');
const { rootDir, tier, samples } = workerData as SynthRequest;
synthesize(rootDir, tier, samples).then(
  (stacks) => port.postMessage({ type: 'stacks', stacks }),
  (error: unknown) =>
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
);
