/**
 * Screenshots of the console's main pages for the docs: starts local mode with the samples (the seed workflow, the
 * sample services, one of which flakes now and then), waits until there is something real to show, and writes
 * docs/console-<page>.png at 1280 px wide with headless Chromium. Uses the samples' fixed ports (4510–4513).
 * Usage: npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLocal } from '../lib/local/runtime.ts';
import { KNOWN_GAPS } from '../test/support/iam-known-gaps.ts';
import { buildConsole, consoleIsStale } from './build-console.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs');

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

if (consoleIsStale()) await buildConsole();
const steward = await startLocal({
  rootDir: root,
  ports: { api: 0, aws: 0, dynamodb: 0 },
  samples: true,
  // Schedules six times faster: probes, restarts and alerts have happened by the time the pages are taken.
  speed: 6,
  iam: true,
  acceptFindings: KNOWN_GAPS.createTime,
  log: () => {},
  onFunctionLog: () => {},
});
const API = steward.urls.api;
const get = async <T>(path: string): Promise<T> => (await (await fetch(API + path)).json()) as T;
const post = async <T>(path: string, body: unknown): Promise<T> =>
  (await (
    await fetch(API + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json()) as T;

// A few more runs of the seed workflow beside the one local mode starts, so the runs list is not a single row.
const seed = steward.seedExecutionId;
for (let i = 1; i <= 4; i++) {
  await post('/executions', {
    workflow_name: 'Agent Task Execution',
    context: { project_id: `p${i}`, task_id: `task-${i}`, agent_id: `agent-${i}` },
  });
}
await waitFor(async () => {
  const run = await get<{ status: string }>(`/executions/${seed}`);
  return run.status === 'completed' || run.status === 'failed' ? true : undefined;
}, 120_000);
// Wait for an alert (agent-orchestrator turns unhealthy now and then) so the alerts page shows one; not forever.
await waitFor(async () => {
  const alerts = await get<{ alerts?: unknown[] }>('/alerts');
  return (alerts.alerts?.length ?? 0) > 0 ? true : undefined;
}, 90_000);

const workflows = await get<{ workflows: Array<{ id: string; name: string }> }>('/workflows');
const seedWorkflow = workflows.workflows.find((w) => w.name === 'Agent Task Execution');
const services = await get<{ services: Array<{ id: string; name: string }> }>('/services/status');
const orchestrator = services.services.find((s) => s.name === 'agent-orchestrator');

const pages: Array<{ file: string; path: string; ready: string }> = [
  { file: 'console-runs.png', path: '/console/runs', ready: 'table[aria-label="Runs"] tbody tr[data-key]' },
  { file: 'console-run.png', path: `/console/runs/${seed}`, ready: 'svg.graph g.node' },
  {
    file: 'console-workflows.png',
    path: seedWorkflow ? `/console/workflows/${seedWorkflow.id}` : '/console/workflows',
    ready: seedWorkflow ? 'svg.graph g.node' : 'table tbody tr[data-key]',
  },
  { file: 'console-services.png', path: '/console/services', ready: 'table[aria-label="Services"] tbody tr[data-key]' },
  {
    file: 'console-service.png',
    path: `/console/services/${orchestrator?.id ?? ''}`,
    ready: 'h1#page-title',
  },
  { file: 'console-alerts.png', path: '/console/alerts', ready: 'table tbody tr' },
];

const browser = await chromium.launch({
  executablePath: process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
mkdirSync(docs, { recursive: true });
const failures: string[] = [];
for (const shot of pages) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (e) => failures.push(`${shot.path}: ${e.message}`));
  await page.goto(API + shot.path);
  await page.locator(shot.ready).first().waitFor({ timeout: 30_000 });
  // Let the page's other panels (polls started with the first one) settle: wait until no request is in flight.
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: join(docs, shot.file) });
  console.log(`docs/${shot.file}  ${shot.path}`);
  await context.close();
}
await browser.close();
await steward.stop();
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
process.exit(0);
