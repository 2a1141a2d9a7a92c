/**
 * End-to-end: the console through `steward console`'s signing proxy. The proxy points at a stand-in for a deployed
 * API (a stage path, every request's SigV4 signature verified with local mode's verifier, refusals as API Gateway
 * answers them) which hands verified requests to this suite's local mode. The browser sees a working console; the
 * stand-in sees only signed requests, with no browser headers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../../lib/cli/console.ts';
import { type ConsoleProxy, startConsoleProxy } from '../../../lib/cli/console-proxy.ts';
import { type SignedApi, startSignedApi } from '../../support/signed-api.ts';
import { useBrowser } from '../support/browser.ts';
import { type E2E, isLocal } from '../support/steward.ts';

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function consoleProxyCases(get: () => E2E): void {
  describe.runIf(isLocal)('the console through steward console (SigV4 proxy)', () => {
    const open = useBrowser();
    let dir = '';
    let api: SignedApi;
    let proxy: ConsoleProxy;

    beforeAll(async () => {
      api = await startSignedApi({ forwardTo: get().url });
      dir = mkdtempSync(join(tmpdir(), 'steward-console-e2e-'));
      writeFileSync(
        join(dir, 'credentials'),
        `[console-e2e]\naws_access_key_id = ${api.keys.accessKeyId}\naws_secret_access_key = ${api.keys.secretAccessKey}\n`,
      );
      writeFileSync(join(dir, 'config'), `[profile console-e2e]\nregion = ${api.region}\n`);
      proxy = await startConsoleProxy({
        target: new URL(api.url),
        region: api.region,
        credentials: fromIni({
          profile: 'console-e2e',
          filepath: join(dir, 'credentials'),
          configFilepath: join(dir, 'config'),
        }),
        consoleDir: CONSOLE_DIST,
        port: 0,
      });
    }, 30_000);
    afterAll(async () => {
      await proxy?.close();
      await api?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the services of the stack, every API call signed and verified', async () => {
      const { page } = await open(`${proxy.url}/console/services`);
      await page.locator('h1', { hasText: 'Services' }).waitFor();
      await page.getByRole('link', { name: 'agent-orchestrator', exact: true }).waitFor();
      const calls = api.received.filter((r) => r.url.startsWith('/v1/services/status'));
      expect(calls.length).toBeGreaterThan(0);
      expect(api.received.filter((r) => r.verdict !== 'ok')).toEqual([]);
      for (const call of api.received) {
        expect(call.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=LOCALOPERATOR\//);
        for (const name of ['origin', 'referer', 'cookie', 'sec-fetch-site', 'sec-fetch-mode']) {
          expect(call.headers[name], `${call.url}: ${name}`).toBeUndefined();
        }
      }
      // A deep link into a service, opened from the list with the keyboard.
      await page.getByRole('link', { name: 'agent-orchestrator', exact: true }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname.startsWith('/console/services/'));
      await page.locator('h1', { hasText: 'agent-orchestrator' }).waitFor();
    }, 60_000);

    it('sends a write (a test event) through the proxy after confirmation', async () => {
      const type = `console-proxy.ping.${crypto.randomUUID().slice(0, 8)}`;
      const { page } = await open(`${proxy.url}/console/events`);
      await page.locator('h1', { hasText: 'Events' }).waitFor();
      await page.getByText('Send a test event').click();
      await page.locator('form[aria-label="Send a test event"] input[name="type"]').fill(type);
      await page.getByRole('button', { name: 'Send event' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Send event' }).click();
      await page.getByText(/Sent .*: matched 0 waiting steps/).waitFor();
      const post = api.received.find((r) => r.method === 'POST' && r.url === '/v1/events');
      expect(post?.verdict).toBe('ok');
      expect(post?.headers['content-type']).toMatch(/^application\/json/);
      expect(post?.headers.origin).toBeUndefined();
    }, 60_000);
  });
}
