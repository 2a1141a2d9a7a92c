/**
 * End-to-end: the console's workflows pages in a real browser, on a workflow these cases create: the list (Enter
 * opens a workflow), versions and the compiled graph of each, the compile report, validating a pasted definition
 * with each problem pointed at its line, and starting a run from the context form.
 */
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.ts';
import { type E2E, isLocal, waitForStatus } from '../support/steward.ts';
import { consoleWorkflow } from './console-runs.ts';

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function consoleWorkflowCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console: workflows', () => {
    const open = useBrowser();
    const name = `Console Workflows ${crypto.randomUUID().slice(0, 8)}`;
    let id = '';
    const ensure = async (): Promise<string> => {
      if (id) return id;
      const created = await get().api<{ id: string }>('POST', '/workflows', consoleWorkflow(name));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      id = created.body.id;
      const second = consoleWorkflow(name) as {
        version: string;
        definition: { steps: Array<Record<string, unknown>> };
      };
      second.version = '2.0.0';
      second.definition.steps.push({
        name: 'notify',
        step_type: 'service_call',
        service: 'notifier',
        endpoint: '/console/{order_id}/notify',
        depends_on: ['ship'],
      });
      const versioned = await get().api('POST', `/workflows/${id}/versions`, second);
      expect(versioned.status, JSON.stringify(versioned.body)).toBe(201);
      return id;
    };

    it('opens a workflow from the list by keyboard; shows each version’s graph and its compile report', async () => {
      const workflowId = await ensure();
      const { page } = await open(`${get().url}/console/workflows`);
      const row = page.locator(`tr[data-key="${workflowId}"]`);
      await row.waitFor();
      await row.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === `/console/workflows/${workflowId}`);

      // The latest version (2.0.0) has the added step; 1.0.0 does not.
      await page.locator('[data-node="notify"]').waitFor();
      await page.locator('#version-select').selectOption('1.0.0');
      await page.waitForURL((u) => u.searchParams.get('version') === '1.0.0');
      await page.locator('[data-node="ship"]').waitFor();
      expect(await page.locator('[data-node="notify"]').count()).toBe(0);
      // The whole state machine is there: the pause states appear when asked for.
      expect(await page.locator('[data-node="ship.paused"]').count()).toBe(0);
      await page.goto(`${get().url}/console/workflows/${workflowId}?version=1.0.0&detail=full`);
      await page.locator('[data-node="ship.paused"]').waitFor();

      await page.locator('[data-node="approval"]').click();
      await page.waitForURL((u) => u.searchParams.get('step') === 'approval');
      await expect.poll(() => page.locator('.step-panel').textContent()).toContain('console.approved');

      await page.getByRole('tab', { name: 'Compile report' }).click();
      // Three steps: three transitions on the happy path, $75 per million runs on Standard.
      await expect
        .poll(() => page.locator('[data-figure="transitions"]').textContent())
        .toContain('3 on the happy path');
      expect(await page.locator('[data-figure="cost"]').textContent()).toContain('$75 on Standard');
    }, 90_000);

    it('validates a pasted definition and points each problem at its line', async () => {
      const workflowId = await ensure();
      const { page } = await open(`${get().url}/console/workflows/${workflowId}?tab=validate`);
      const editor = page.locator('#definition-text');
      await editor.waitFor();
      const stored = await editor.inputValue();
      expect(JSON.parse(stored).name).toBe(name);

      const broken = JSON.parse(stored) as { definition: { steps: Array<Record<string, unknown>> } };
      broken.definition.steps[2]!.depends_on = ['nowhere'];
      const text = JSON.stringify(broken, null, 2);
      await editor.fill(text);
      await page.getByRole('button', { name: 'Validate', exact: true }).click();
      const problem = page.locator('.problems li', { hasText: 'definition.steps[2].depends_on' }).first();
      await problem.waitFor();
      const line = text.split('\n').findIndex((l) => l.includes('"nowhere"')) + 1;
      await problem.getByRole('button').click();
      // The gutter marks the line; the textarea selects the field.
      await page.locator(`.editor-lines [data-line="${line}"].bad-line`).waitFor();
      const selected = await editor.evaluate((el) => {
        const area = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
        return area.value.slice(area.selectionStart, area.selectionEnd);
      });
      expect(selected).toContain('nowhere');

      await page.getByRole('button', { name: 'Reset to the stored version' }).click();
      await page.getByRole('button', { name: 'Validate', exact: true }).click();
      await page.getByText('Valid. What it compiles to:').waitFor();
      await page.locator('[data-report] [data-figure="transitions"]').waitFor();
      await page.locator('.graph [data-node="notify"]').waitFor();
    }, 90_000);

    it('starts a run from the context form after confirming, and opens its page', async () => {
      const workflowId = await ensure();
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const { page } = await open(`${get().url}/console/workflows/${workflowId}?tab=start`, 'phone');
      const field = page.locator('#ctx-order_id');
      await field.waitFor();
      await field.fill(order);
      await page.getByRole('button', { name: 'Start run' }).click();
      const dialog = page.locator('dialog[open]');
      await expect.poll(() => dialog.textContent()).toContain(order);
      await dialog.getByRole('button', { name: 'Start run', exact: true }).click();
      await page.waitForURL((u) => /^\/console\/runs\/[0-9a-f-]{36}$/.test(u.pathname));
      const runId = new URL(page.url()).pathname.split('/').pop()!;
      await page.locator('[data-node="approval"][data-status="waiting"]').waitFor();
      const run = await get().api<{ context: Record<string, unknown> }>('GET', `/executions/${runId}`);
      expect(run.body.context).toEqual({ order_id: order });
      await get().api('POST', '/events', {
        type: 'console.approved',
        source: 'console-e2e',
        data: { order_id: order },
      });
      expect((await waitForStatus(get(), runId, ['completed', 'failed'], 60_000)).status).toBe('completed');
    }, 90_000);
  });
}
