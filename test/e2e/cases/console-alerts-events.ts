/**
 * End-to-end: the console's Alerts and Events pages in a real browser, against local mode, on data of the test's
 * own: a service registered at a port nobody listens on (it turns unhealthy and opens an alert), and test events with
 * their own type and correlation id.
 */
import { describe, expect, it } from 'vitest';
import { useBrowser } from '../support/browser.ts';
import { type E2E, eventually, isLocal } from '../support/steward.ts';

type Alert = { alert_id: string; summary: string; service_id?: string; state: string };

export function consoleAlertEventCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console: alerts and events', () => {
    const open = useBrowser();

    it('lists an open alert by its summary, opens its timeline, and acknowledges it (keyboard, phone)', async () => {
      const e2e = get();
      const name = `console-down-${crypto.randomUUID().slice(0, 8)}`;
      const created = await e2e.api<{ id: string }>('POST', '/services', {
        name,
        base_url: 'http://127.0.0.1:1',
        health_checks: [{ name: 'http', type: 'http', path: '/health', interval_seconds: 10, timeout_ms: 500 }],
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      try {
        const alert = await eventually(
          `an open alert for ${name}`,
          async () => {
            const { body } = await e2e.api<{ alerts: Alert[] }>('GET', '/alerts?state=open&limit=100');
            return body.alerts.find((a) => a.service_id === id);
          },
          { timeoutMs: 60_000 },
        );

        const { page } = await open(`${e2e.url}/console/alerts?state=open`, 'phone');
        const row = page.locator(`table[aria-label="Alerts"] tr[data-key="${alert.alert_id}"]`);
        await row.waitFor();
        // The summary, never the raw key; severity and state as words.
        expect(await row.textContent()).toContain(`${name} is unhealthy`);
        expect(await row.textContent()).not.toContain(`service:${id}:unhealthy`);
        await row.locator('[data-status="critical"]').waitFor();
        await row.locator('[data-status="open"]').waitFor();

        await row.focus();
        await page.keyboard.press('Enter');
        await page.waitForURL((u) => u.searchParams.get('alert') === alert.alert_id);
        const panel = page.locator(`aside[data-alert="${alert.alert_id}"]`);
        await panel.locator('ol.timeline-list li', { hasText: 'opened (critical)' }).waitFor();
        // The service by its name (the alert carries only its id), linked to its page.
        const serviceLink = panel.getByRole('link', { name, exact: true });
        await serviceLink.waitFor();
        expect(await serviceLink.getAttribute('href')).toBe(`/console/services/${id}`);

        await panel.getByRole('button', { name: 'Acknowledge' }).click();
        const dialog = page.getByRole('dialog', { name: `Acknowledge “${name} is unhealthy”?` });
        await dialog.getByRole('textbox', { name: /Note/ }).fill('console e2e: looking');
        await dialog.getByRole('button', { name: 'Acknowledge' }).click();
        await page
          .getByRole('status')
          .filter({ hasText: /Acknowledged by / })
          .waitFor();
        const { body } = await e2e.api<{ alerts: Alert[] }>('GET', '/alerts?state=acknowledged&limit=100');
        expect(body.alerts.find((a) => a.alert_id === alert.alert_id)?.state).toBe('acknowledged');

        // A deep link opens the same alert with its timeline, now acknowledged.
        const again = await open(`${e2e.url}/console/alerts?state=acknowledged&alert=${alert.alert_id}`);
        const deep = again.page.locator(`aside[data-alert="${alert.alert_id}"]`);
        await deep.locator('ol.timeline-list li', { hasText: 'acknowledged by' }).waitFor();
        await deep.locator('[data-status="acknowledged"]').waitFor();
        expect(await deep.getByRole('button', { name: 'Acknowledge' }).isDisabled()).toBe(true);
      } finally {
        await e2e.api('DELETE', `/services/${id}`);
      }
    }, 180_000);

    it('sends a test event, finds it by type, correlation id and time, and shows its data', async () => {
      const e2e = get();
      const type = `console.test_${crypto.randomUUID().slice(0, 8)}`;
      const correlation = `console-corr-${crypto.randomUUID()}`;
      const { page, allowApiError } = await open(`${e2e.url}/console/events`);
      allowApiError(400, /^\/events$/);
      await page.locator('h1', { hasText: 'Events' }).waitFor();
      await page.getByText('Send a test event').click();
      const form = page.getByRole('form', { name: 'Send a test event' });
      // A body the API refuses: its message and field are shown in the dialog.
      await form.getByRole('textbox', { name: 'Type' }).fill('not a type!');
      await form.getByRole('button', { name: 'Send event' }).click();
      const refused = page.getByRole('dialog', { name: /Send a not a type! event\?/ });
      await refused.getByRole('button', { name: 'Send event' }).click();
      expect(await refused.getByRole('alert').textContent()).toMatch(/type: must be letters, digits/);
      await refused.getByRole('button', { name: 'Cancel' }).click();
      // Data that is not a JSON object is caught before sending.
      await form.getByRole('textbox', { name: /Data/ }).fill('{"hello": ');
      await form.getByText(/data: is not valid JSON/).waitFor();
      expect(await form.getByRole('button', { name: 'Send event' }).isDisabled()).toBe(true);

      await form.getByRole('textbox', { name: 'Type' }).fill(type);
      await form.getByRole('textbox', { name: /Correlation id/ }).fill(correlation);
      await form.getByRole('textbox', { name: /Data/ }).fill('{"hello": "console"}');
      await form.getByRole('button', { name: 'Send event' }).click();
      await page
        .getByRole('dialog', { name: `Send a ${type} event?` })
        .getByRole('button', { name: 'Send event' })
        .click();
      await page
        .getByRole('status')
        .filter({ hasText: /Sent .+: matched 0 waiting steps/ })
        .waitFor();

      // By type, from a deep link; the row opens the event's data.
      const byType = await open(`${e2e.url}/console/events?type=${type}`);
      const row = byType.page.locator('table[aria-label="Events"] tbody tr[data-key]');
      await row.first().waitFor();
      expect(await row.count()).toBe(1);
      await row.first().getByRole('button', { name: type }).click();
      const panel = byType.page.locator('aside[data-event]');
      await panel.locator('.j-str', { hasText: '"console"' }).waitFor();
      expect(new URL(byType.page.url()).searchParams.get('event')).toBe(await row.first().getAttribute('data-key'));

      // By correlation id, typed into the filter (written back to the URL), and by a time range that excludes it.
      await byType.page.locator('#filter-type').fill('');
      await byType.page.locator('#filter-correlation_id').fill(correlation);
      await byType.page.waitForURL(
        (u) => u.searchParams.get('correlation_id') === correlation && !u.searchParams.has('type'),
      );
      await byType.page.locator('table[aria-label="Events"] tbody tr[data-key]', { hasText: type }).waitFor();
      await byType.page.locator('#filter-from').fill('2099-01-01T00:00');
      await byType.page.getByText('No events match.').waitFor();
    }, 120_000);
  });
}
