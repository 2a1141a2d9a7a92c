/**
 * `steward console --url`: the proxy serves the console's files, signs every API call with SigV4 from a profile of
 * the standard credential chain (checked by a stand-in API that verifies signatures with local mode's verifier),
 * streams the answer back, refreshes expiring credentials, and refuses what a foreign web page could send it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedNames, isLoopbackAddress, parseTarget, resolveRegion, run } from '../../lib/cli/console.ts';
import { forwardedHeaders, returnedHeaders, startConsoleProxy, upstreamUrl } from '../../lib/cli/console-proxy.ts';
import { type SignedApi, type StandInAnswer, startSignedApi, type VerifiedRequest } from '../support/signed-api.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-console-'));
const dist = join(dir, 'dist');
const saved = { ...process.env };
let api: SignedApi;
/** What the stand-in answers next (set per test); default: echo what it verified. */
let next: ((r: VerifiedRequest) => StandInAnswer | Promise<StandInAnswer>) | undefined;
const echo = (r: VerifiedRequest): StandInAnswer => ({
  status: 200,
  chunks: [
    JSON.stringify({
      method: r.method,
      path: r.path,
      rawQuery: r.rawQuery,
      body: r.body.toString('utf8'),
      accessKeyId: r.accessKeyId,
      headers: r.headers,
    }),
  ],
});

/** One running `steward console`, started through the command as a user would. */
interface Running {
  url: string;
  out: string;
  err: string;
  stop: () => void;
  done: Promise<number>;
}

async function startConsole(args: string[]): Promise<Running> {
  let out = '';
  let err = '';
  let ready: (v: { url: string; stop: () => void }) => void = () => {};
  const started = new Promise<{ url: string; stop: () => void }>((resolve) => {
    ready = resolve;
  });
  const done = run(args, {
    consoleDir: dist,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    onReady: (url, stop) => ready({ url, stop }),
  });
  const first = await Promise.race([started, done.then((code) => ({ code }))]);
  if ('code' in first) throw new Error(`steward console exited ${first.code}: ${err}`);
  return {
    url: first.url,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    stop: first.stop,
    done,
  };
}

/** A raw HTTP request (fetch would not let a test set Host, Origin, Cookie or Sec-Fetch-Site). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let proxy: Running;

beforeAll(async () => {
  rmSync(dist, { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dist, { recursive: true });
  writeFileSync(
    join(dist, 'index.html'),
    '<!doctype html><title>Steward</title><script src="/console/app.js"></script>',
  );
  writeFileSync(join(dist, 'app.js'), 'console.log("steward")');
  writeFileSync(join(dist, 'app.css'), 'body{}');
  writeFileSync(join(dir, 'package.json'), '{"secret":true}');
  api = await startSignedApi({ answer: (r) => (next ?? echo)(r) });
  const refreshKeys = [api.issue('first'), api.issue('second'), api.issue('third')];
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(refreshKeys));
  writeFileSync(join(dir, 'count'), '0');
  // A credential process handing out a different short-lived key on each call, as SSO or an assumed role would.
  writeFileSync(
    join(dir, 'creds.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';
const n = Number(readFileSync(${JSON.stringify(join(dir, 'count'))}, 'utf8'));
writeFileSync(${JSON.stringify(join(dir, 'count'))}, String(n + 1));
const keys = JSON.parse(readFileSync(${JSON.stringify(join(dir, 'keys.json'))}, 'utf8'));
const k = keys[Math.min(n, keys.length - 1)];
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: k.accessKeyId, SecretAccessKey: k.secretAccessKey,
  SessionToken: 'session-' + n, Expiration: new Date(Date.now() + 120000).toISOString() }));
`,
  );
  writeFileSync(
    join(dir, 'credentials'),
    [
      '[console-test]',
      `aws_access_key_id = ${api.keys.accessKeyId}`,
      `aws_secret_access_key = ${api.keys.secretAccessKey}`,
      '[wrong-secret]',
      `aws_access_key_id = ${api.keys.accessKeyId}`,
      'aws_secret_access_key = not-the-secret',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'config'),
    [
      '[profile console-test]',
      `region = ${api.region}`,
      '[profile wrong-secret]',
      `region = ${api.region}`,
      '[profile rotating]',
      `region = ${api.region}`,
      `credential_process = ${process.execPath} ${join(dir, 'creds.mjs')}`,
      '',
    ].join('\n'),
  );
  // Only the profile may provide credentials and the region: nothing from the test run's environment.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE']) {
    delete process.env[name];
  }
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  proxy = await startConsole(['--url', api.url, '--profile', 'console-test', '--port', '0']);
});

afterAll(async () => {
  proxy?.stop();
  await proxy?.done;
  await api?.close();
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('steward console: the console files', () => {
  it('redirects / to /console/ and serves index.html for every page path (history routing)', async () => {
    const root = await send(proxy.url, 'GET', '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const bare = await send(proxy.url, 'GET', '/console');
    expect(bare.status).toBe(302);
    expect(bare.headers.location).toBe('/console/');
    for (const page of ['/console/', '/console/runs/abc?step=s1', '/console/services/svc-1']) {
      const answer = await send(proxy.url, 'GET', page);
      expect(answer.status, page).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expect(answer.text).toContain('<title>Steward</title>');
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    const js = await send(proxy.url, 'GET', '/console/app.js');
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).toBe('console.log("steward")');
    expect(api.received).toHaveLength(0);
  });

  it('never serves a file outside the console directory', async () => {
    for (const path of [
      '/console/..%2f..%2fpackage.json',
      '/console/../../package.json',
      '/console/%2e%2e/package.json',
    ]) {
      const answer = await send(proxy.url, 'GET', path);
      expect(answer.text, path).not.toContain('secret');
    }
  });

  it('answers a write to a console page with 405 in the error envelope', async () => {
    const answer = await send(proxy.url, 'POST', '/console/runs', { 'content-type': 'application/json' }, '{}');
    expect(answer.status).toBe(405);
    expect(JSON.parse(answer.text).error.code).toBe('method_not_allowed');
  });
});

describe('steward console: forwarding to the deployed API', () => {
  it('signs with the profile for execute-api in the profile region, keeping the stage and every query value', async () => {
    const answer = await send(proxy.url, 'GET', '/executions?status=RUNNING&status=PAUSED&q=a+b%2Fc&limit=5');
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text);
    expect(seen.accessKeyId).toBe(api.keys.accessKeyId);
    expect(seen.path).toBe('/executions');
    expect(seen.rawQuery).toBe('status=RUNNING&status=PAUSED&q=a%20b%2Fc&limit=5');
    expect(seen.headers.authorization).toMatch(/\/eu-west-3\/execute-api\/aws4_request/);
    expect(proxy.out).toContain("profile 'console-test'");
    expect(proxy.out).toContain('only (loopback)');
  });

  it('forwards a JSON write with its idempotency key, and none of the browser headers', async () => {
    const origin = proxy.url;
    const body = JSON.stringify({ workflow_name: 'w', context: { note: 'héllo' } });
    const answer = await send(
      proxy.url,
      'POST',
      '/executions',
      {
        'content-type': 'application/json',
        'idempotency-key': 'key-1',
        origin,
        referer: `${origin}/console/runs`,
        cookie: 'session=secret',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'cors',
        'user-agent': 'Mozilla/5.0',
        'x-forwarded-for': '10.0.0.1',
      },
      body,
    );
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.text);
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe(body);
    expect(seen.headers['idempotency-key']).toBe('key-1');
    for (const name of ['origin', 'referer', 'cookie', 'sec-fetch-site', 'sec-fetch-mode', 'x-forwarded-for']) {
      expect(seen.headers[name], name).toBeUndefined();
    }
    expect(seen.headers['user-agent']).not.toBe('Mozilla/5.0');
  });

  it('streams the status, body and Retry-After back, and never a cookie', async () => {
    let firstSeen: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      firstSeen = resolve;
    });
    next = () => ({
      status: 429,
      headers: { 'retry-after': '7', 'set-cookie': 'tracking=1' },
      chunks: (async function* () {
        yield '{"error":{"code":"restart_budget_exhausted",';
        // The second half is written only once the browser side holds the first: the proxy does not buffer.
        await gate;
        yield '"message":"budget spent"}}';
      })(),
    });
    try {
      const answer = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
        (resolve, reject) => {
          const req = request(`${proxy.url}/services/s1/restart`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          });
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
              if (text.includes('restart_budget_exhausted')) firstSeen();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          });
          req.on('error', reject);
          req.end('{}');
        },
      );
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('7');
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(JSON.parse(answer.text)).toEqual({ error: { code: 'restart_budget_exhausted', message: 'budget spent' } });
    } finally {
      next = undefined;
    }
  });

  it("passes IAM's refusal through: a wrong secret is refused by the API, not hidden by the proxy", async () => {
    const wrong = await startConsole(['--url', api.url, '--profile', 'wrong-secret', '--port', '0']);
    try {
      const answer = await send(wrong.url, 'GET', '/services/status');
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text).error.code).toBe('INVALID_SIGNATURE');
      expect(api.received.at(-1)?.verdict).toBe('bad-signature');
    } finally {
      wrong.stop();
      await wrong.done;
    }
  });

  it('fetches credentials again as they near expiry, each call signed with the ones it holds', async () => {
    const rotating = await startConsole(['--url', api.url, '--profile', 'rotating', '--port', '0']);
    try {
      const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as Array<{ accessKeyId: string }>;
      const seen: Array<{ accessKeyId: string; token: string }> = [];
      // The SDK refreshes credentials within five minutes of expiry in the background and signs with the still-valid
      // ones meanwhile: call until a call is signed with the next key (every call must be accepted on the way).
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const answer = await send(rotating.url, 'GET', '/workflows');
        expect(answer.status).toBe(200);
        const body = JSON.parse(answer.text);
        seen.push({ accessKeyId: body.accessKeyId, token: body.headers['x-amz-security-token'] });
        if (body.accessKeyId !== keys[0]!.accessKeyId) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(seen[0]).toEqual({ accessKeyId: keys[0]!.accessKeyId, token: 'session-0' });
      expect(seen.at(-1)).toEqual({ accessKeyId: keys[1]!.accessKeyId, token: 'session-1' });
      expect(rotating.out).toContain('temporary');
    } finally {
      rotating.stop();
      await rotating.done;
    }
  });

  it('answers 503 in the error envelope when credentials can no longer be had, and signs nothing', async () => {
    const before = api.received.length;
    const stale = await startConsoleProxy({
      target: new URL(api.url),
      region: api.region,
      credentials: async () => {
        throw new Error('the SSO session has expired: run aws sso login');
      },
      consoleDir: dist,
      port: 0,
    });
    try {
      const answer = await send(stale.url, 'GET', '/executions');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).error).toMatchObject({
        code: 'credentials_unavailable',
        message: expect.stringContaining('aws sso login'),
      });
      expect(api.received.length).toBe(before);
    } finally {
      await stale.close();
    }
  });

  it('answers 502 in the error envelope when the API cannot be reached', async () => {
    const down = await startConsole(['--url', 'http://127.0.0.1:9/v1', '--profile', 'console-test', '--port', '0']);
    try {
      const answer = await send(down.url, 'GET', '/executions');
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.text).error).toMatchObject({ code: 'upstream_unreachable' });
    } finally {
      down.stop();
      await down.done;
    }
  });
});

describe('steward console: what a foreign page could send is refused before anything is signed', () => {
  it.each([
    ['a foreign Host (DNS rebinding)', 'GET', { host: 'evil.example' }, 'forbidden_host', 403],
    [
      'a foreign Origin on a write',
      'POST',
      { origin: 'https://evil.example', 'content-type': 'application/json' },
      'cross_origin',
      403,
    ],
    ['a foreign Origin on a read', 'GET', { origin: 'https://evil.example' }, 'cross_origin', 403],
    ['a cross-site fetch', 'GET', { 'sec-fetch-site': 'cross-site' }, 'cross_origin', 403],
    ['a form post (text/plain)', 'POST', { 'content-type': 'text/plain' }, 'unsupported_media_type', 415],
  ])('%s', async (_what, method, headers, code, status) => {
    const before = api.received.length;
    const answer = await send(proxy.url, method, '/executions', headers, method === 'POST' ? '{}' : undefined);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text).error.code).toBe(code);
    expect(api.received.length).toBe(before);
  });
});

describe('steward console: the command line', () => {
  it('refuses a non-loopback bind unless --allow-remote, and says what it binds', async () => {
    let err = '';
    const code = await run(['--url', api.url, '--profile', 'console-test', '--host', '0.0.0.0'], {
      consoleDir: dist,
      err: (t) => {
        err += t;
      },
      out: () => {},
    });
    expect(code).toBe(2);
    expect(err).toContain('refusing to bind 0.0.0.0');
    const remote = await startConsole([
      '--url',
      api.url,
      '--profile',
      'console-test',
      '--host',
      '0.0.0.0',
      '--allow-remote',
      '--port',
      '0',
    ]);
    try {
      expect(remote.out).toContain('NOT loopback (--allow-remote)');
      const port = new URL(remote.url).port;
      const foreign = await send(`http://127.0.0.1:${port}`, 'GET', '/executions', { host: `evil.example:${port}` });
      expect(foreign.status).toBe(403);
    } finally {
      remote.stop();
      await remote.done;
    }
  });

  it('checks --url and tells the region from the execute-api host, else the profile', async () => {
    expect(() => parseTarget('http://api.example.com/v1')).toThrow(/must use https/);
    expect(() => parseTarget('https://x.execute-api.eu-west-1.amazonaws.com/v1?a=1')).toThrow(/no query/);
    expect(() => parseTarget(undefined)).toThrow(/--url is required/);
    const deployed = parseTarget('https://abc.execute-api.ap-southeast-2.amazonaws.com/v1/');
    expect(deployed.pathname).toBe('/v1');
    expect(await resolveRegion(deployed, undefined, 'console-test')).toBe('ap-southeast-2');
    expect(await resolveRegion(parseTarget(api.url), undefined, 'console-test')).toBe('eu-west-3');
    expect(await resolveRegion(deployed, 'us-west-2', undefined)).toBe('us-west-2');
    await expect(resolveRegion(parseTarget(api.url), undefined, 'no-such-profile')).rejects.toThrow(/--region/);
    await expect(resolveRegion(deployed, 'moon', undefined)).rejects.toThrow(/not a region/);
  });

  it('knows loopback from the rest, and which Host names a bind answers to', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.5', 'example.com'].some(isLoopbackAddress)).toBe(false);
    expect([...acceptedNames('127.0.0.1')].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(acceptedNames('192.168.1.10').has('192.168.1.10')).toBe(true);
    expect(acceptedNames('192.168.1.10').has('evil.example')).toBe(false);
  });

  it('builds the upstream URL under the stage and forwards only the API headers', () => {
    const target = new URL('https://abc.execute-api.eu-west-1.amazonaws.com/v1');
    const url = upstreamUrl(target, '/executions/a%3Ab', new URLSearchParams("x=it's&y=a b"));
    expect(url.href).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/v1/executions/a%3Ab?x=it%27s&y=a%20b');
    expect(
      returnedHeaders(
        {
          location: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/executions/e1',
          'set-cookie': ['a=1'],
          'retry-after': '3',
          'content-encoding': 'gzip',
          vary: 'accept-encoding',
          server: 'x',
        },
        target,
      ),
    ).toEqual({
      location: '/executions/e1',
      'retry-after': '3',
      'content-encoding': 'gzip',
      vary: 'accept-encoding',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(
      forwardedHeaders({ cookie: 'c', accept: 'text/html', 'accept-encoding': 'gzip', 'if-match': '"3"', host: 'h' }),
    ).toEqual({
      accept: 'text/html',
      'accept-encoding': 'gzip',
      'if-match': '"3"',
    });
  });
});
