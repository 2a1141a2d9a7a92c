/**
 * The end-to-end suite's view of Steward: a base URL and a JSON client. By default it starts local mode in-process
 * (ports picked by the system, schedules sped up, samples on); with STEWARD_E2E_URL it talks to a deployed stack
 * instead, signing requests with SigV4 from the default credential chain, and local-only tests are skipped.
 */
import { regionOf, signRequest } from '../../../lib/cli/api.ts';
import { contractViolation } from '../../../lib/core/api/contract.ts';
import { ROUTES } from '../../../lib/core/api/routes/index.ts';
import type { LocalSteward } from '../../../lib/local/runtime.ts';
import { KNOWN_GAPS } from '../../support/iam-known-gaps.ts';

/** True when the suite runs against local mode (tests that need local-only control run only then). */
export const isLocal = !process.env.STEWARD_E2E_URL;

/** Clock speed local mode runs at in the suite. */
export const E2E_SPEED = 12;

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** The bearer token the ledger sample's secret holds in the suite: random, so a search for it cannot mis-hit. */
export const E2E_LEDGER_TOKEN = `e2e-ledger-${crypto.randomUUID()}`;

export interface E2E {
  url: string;
  local?: LocalSteward;
  /** Every line local mode and its functions and services logged (local mode only). */
  logs: string[];
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  stop(): Promise<void>;
}

/** Starts (or connects to) Steward for the suite. */
export async function startE2E(): Promise<E2E> {
  let local: LocalSteward | undefined;
  const logs: string[] = [];
  let url = process.env.STEWARD_E2E_URL?.replace(/\/+$/, '') ?? '';
  if (isLocal) {
    const { startLocal } = await import('../../../lib/local/runtime.ts');
    local = await startLocal({
      ports: { api: 0, aws: 0, dynamodb: 0 },
      speed: E2E_SPEED,
      samples: true,
      secrets: { secrets: { 'steward/samples/ledger-token': E2E_LEDGER_TOKEN } },
      log: (line) => logs.push(line),
      onFunctionLog: (name, line) => logs.push(`${name} ${line}`),
      // IAM is enforced as by `npm start`; only the known gaps (iam-known-gaps.ts) may fail the create-time checks.
      iam: true,
      acceptFindings: KNOWN_GAPS.createTime,
    });
    url = local.urls.api;
  }
  const api = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const target = new URL(url + path);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept: 'application/json' };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (!isLocal) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      headers = await signRequest(
        { method, url: target, headers, body: text },
        await defaultProvider()(),
        regionOf(target, process.env.AWS_REGION),
      );
      delete headers.host;
    }
    const response = await fetch(target, { method, headers, body: text });
    const raw = await response.text();
    const parsed: unknown = raw === '' ? undefined : JSON.parse(raw);
    // The response contract: every answer the suite receives matches its route's schema (or the error envelope).
    const violation = contractViolation(ROUTES, method, path, response.status, parsed);
    if (violation) throw new Error(`Response contract broken: ${violation}`);
    return { status: response.status, body: (parsed ?? {}) as T };
  };
  return { url, local, logs, api, stop: async () => local?.stop() };
}

/** Polls `check` until it returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** A fresh context for the seed workflow. */
export function seedContext(): Record<string, string> {
  return { project_id: crypto.randomUUID(), task_id: crypto.randomUUID(), agent_id: crypto.randomUUID() };
}

/** Waits until an execution reaches one of `statuses`; returns its record. */
export async function waitForStatus(
  e2e: E2E,
  executionId: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  return eventually(
    `execution ${executionId} to be ${statuses.join('/')}`,
    async () => {
      const { body } = await e2e.api(`GET`, `/executions/${executionId}`);
      return statuses.includes(String(body.status)) ? body : undefined;
    },
    { timeoutMs },
  );
}
