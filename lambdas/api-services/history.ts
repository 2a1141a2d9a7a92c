/** A service's recorded check results and the uptime and latency computed from them. */
import { DEFAULT_MAX_GAP_MS, type RecordedResult, uptime } from '../../lib/core/supervision/uptime.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { resultsPage, resultsSince } from '../shared/repositories/health.ts';
import { getService } from '../shared/repositories/services.ts';

const HEALTH = new Set(['unknown', 'healthy', 'degraded', 'unhealthy']);
const statusOf = (v: unknown): RecordedResult['status'] =>
  typeof v === 'string' && HEALTH.has(v) ? (v as RecordedResult['status']) : 'unknown';
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function existing(req: ApiRequest): Promise<string> {
  const id = req.params.service_id!;
  if (!(await getService(id))) throw new NotFoundError('Service', id);
  return id;
}

/** `GET /services/{service_id}/history`: recorded results, newest first, paginated. */
export async function getServiceHistory(req: ApiRequest): Promise<ApiResult> {
  const q = req.query;
  if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) {
    throw new ValidationError([{ field: 'query.from', message: 'must not be after query.to' }]);
  }
  const limit = parseLimit(q.limit, 50);
  const startKey = decodeNextToken(q.next_token);
  const id = await existing(req);
  const { items, lastKey } = await resultsPage(id, {
    ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
    ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
    limit,
    startKey,
  });
  const results = items.map((i) => ({
    at: String(i.at),
    check: String(i.check),
    status: statusOf(i.check_status),
    ok: i.ok === true,
    latency_ms: numberOrNull(i.latency_ms),
    status_code: numberOrNull(i.status_code),
    message: typeof i.message === 'string' ? i.message : null,
  }));
  return { body: { service_id: id, results, count: results.length, next_token: encodeNextToken(lastKey) ?? null } };
}

const WINDOWS = [
  { window: '24h', ms: 24 * 3_600_000 },
  { window: '7d', ms: 7 * 24 * 3_600_000 },
] as const;

/** `GET /services/{service_id}/uptime`: uptime and latency over 24 h and 7 d, from one read of the week. */
export async function getServiceUptime(req: ApiRequest): Promise<ApiResult> {
  const id = await existing(req);
  const now = Date.now();
  const longest = Math.max(...WINDOWS.map((w) => w.ms));
  // The records just before the window give the state at its start, so read one gap further back.
  const since = new Date(now - longest - DEFAULT_MAX_GAP_MS).toISOString();
  const results: RecordedResult[] = (await resultsSince(id, since)).map((i) => ({
    at: Date.parse(String(i.at)),
    check: String(i.check),
    status: statusOf(i.check_status),
    ...(typeof i.latency_ms === 'number' ? { latency_ms: i.latency_ms } : {}),
  }));
  const windows = WINDOWS.map(({ window, ms }) => {
    const u = uptime(results, now - ms, now);
    return {
      window,
      from: new Date(u.from).toISOString(),
      to: new Date(u.to).toISOString(),
      uptime: u.ratio,
      observed_seconds: Math.round(u.observed_ms / 1000),
      up_seconds: Math.round(u.up_ms / 1000),
      results: u.results,
      latency_ms: u.latency,
    };
  });
  return {
    body: {
      service_id: id,
      computed_at: new Date(now).toISOString(),
      max_gap_seconds: DEFAULT_MAX_GAP_MS / 1000,
      windows,
    },
  };
}
