/**
 * End-to-end: supervision of the sample services and the status page, against local mode (default) or a deployed
 * stack (STEWARD_E2E_URL). Crashing a service and the browser test need local mode.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type E2E, eventually, isLocal, seedContext, waitForStatus } from '../support/steward.ts';

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function supervisionCases(get: () => E2E): void {
  const e2e = new Proxy({} as E2E, { get: (_t, key) => get()[key as keyof E2E] });

  const ORCHESTRATOR = 'http://127.0.0.1:4511';

  const busEvents = async (type: string): Promise<Array<{ detail: { data: Record<string, unknown> } }>> => {
    const answer = (await (await fetch(`${e2e.url}/local/events?limit=200`)).json()) as {
      events: Array<{ 'detail-type': string; detail: { data: Record<string, unknown> } }>;
    };
    return answer.events.filter((e) => e['detail-type'] === type);
  };

  const forceUnhealthy = () =>
    fetch(`${ORCHESTRATOR}/__control/health`, { method: 'POST', body: JSON.stringify({ healthy: false }) }).catch(
      () => undefined,
    );

  describe('the status page', () => {
    it.runIf(isLocal)(
      'renders services and an execution with its steps in a real browser',
      async () => {
        const started = await e2e.api<{ execution_id: string }>('POST', '/executions', {
          workflow_name: 'Agent Task Execution',
          context: seedContext(),
        });
        await waitForStatus(e2e, started.body.execution_id, ['completed', 'failed'], 60_000);
        const browser = await chromium.launch({
          executablePath: process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        });
        try {
          const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
          await page.goto(`${e2e.url}/`);
          await page.locator('#services tbody tr[data-service]').first().waitFor({ timeout: 20_000 });
          await page.locator(`#executions li[data-id="${started.body.execution_id}"]`).click({ timeout: 20_000 });
          await page.locator('svg.graph g.node[data-step="execution_monitoring"]').waitFor({ timeout: 20_000 });
          await page.locator('.timeline .row').nth(3).waitFor({ timeout: 20_000 });

          expect(await page.locator('#services tbody tr[data-service]').count()).toBe(8);
          expect(await page.locator('svg.graph g.node').count()).toBe(4);
          const dir = join(process.cwd(), '.steward', 'screenshots');
          mkdirSync(dir, { recursive: true });
          await page.screenshot({ path: join(dir, 'status-page.png'), fullPage: true });
        } finally {
          await browser.close();
        }
      },
      120_000,
    );
  });

  describe('supervision', () => {
    it('lists every service with its status at /services/status', async () => {
      const answer = await e2e.api<{ services: Array<{ id: string; status: string }> }>('GET', '/services/status');

      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.body.services)).toBe(true);
      if (isLocal) {
        // The eight services of services.json, probed: the quick ones turn healthy.
        expect(answer.body.services).toHaveLength(8);
        await eventually(
          'a sample service to be probed healthy',
          async () => {
            const { body } = await e2e.api<{ services: Array<{ health: string }> }>('GET', '/services/status');
            return body.services.some((s) => s.health === 'healthy') ? true : undefined;
          },
          { timeoutMs: 30_000 },
        );
      }
    }, 60_000);

    it.runIf(isLocal)(
      'restarts an unhealthy service within its budget, then escalates when the budget runs out',
      async () => {
        // The sample also turns unhealthy by itself 40 s after each start (FLAKE_AFTER_SECONDS), so restarts may
        // already have happened: count restarts on the bus rather than assume a fresh process.
        const ecs = e2e.local!.backend.services.ecs;
        expect(ecs.pidOf('agent-orchestrator')).toBeDefined();

        await forceUnhealthy();
        const restarted = await eventually(
          'service.restarted for agent-orchestrator',
          async () => {
            const events = await busEvents('service.restarted');
            return events.length > 0 ? events : undefined;
          },
          { timeoutMs: 60_000 },
        );
        expect(restarted[0]?.detail.data).toMatchObject({ name: 'agent-orchestrator' });

        // Keep it failing: every replacement turns unhealthy again until the budget (3 per 5 minutes) is spent.
        const exhausted = await eventually(
          'service.restart_budget_exhausted',
          async () => {
            await forceUnhealthy();
            const events = await busEvents('service.restart_budget_exhausted');
            return events.length > 0 ? events : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        expect(exhausted.length).toBeGreaterThanOrEqual(1);
      },
      200_000,
    );
  });
}
