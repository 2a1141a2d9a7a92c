/**
 * HTTP(S) probes on undici with keep-alive: one Agent per execution environment keeps a pool of connections per
 * origin, so six rounds a minute over thousands of endpoints reuse sockets instead of handshaking every time.
 */
import { request } from 'undici';
import type { HttpCheckSpec } from '../../../lib/core/supervision/manifest.ts';
import { guardedAgent } from './guarded-agent.ts';
import { type ProbeResult, since } from './types.ts';

/**
 * Shared keep-alive agent; `connections` bounds sockets per origin. Every new connection passes the outbound policy
 * (lambdas/shared/outbound.ts): reused sockets were checked when they were opened.
 */
export const probeAgent = guardedAgent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 60_000,
  connections: 16,
  pipelining: 1,
});

const defaultOk = (status: number): boolean => status >= 200 && status < 400;

/** Reads `$.a.b[0]` from a parsed JSON value. */
export function readJsonPath(value: unknown, path: string): unknown {
  const parts = path.slice(1).match(/\.[A-Za-z_][\w-]*|\[\d+\]/g) ?? [];
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = part.startsWith('[') ? Number(part.slice(1, -1)) : part.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Probes one HTTP endpoint: status in the expected set, body condition, latency bound. */
export async function probeHttp(url: string, check: HttpCheckSpec, timeoutMs: number): Promise<ProbeResult> {
  const start = performance.now();
  try {
    const res = await request(url, {
      method: check.method ?? 'GET',
      headers: check.headers,
      dispatcher: probeAgent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const status = res.statusCode;
    let bodyProblem: string | undefined;
    if (check.body) {
      const text = await res.body.text();
      bodyProblem = bodyMismatch(text, check.body);
    } else {
      await res.body.dump();
    }
    const latency = since(start);
    const statusOk = check.expect_status ? check.expect_status.includes(status) : defaultOk(status);
    if (!statusOk) return { ok: false, latency_ms: latency, status_code: status, message: `status ${status}` };
    if (bodyProblem) return { ok: false, latency_ms: latency, status_code: status, message: bodyProblem };
    if (check.max_latency_ms !== undefined && latency > check.max_latency_ms) {
      return {
        ok: false,
        latency_ms: latency,
        status_code: status,
        message: `slow: ${latency} ms > ${check.max_latency_ms} ms`,
      };
    }
    return { ok: true, latency_ms: latency, status_code: status };
  } catch (error) {
    const e = error as Error & { code?: string };
    const timedOut =
      e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
    return {
      ok: false,
      latency_ms: since(start),
      message: timedOut ? `timeout after ${timeoutMs} ms` : (e.code ?? e.message),
    };
  }
}

function bodyMismatch(text: string, cond: NonNullable<HttpCheckSpec['body']>): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  const value = readJsonPath(parsed, cond.json_path);
  if (cond.equals !== undefined && value !== cond.equals) {
    return `${cond.json_path} is ${JSON.stringify(value)}, expected ${JSON.stringify(cond.equals)}`;
  }
  if (cond.contains !== undefined) {
    const haystack = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    if (!haystack.includes(cond.contains)) return `${cond.json_path} does not contain ${JSON.stringify(cond.contains)}`;
  }
  return undefined;
}
