/**
 * Steward's workflow module: schema, validation, compiler to Amazon States Language, report and Mermaid graph.
 * Stacks, handlers, the API and the CLI import from here only.
 */
export type {
  AslBranch,
  AslCatcher,
  AslChoiceState,
  AslFailState,
  AslMapState,
  AslParallelState,
  AslPassState,
  AslRetrier,
  AslState,
  AslStateMachine,
  AslSucceedState,
  AslTaskState,
  AslWaitState,
} from './asl.ts';
export { type CompileOptions, type CompileResult, compileWorkflow, stateNames } from './compile.ts';
export type { ListParallelism } from './compile-context.ts';
export { buildStepGraph, criticalPath, findCycles, type StepGraph, topologicalOrder } from './dag.ts';
export { type Problem, WorkflowCompileError, WorkflowError, WorkflowValidationError } from './errors.ts';
export { workflowGraph } from './graph.ts';
export { allSteps, type LocatedStep, stepNames } from './names.ts';
export { type CompileReport, STANDARD_USD_PER_TRANSITION } from './report.ts';
export { LAMBDA_ERRORS, LAMBDA_RETRIER, retrierFor, retrierProblems, retryDelays } from './retry.ts';
export type {
  ChoiceStep,
  ConcurrencyLimit,
  Condition,
  ErrorHandler,
  EventWaitStep,
  FailStep,
  MapStep,
  OnError,
  RetryPolicy,
  ServiceCallStep,
  ServiceRequestSpec,
  StepType,
  SubWorkflowStep,
  SucceedStep,
  Trigger,
  WaitStep,
  WorkflowDocument,
  WorkflowStep,
} from './schema.ts';
export { workflowDocumentSchema, workflowStepSchema } from './schema.ts';
export { type SpResult, type SpTree, seriesParallelize, treeMakespan } from './sp.ts';
export {
  ruleText,
  type StateEdge,
  type StateEdgeKind,
  type StateGraph,
  type StateNode,
  type StateNodeKind,
  type StateRetrier,
  stateGraph,
} from './state-graph.ts';
export {
  endpointPlaceholders,
  parseTemplate,
  refToJsonPath,
  type TemplateRef,
  templateExpressions,
  templateToJsonPath,
} from './templates.ts';
export { formatPath, type ValidateOptions, type ValidationResult, validateWorkflow } from './validate.ts';
export { LIMITS, retryPolicyProblems } from './validate-steps.ts';
