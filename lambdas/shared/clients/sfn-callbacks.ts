/**
 * What answering a task token takes: the Step Functions client and its command. Loaded through
 * `loadSfnCallbacks` (./lazy.ts) only: imported statically it would sit in the cold start of every function that answers
 * tokens only on some paths.
 */
export { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
export { sfn } from './sfn.ts';
