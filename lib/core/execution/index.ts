/** Execution lifecycle logic: statuses and transitions, ids and hashes, concurrency decisions, history mapping. */
export * from './concurrency.ts';
export * from './history.ts';
export * from './ids.ts';
export * from './status.ts';
