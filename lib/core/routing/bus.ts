import type { StewardEvent } from '../events/types.ts';

/** The parts of an EventBridge event the router reads. */
export interface BusEnvelope {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  detail: unknown;
}

/** A whole EventBridge event, as rules and targets see it. */
export interface BusEvent extends BusEnvelope {
  version: '0';
  account: string;
  region: string;
  resources: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The Steward event carried by a bus event. Steward's own publishers put the whole event in `detail`; a producer
 * that puts a plain detail gets the envelope's id, type, source and time, and its detail as `data`.
 */
export function fromBusEvent(envelope: BusEnvelope): StewardEvent {
  const d = isObject(envelope.detail) ? envelope.detail : {};
  const whole = typeof d.id === 'string' && typeof d.type === 'string' && isObject(d.data);
  if (whole) {
    return {
      id: d.id as string,
      type: d.type as string,
      source: typeof d.source === 'string' ? d.source : envelope.source,
      timestamp:
        typeof d.timestamp === 'string' && !Number.isNaN(Date.parse(d.timestamp)) ? d.timestamp : envelope.time,
      ...(typeof d.correlation_id === 'string' ? { correlation_id: d.correlation_id } : {}),
      data: d.data as Record<string, unknown>,
    };
  }
  return {
    id: envelope.id,
    type: envelope['detail-type'],
    source: envelope.source,
    timestamp: envelope.time,
    ...(typeof d.correlation_id === 'string' ? { correlation_id: d.correlation_id } : {}),
    data: d,
  };
}
