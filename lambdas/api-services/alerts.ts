/** Alert history and acknowledgement over the API. */
import { acknowledge } from '../../lib/core/supervision/alerts.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { type AlertRecord, getAlert, listAlerts, saveAlert } from '../shared/repositories/alerts.ts';
import { recordAudit } from '../shared/repositories/audit.ts';

export async function listAlertsOp(req: ApiRequest): Promise<ApiResult> {
  const page = await listAlerts({
    limit: parseLimit(req.query.limit),
    state: req.query.state as AlertRecord['state'] | undefined,
    startKey: decodeNextToken(req.query.next_token),
  });
  return { body: { alerts: page.items.map(view), next_token: encodeNextToken(page.lastKey) } };
}

export async function acknowledgeAlert(req: ApiRequest): Promise<ApiResult> {
  const id = req.params.alert_id!;
  const current = await getAlert(id);
  if (!current) throw new NotFoundError('Alert', id);
  const next = acknowledge(current, req.caller, Date.now());
  if (!next)
    throw new ConflictError(`The alert is ${current.state}: only an open alert can be acknowledged`, {
      state: current.state,
    });
  const saved = await saveAlert(next, current);
  if (!saved) throw new ConflictError('The alert changed meanwhile: read it again and retry');
  await recordAudit(req.caller, 'alert.acknowledge', `alert/${id}`, { key: current.key });
  return { body: view(saved) };
}

function view(a: AlertRecord): Record<string, unknown> {
  const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    ...a,
    opened_at: iso(a.opened_at),
    updated_at: iso(a.updated_at),
    last_notified_at: iso(a.last_notified_at),
    escalated_at: iso(a.escalated_at),
    acknowledged_at: iso(a.acknowledged_at),
    resolved_at: iso(a.resolved_at),
  };
}
