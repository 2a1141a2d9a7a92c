// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
/**
 * End-to-end: the console's runs pages in a real browser, on runs of a workflow these cases create themselves
 * (nobody else's runs are touched). The run list's filters and deep links, the run page's graph coloured by step
 * status, selecting a step by mouse and keyboard, the timeline, history and audit trail, and every action — pause,
 * resume, cancel with a reason, retry a failed step — each through its confirmation dialog.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.ts';
import { type E2E, isLocal, waitForStatus } from '../support/steward.ts';

const COMMERCE = 'http://127.0.0.1:4513';

/** A workflow of three steps: a call, a wait for `console.approved` of the run's order, a call. */
export function consoleWorkflow(name: string): Record<string, unknown> {
  return {
    name,
    version: '1.0.0',
    definition: {
      steps: [
        {
          name: 'reserve',
          step_type: 'service_call',
          service: 'inventory',
          endpoint: '/console/{order_id}/reserve',
          retry_policy: { max_attempts: 2, backoff_base: 2, backoff_multiplier: 100 },
        },
        {
          name: 'approval',
          step_type: 'event_wait',
          event_type: 'console.approved',
          event_filter: { order_id: '${context.order_id}' },
          timeout: 3_600_000,
          depends_on: ['reserve'],
        },
        {
          name: 'ship',
          step_type: 'service_call',
          service: 'inventory',
          endpoint: '/console/{order_id}/ship',
          depends_on: ['approval'],
        },
      ],
    },
  };
}

/** Clicks a button in the open confirmation dialog (after typing the reason when given). */
async function confirm(page: Page, button: string, reason?: string): Promise<void> {
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  if (reason !== undefined) await dialog.locator('textarea[name=reason]').fill(reason);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' }).catch(() => page.locator('dialog[open]').waitFor({ state: 'hidden' }));
}

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function consoleRunsCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console: runs', () => {
    const open = useBrowser();
    const suffix = crypto.randomUUID().slice(0, 8);
    let workflowId = '';

    const start = async (orderId: string): Promise<string> => {
      if (!workflowId) {
        const created = await get().api<{ id: string }>(
          'POST',
          '/workflows',
          consoleWorkflow(`Console Runs ${suffix}`),
        );
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        workflowId = created.body.id;
      }
      const run = await get().api<{ execution_id: string }>('POST', '/executions', {
        workflow_id: workflowId,
        correlation_id: `console-${orderId}`,
        context: { order_id: orderId },
      });
      expect(run.status, JSON.stringify(run.body)).toBe(201);
      return run.body.execution_id;
    };
    const approve = async (orderId: string): Promise<void> => {
      const sent = await get().api('POST', '/events', {
        type: 'console.approved',
        source: 'console-e2e',
        data: { order_id: orderId },
      });
      expect(sent.status, JSON.stringify(sent.body)).toBeLessThan(300);
    };
    const waitingAt = async (id: string, step: string): Promise<void> => {
      await waitForStatus(get(), id, ['running']);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { body } = await get().api<{ steps: Array<{ step: string; status: string }> }>(
          'GET',
          `/executions/${id}/steps`,
        );
        if (body.steps.some((s) => s.step === step && s.status === 'running')) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`run ${id} never waited at ${step}`);
    };

    it('lists runs filtered by workflow and status from a deep link, and Enter opens a run', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const id = await start(order);
      await waitingAt(id, 'approval');

      const { page } = await open(`${get().url}/console/runs?workflow_id=${workflowId}&status=running`);
      const row = page.locator(`tr[data-key="${id}"]`);
      await row.waitFor();
      expect(await page.locator('#filter-workflow_id').inputValue()).toBe(workflowId);
      await expect.poll(() => row.textContent()).toContain('approval');

      // Another status hides it; the filter is written back to the URL.
      await page.locator('#filter-status').selectOption('completed');
      await page.waitForURL((u) => u.searchParams.get('status') === 'completed');
      await row.waitFor({ state: 'detached' });
      await page.goBack();
      await row.waitFor();
      // A start-time range that excludes it, typed into the date-time field (typing replaces the history entry).
      await page.locator('#filter-from').fill('2999-01-01T00:00');
      await page.waitForURL((u) => u.searchParams.get('from') === '2999-01-01T00:00');
      await row.waitFor({ state: 'detached' });
      await page.locator('#filter-from').fill('');
      await page.waitForURL((u) => !u.searchParams.has('from'));
      await row.waitFor();

      await row.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === `/console/runs/${id}`);
      await page.locator('[data-node="approval"][data-status="waiting"]').waitFor();
      await approve(order);
    }, 90_000);

    it('shows a finished run: graph by status, a step chosen by mouse or keyboard, timeline, history', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const id = await start(order);
      await waitingAt(id, 'approval');
      await approve(order);
      expect((await waitForStatus(get(), id, ['completed', 'failed'], 60_000)).status).toBe('completed');

      const { page } = await open(`${get().url}/console/runs/${id}`);
      for (const step of ['reserve', 'approval', 'ship']) {
        await page.locator(`[data-node="${step}"][data-status="completed"]`).waitFor();
      }
      // The status is in words too (the accessible name), not only in colour.
      expect(await page.locator('[data-node="ship"]').getAttribute('aria-label')).toContain('completed');

      await page.locator('[data-node="approval"]').click();
      await page.waitForURL((u) => u.searchParams.get('step') === 'approval');
      const panel = page.locator('.step-panel');
      await panel.getByRole('heading', { name: 'Step approval' }).waitFor();
      await panel.getByText('Waited for').waitFor();
      await expect.poll(() => panel.textContent()).toContain('console.approved');
      await expect.poll(() => panel.textContent()).toContain(order);

      // Keyboard: focus the ship node and press Enter.
      await page.locator('[data-node="ship"]').focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.searchParams.get('step') === 'ship');
      await panel.locator('[data-attempt="1"]').waitFor();
      await expect.poll(() => panel.textContent()).toContain(`/console/${order}/ship`);

      // The timeline tab, reached by a deep link that keeps the step.
      await page.goto(`${get().url}/console/runs/${id}?tab=timeline&step=ship`);
      await page.locator('.tl-row[data-step="reserve"]').waitFor();
      expect(await page.locator('.tl-rows > li').count()).toBe(3);
      expect(await page.locator('.tl-row.selected').getAttribute('data-step')).toBe('ship');
      await page.locator('.tl-row[data-step="approval"] button').click();
      await page.waitForURL((u) => u.searchParams.get('step') === 'approval');

      await page.getByRole('tab', { name: 'History' }).click();
      await page.waitForURL((u) => u.searchParams.get('tab') === 'history');
      await page.getByRole('table', { name: 'History' }).getByText('step_attempt').first().waitFor();
    }, 90_000);

    it('pauses, resumes and cancels a run with a reason through the dialogs; the audit trail says who', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const id = await start(order);
      await waitingAt(id, 'approval');
      const { page } = await open(`${get().url}/console/runs/${id}`);
      const actions = page.getByRole('region', { name: 'Run actions' });

      await actions.getByRole('button', { name: 'Pause' }).click();
      // Esc closes the dialog without acting.
      await page.locator('dialog[open]').waitFor();
      await page.keyboard.press('Escape');
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
      expect((await get().api<{ status: string }>('GET', `/executions/${id}`)).body.status).toBe('running');

      await actions.getByRole('button', { name: 'Pause' }).click();
      await confirm(page, 'Pause', 'console check');
      await page.locator('.facts [data-status="paused"]').waitFor();
      // Pause has given way to Resume; what it did is still said, by the actions' bar.
      await actions.getByRole('status').filter({ hasText: 'Run paused' }).waitFor();

      await actions.getByRole('button', { name: 'Resume' }).click();
      await confirm(page, 'Resume');
      await page.locator('.facts [data-status="running"]').waitFor();

      await actions.getByRole('button', { name: 'Cancel run' }).click();
      const dialog = page.locator('dialog[open]');
      // The reason is required: the confirm button stays disabled without one.
      expect(await dialog.getByRole('button', { name: 'Cancel run', exact: true }).isDisabled()).toBe(true);
      await confirm(page, 'Cancel run', 'customer withdrew');
      await page.locator('.facts [data-status="cancelled"]').waitFor();
      await actions.getByRole('status').filter({ hasText: 'Run cancelled' }).waitFor();
      await expect.poll(() => page.locator('.facts').textContent()).toContain('customer withdrew');

      await page.getByRole('tab', { name: 'Audit trail' }).click();
      const audit = page.getByRole('table', { name: 'Audit trail' });
      for (const action of ['execution.pause', 'execution.resume', 'execution.cancel']) {
        await audit.getByText(action, { exact: true }).waitFor();
      }
    }, 90_000);

    it('retries a failed step through its dialog; the run continues and completes', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const reserve = `/console/${order}/reserve`;
      await fetch(`${COMMERCE}/__control/fail`, { method: 'POST', body: JSON.stringify({ path: reserve, times: 20 }) });
      const id = await start(order);
      expect((await waitForStatus(get(), id, ['failed', 'completed'], 60_000)).status).toBe('failed');
      await fetch(`${COMMERCE}/__control/fail`, { method: 'POST', body: JSON.stringify({ path: reserve, times: 0 }) });

      const { page } = await open(`${get().url}/console/runs/${id}?step=reserve`, 'phone');
      await page.locator('[data-node="reserve"][data-status="failed"]').waitFor();
      const panel = page.locator('.step-panel');
      await panel.locator('[data-attempt="2"]').waitFor();
      await panel.getByRole('button', { name: 'Retry reserve' }).click();
      await confirm(page, 'Retry step', 'service is back');
      await page.locator('[data-node="approval"][data-status="waiting"]').waitFor();
      await approve(order);
      await page.locator('.facts [data-status="completed"]').waitFor({ timeout: 30_000 });
      // At phone width nothing is wider than the screen (the graph scrolls in its own box).
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      expect(overflow).toBeLessThanOrEqual(0);
    }, 120_000);
  });
}
