/**
 * End-to-end: the console's Services pages in a real browser, against local mode. The list (checks with their
 * latest results, history bars, uptime, budgets), the supervision tree, keyboard navigation and deep links, a service's
 * page, and every action: restart now (the sample planning-system, left healthy again), start/end maintenance and
 * retire (a service of the test's own), and a spent budget's 429 with its Retry-After (planning-system, after the
 * supervision cases, whose restart case counts on its budget; the budget is reset and the service left healthy).
 */
import { describe, expect, it } from 'vitest';
import { UI_TIMEOUT, useBrowser, type ViewportName } from '../support/browser.ts';
import { type E2E, eventually, isLocal } from '../support/steward.ts';

type Status = {
  services: Array<{ id: string; name: string; health: string; restarts?: { budget_exhausted: boolean } }>;
};

const SAMPLES = [
  'planning-system',
  'agent-orchestrator',
  'project-coordinator',
  'commerce',
  'inventory',
  'payments',
  'shipping',
  'notifier',
];

async function serviceId(e2e: E2E, name: string): Promise<string> {
  const { body } = await e2e.api<Status>('GET', '/services/status');
  const found = body.services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found.id;
}

async function healthy(e2e: E2E, name: string): Promise<void> {
  await eventually(
    `${name} healthy`,
    async () => {
      const { body } = await e2e.api<Status>('GET', '/services/status');
      return body.services.find((s) => s.name === name)?.health === 'healthy' ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** Registers the cases that run before supervision; `get` gives the running Steward. */
export function consoleServiceCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console: services', () => {
    const open = useBrowser();

    for (const viewport of ['desktop', 'phone'] as ViewportName[]) {
      it(`lists every service with its checks' latest results, budget and history (${viewport})`, async () => {
        await healthy(get(), 'planning-system');
        const { page } = await open(`${get().url}/console/services`, viewport);
        const rows = page.locator('table[aria-label="Services"] tbody tr[data-key]');
        await rows.first().waitFor();
        const names = await page
          .locator('table[aria-label="Services"] tbody tr[data-key] td:first-child a')
          .allTextContents();
        expect(names).toEqual(expect.arrayContaining(SAMPLES));

        // The checks column shows the real latest result of each check (it was always empty on the old page).
        const planning = rows.filter({ has: page.getByRole('link', { name: 'planning-system', exact: true }) });
        const check = planning.locator('.check-line[data-check="http"]');
        await check.locator('[data-status="healthy"]').waitFor();
        expect(await check.textContent()).toMatch(/http.*healthy.*200.*ms/);
        const coordinator = rows.filter({ has: page.getByRole('link', { name: 'project-coordinator', exact: true }) });
        expect(await coordinator.locator('.check-line').count()).toBe(2);
        expect(await planning.locator('td[data-label="Restarts"]').textContent()).toMatch(/of 5 in 5 min/);
        if (viewport === 'desktop') {
          // A bar of recorded results, and uptime figures for both windows.
          await planning.locator('.bar .seg').first().waitFor();
          expect(await planning.locator('.bar').getAttribute('aria-label')).toMatch(/recorded results: \d+ healthy/);
          await planning.locator('[data-window="24h"]').waitFor();
          expect(await planning.locator('[data-window="24h"]').textContent()).toMatch(/24h\s*(\d+(\.\d+)? %|no data)/);
        } else {
          // The phone layout drops the wide columns and never scrolls sideways.
          expect(await planning.locator('td[data-label="History"]').isVisible()).toBe(false);
          const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
          expect(overflow).toBeLessThanOrEqual(0);
        }
      }, 90_000);
    }

    it('shows the supervision tree from a deep link: groups with their strategies and services', async () => {
      const { page } = await open(`${get().url}/console/services?view=tree`);
      const tree = page.locator('ul.tree');
      await tree.locator('li[data-group="agents"]').waitFor();
      expect(await page.getByRole('tab', { name: 'Supervision tree' }).getAttribute('aria-selected')).toBe('true');
      expect(await tree.locator('li[data-group="agents"] > .group-name').textContent()).toMatch(/one for one/);
      expect(await tree.locator('li[data-group="commerce"] > .group-name').textContent()).toMatch(/one for all/);
      for (const name of ['planning-system', 'agent-orchestrator']) {
        await tree.locator(`li[data-group="agents"] li[data-service="${name}"]`).waitFor();
      }
      await tree.locator('li[data-group="commerce"] li[data-service="payments"]').waitFor();
      // A service without a group hangs from the root.
      await tree.locator('li[data-group="root"] > ul > li[data-service="project-coordinator"]').waitFor();
      expect(await tree.locator('li[data-service="agent-orchestrator"]').textContent()).toMatch(
        /depends on planning-system/,
      );
      await page.getByRole('tab', { name: 'Table' }).click();
      await page.waitForURL((u) => !u.searchParams.has('view'));
    }, 60_000);

    it('is driven by keyboard: "/" filters, arrows move between rows, Enter opens one', async () => {
      const { page } = await open(`${get().url}/console/services`);
      const rows = page.locator('table[aria-label="Services"] tbody tr[data-key]');
      await rows.nth(1).waitFor();
      await rows.first().focus();
      const first = await rows.first().getAttribute('data-key');
      await page.keyboard.press('ArrowDown');
      const second = await page.evaluate('document.activeElement?.getAttribute("data-key")');
      expect(second).toBe(await rows.nth(1).getAttribute('data-key'));
      expect(second).not.toBe(first);
      await page.keyboard.press('ArrowUp');
      expect(await page.evaluate('document.activeElement?.getAttribute("data-key")')).toBe(first);

      await page.locator('h1').click();
      await page.keyboard.press('/');
      await page.keyboard.type('planning');
      await page.waitForURL((u) => u.searchParams.get('q') === 'planning');
      await expect.poll(() => rows.count(), { timeout: UI_TIMEOUT }).toBe(1);
      await rows.first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/services\/[^/?]+$/);
      await page.locator('h1', { hasText: 'planning-system' }).waitFor();
      // Back restores the filtered list from the URL.
      await page.goBack();
      await expect.poll(() => page.locator('#filter-q').inputValue(), { timeout: UI_TIMEOUT }).toBe('planning');
    }, 60_000);

    it('restarts a service from its page after confirmation, shows the result and the audit entry', async () => {
      const e2e = get();
      await healthy(e2e, 'planning-system');
      const id = await serviceId(e2e, 'planning-system');
      const { page } = await open(`${e2e.url}/console/services/${id}`);
      await page.locator('h1', { hasText: 'planning-system' }).waitFor();
      // Checks, uptime, the history bar and the latency chart from the recorded results.
      await page.locator('table[aria-label="Checks"] [data-status="healthy"]').waitFor();
      await page.locator('dd[data-window="7d"]').waitFor();
      await page.locator('section[aria-labelledby="history-title"] .bar .seg').first().waitFor();
      await page.locator('section[aria-labelledby="history-title"] svg.chart').waitFor();
      expect(await page.locator('dd[data-budget]').textContent()).toMatch(/of 5 in 5 min/);

      // Esc closes the dialog without doing anything.
      await page.getByRole('button', { name: 'Restart now' }).click();
      const dialog = page.getByRole('dialog', { name: 'Restart planning-system now?' });
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });

      await page.getByRole('button', { name: 'Restart now' }).click();
      await dialog.getByRole('textbox', { name: /Reason/ }).fill('console e2e: restart on request');
      await dialog.getByRole('button', { name: 'Restart now' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /Restarted \(attempt \d+\); \d+ restarts? left/ })
        .waitFor();
      const audit = page.locator('table[aria-label="Audit trail"]');
      await audit.locator('tr', { hasText: 'service.restart' }).filter({ hasText: 'console e2e' }).waitFor();
      // Leave it healthy for the cases after this one.
      await healthy(e2e, 'planning-system');
    }, 120_000);

    it('starts and ends maintenance and retires a service of its own, at phone width', async () => {
      const e2e = get();
      const name = `console-maint-${crypto.randomUUID().slice(0, 8)}`;
      const created = await e2e.api<{ id: string }>('POST', '/services', {
        name,
        description: 'console e2e: maintenance and retire',
        base_url: 'http://127.0.0.1:4510',
        health_checks: [{ name: 'http', type: 'http', path: '/health', interval_seconds: 10 }],
      });
      expect(created.status).toBe(201);
      // Once probed healthy (and so active) the prober writes its record only on changes and heartbeats.
      await healthy(e2e, name);
      const { page } = await open(`${e2e.url}/console/services/${created.body.id}`, 'phone');
      await page.locator('h1', { hasText: name }).waitFor();
      // Not an ECS service: no restart offered (the API would answer 409), the reason said instead.
      await page.getByText('Not an ECS service Steward manages').waitFor();
      expect(await page.getByRole('button', { name: 'Restart now' }).count()).toBe(0);

      await page.getByRole('button', { name: 'Start maintenance' }).click();
      await page
        .getByRole('dialog', { name: `Put ${name} in maintenance?` })
        .getByRole('button', { name: 'Start maintenance' })
        .click();
      await page.getByRole('status').filter({ hasText: 'In maintenance.' }).waitFor();
      await page.locator('.status-line [data-status="maintenance"]').first().waitFor();
      await page.locator('table[aria-label="Audit trail"] tr', { hasText: 'lifecycle: maintenance' }).waitFor();

      await page.getByRole('button', { name: 'End maintenance' }).click();
      await page
        .getByRole('dialog', { name: `End maintenance of ${name}?` })
        .getByRole('button', { name: 'End maintenance' })
        .click();
      await page.getByRole('status').filter({ hasText: 'Maintenance ended' }).waitFor();
      await page.getByRole('button', { name: 'Start maintenance' }).waitFor();

      await page.getByRole('button', { name: 'Retire' }).click();
      await page
        .getByRole('dialog', { name: `Retire ${name}?` })
        .getByRole('button', { name: 'Retire' })
        .click();
      await page.getByText('This service is retired: nothing to do.').waitFor();
      await page.locator('table[aria-label="Audit trail"] tr', { hasText: 'service.retire' }).waitFor();
      const { body } = await e2e.api<{ lifecycle: string }>('GET', `/services/${created.body.id}`);
      expect(body.lifecycle).toBe('retired');
    }, 90_000);
  });
}

/** Registered after the supervision cases: it spends planning-system's budget, then resets it. */
export function consoleSpentBudgetCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console: a spent restart budget', () => {
    const open = useBrowser();

    it('shows the 429 with its Retry-After, and resets the budget after confirmation', async () => {
      const e2e = get();
      await healthy(e2e, 'planning-system');
      const id = await serviceId(e2e, 'planning-system');
      // Start from a clean budget, then spend it with restarts of our own, so the 429 is one with a refill time.
      expect((await e2e.api('PUT', `/services/${id}`, { reset_restarts: true })).status).toBe(200);
      const spent = await eventually('the restart budget to be spent', async () => {
        const answer = await e2e.api('POST', `/services/${id}/restart`, { reason: 'console e2e: spend the budget' });
        return answer.status === 429 ? answer : undefined;
      });
      expect(spent.status).toBe(429);

      const { page, allowApiError } = await open(`${e2e.url}/console/services/${id}`);
      allowApiError(429, new RegExp(`/services/${id}/restart$`));
      await page.locator('h1', { hasText: 'planning-system' }).waitFor();
      await page.getByRole('button', { name: 'Restart now' }).click();
      const dialog = page.getByRole('dialog', { name: 'Restart planning-system now?' });
      await dialog.getByRole('button', { name: 'Restart now' }).click();
      const error = dialog.getByRole('alert');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/Restart budget of 'planning-system' is spent.*Retry after \d+ s\./);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /is spent/ })
        .waitFor();

      await page.getByRole('button', { name: 'Reset restart budget' }).click();
      await page
        .getByRole('dialog', { name: 'Reset the restart budget of planning-system?' })
        .getByRole('button', { name: 'Reset restart budget' })
        .click();
      // The budget is whole again, so the page drops the button that reset it; the panel keeps saying it was done.
      await expect
        .poll(() => page.getByRole('button', { name: 'Reset restart budget' }).count(), { timeout: UI_TIMEOUT })
        .toBe(0);
      await page.getByRole('status').filter({ hasText: 'Restart budget reset.' }).waitFor();
      // Two resets: the one this test made over the API first, and the console's.
      await expect
        .poll(() => page.locator('table[aria-label="Audit trail"] tr', { hasText: 'reset_restarts' }).count(), {
          timeout: UI_TIMEOUT,
        })
        .toBeGreaterThanOrEqual(2);
      await healthy(e2e, 'planning-system');
    }, 120_000);
  });
}
