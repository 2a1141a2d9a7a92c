/**
 * End-to-end: the console's shell in a real browser (local mode only: the deployed API does not serve the console;
 * `steward console --url` does). Every area opens from the navigation at laptop and phone widths, `/` redirects to
 * the console, `/` (the key) focuses the filter, and deep links restore the filters.
 */
import { describe, expect, it } from 'vitest';
import { useBrowser, type ViewportName } from '../support/browser.ts';
import { type E2E, isLocal } from '../support/steward.ts';

const AREAS = [
  { label: 'Runs', path: '/console/runs' },
  { label: 'Workflows', path: '/console/workflows' },
  { label: 'Services', path: '/console/services' },
  { label: 'Alerts', path: '/console/alerts' },
  { label: 'Events', path: '/console/events' },
];

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function consoleCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console shell', () => {
    const open = useBrowser();

    for (const viewport of ['desktop', 'phone'] as ViewportName[]) {
      it(`opens every area from the navigation (${viewport})`, async () => {
        const { page } = await open(`${get().url}/`, viewport);
        // Local mode's root redirects to the console, whose root opens Runs.
        await page.waitForURL(/\/console\/runs$/);
        await page.locator('h1', { hasText: 'Runs' }).waitFor();
        for (const area of AREAS) {
          await page.getByRole('navigation', { name: 'Console areas' }).getByRole('link', { name: area.label }).click();
          await page.waitForURL((u) => u.pathname === area.path);
          await page.locator('h1', { hasText: area.label }).waitFor();
          const current = page.getByRole('link', { name: area.label, exact: true });
          expect(await current.getAttribute('aria-current')).toBe('page');
          expect(await page.title()).toBe(`${area.label} · Steward console`);
          // Nothing wider than the screen: the page scrolls vertically only (tables scroll inside their box).
          const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
          expect(overflow, `${area.label} at ${viewport}`).toBeLessThanOrEqual(0);
        }
        // Back returns to the previous area (history routing).
        await page.goBack();
        await page.waitForURL((u) => u.pathname === '/console/alerts');
        await page.locator('h1', { hasText: 'Alerts' }).waitFor();
      }, 60_000);
    }

    it('restores filters from a deep link, writes them back, and focuses the filter on "/"', async () => {
      const { page } = await open(`${get().url}/console/runs?status=completed&correlation_id=nothing-matches-this`);
      await page.locator('h1', { hasText: 'Runs' }).waitFor();
      expect(await page.locator('#filter-status').inputValue()).toBe('completed');
      expect(await page.locator('#filter-correlation_id').inputValue()).toBe('nothing-matches-this');
      await page.getByText('No runs match.').waitFor();

      await page.locator('#filter-status').selectOption('failed');
      await page.waitForURL((u) => u.searchParams.get('status') === 'failed');
      expect(new URL(page.url()).searchParams.get('correlation_id')).toBe('nothing-matches-this');

      await page.locator('h1').click();
      await page.keyboard.press('/');
      expect(await page.evaluate('document.activeElement?.id')).toBe('filter-workflow_id');
    }, 60_000);

    it('shows a page that does not exist as such, with the way back', async () => {
      const { page } = await open(`${get().url}/console/no-such-page`);
      await page.locator('h1', { hasText: 'Not found' }).waitFor();
      await page.getByRole('link', { name: 'Go to Runs' }).click();
      await page.waitForURL(/\/console\/runs$/);
    }, 60_000);
  });
}
