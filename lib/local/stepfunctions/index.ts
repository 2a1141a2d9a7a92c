export type { ExecutionRecord, ExecutionStatus } from './execution.ts';
export type { HistoryEvent } from './history.ts';
export { type StatusChangeEntry, type StepFunctionsOptions, StepFunctionsService } from './service.ts';
