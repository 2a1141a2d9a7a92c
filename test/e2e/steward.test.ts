/**
 * Steward end to end: one local Steward (or the deployed one at STEWARD_E2E_URL) for every case, since the sample
 * services listen on fixed ports. Workflows first, then the console, then supervision, whose last case spends
 * agent-orchestrator's restart budget, then the console's spent-budget case; then authenticated calls (they register services of their own); last, IAM:
 * no call of the whole suite was refused.
 */
import { afterAll, beforeAll } from 'vitest';
import { consoleCases } from './cases/console.ts';
import { consoleAlertEventCases } from './cases/console-alerts-events.ts';
import { consoleProxyCases } from './cases/console-proxy.ts';
import { consoleRunsCases } from './cases/console-runs.ts';
import { consoleServiceCases, consoleSpentBudgetCases } from './cases/console-services.ts';
import { consoleWorkflowCases } from './cases/console-workflows.ts';
import { iamCases } from './cases/iam.ts';
import { supervisionCases } from './cases/supervision.ts';
import { serviceCallCases, workflowCases } from './cases/workflows.ts';
import { type E2E, startE2E } from './support/steward.ts';

let e2e: E2E | undefined;

beforeAll(async () => {
  e2e = await startE2E();
}, 180_000);
afterAll(async () => {
  await e2e?.stop();
}, 30_000);

const get = (): E2E => {
  if (!e2e) throw new Error('Steward did not start');
  return e2e;
};

workflowCases(get);
consoleCases(get);
consoleRunsCases(get);
consoleWorkflowCases(get);
consoleServiceCases(get);
consoleAlertEventCases(get);
consoleProxyCases(get);
supervisionCases(get);
consoleSpentBudgetCases(get);
serviceCallCases(get);
iamCases(get);
