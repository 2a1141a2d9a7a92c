export { type FunctionStats, LambdaRunner, type LambdaRunnerOptions } from './runner.ts';
export type { InvokeResult, LocalFunction } from './types.ts';
