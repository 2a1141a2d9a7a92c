import { EXECUTION_ROUTES } from '../../lib/core/api/routes/executions.ts';
import { apiHandler } from '../shared/http.ts';
import { cancelExecution, pauseExecution, resumeExecution } from './commands.ts';
import {
  getExecution,
  getExecutionHistory,
  getExecutionState,
  getStep,
  listAuditRecords,
  listExecutions,
  listStepRetries,
  listSteps,
  listStepsOfExecution,
} from './read.ts';
import { retryStep, startExecution } from './start.ts';

/** REST: executions, their lifecycle commands, steps, step retries and the audit trail. */
export const handler = apiHandler(EXECUTION_ROUTES, {
  startExecution,
  listExecutions,
  getExecution,
  cancelExecution,
  pauseExecution,
  resumeExecution,
  getExecutionState,
  getExecutionHistory,
  listSteps,
  getStep,
  listExecutionSteps: listStepsOfExecution,
  listStepRetries,
  retryStep,
  listAudit: listAuditRecords,
});
