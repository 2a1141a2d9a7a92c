/**
 * Browser tests of the console: one headless Chromium (Debian's, through playwright-core) per test file, a new page
 * per test. Every page records uncaught errors, console errors and failed API calls; the test fails on any of them
 * unless it said it expects that failure (an action's 429, say), so a page that quietly breaks cannot pass.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** The two widths every page must work at: a laptop and a phone. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** Locator timeouts: far inside the test timeouts even on a loaded machine. */
export const UI_TIMEOUT = 20_000;

export interface ConsolePage {
  page: Page;
  /** Lets API answers with this status whose path matches `path` through (a test that provokes them). */
  allowApiError(status: number, path: RegExp): void;
  /** The problems seen so far (uncaught errors, console errors, failed API calls not allowed). */
  problems(): string[];
}

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Registers the browser hooks in the surrounding `describe` and returns `open(url, viewport)`, which opens a console
 * page in a fresh context. After each test the pages are checked for problems and closed.
 */
export function useBrowser(): (url: string, viewport?: ViewportName) => Promise<ConsolePage> {
  let browser: Browser | undefined;
  const open: ConsolePage[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.STEWARD_CHROMIUM ?? '/usr/bin/chromium',
      args: LAUNCH_ARGS,
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  }, 30_000);
  afterEach(async () => {
    const pages = open.splice(0);
    const problems = pages.flatMap((p) => p.problems());
    await Promise.all(pages.map((p) => p.page.context().close()));
    expect(problems, 'the console pages had errors').toEqual([]);
  }, 30_000);

  return async (url, viewport = 'desktop') => {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport: VIEWPORTS[viewport] });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    const problems: string[] = [];
    const allowed: Array<{ status: number; path: RegExp }> = [];
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      // A refused API call also logs "Failed to load resource"; the response handler reports it (or allows it).
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(`console.error: ${message.text()}`);
      }
    });
    page.on('requestfailed', (request) => {
      // Polls cut short by navigation are aborted on purpose.
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      const path = new URL(response.url()).pathname;
      if (allowed.some((a) => a.status === response.status() && a.path.test(path))) return;
      problems.push(`API ${response.request().method()} ${path} answered ${response.status()}`);
    });
    const handle: ConsolePage = {
      page,
      allowApiError: (status, path) => allowed.push({ status, path }),
      problems: () => [...problems],
    };
    open.push(handle);
    await page.goto(url);
    return handle;
  };
}
