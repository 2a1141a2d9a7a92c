import { createHash } from 'node:crypto';

/** The RFC 4122 URL namespace, used to turn a non-UUID namespace string into a UUID first. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a UUID in canonical form. */
export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/**
 * UUID version 5 (RFC 4122 §4.3: SHA-1 of namespace + name). Idempotent starts use it: the same workflow and
 * idempotency key always give the same execution id, so a conditional put refuses the second start.
 * A namespace that is not itself a UUID is first mapped into the URL namespace.
 */
export function uuidv5(namespace: string, name: string): string {
  const ns = isUuid(namespace) ? namespace : uuidv5(URL_NAMESPACE, namespace);
  const hash = createHash('sha1').update(uuidBytes(ns)).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** JSON with object keys sorted at every level, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 of the canonical JSON of a request: two starts under one idempotency key must hash alike. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * The Step Functions state machine name of an API-created workflow: the deployment prefix, a slug of the name and
 * the first 8 characters of the workflow id (two names may slug alike). At most 80 characters, [A-Za-z0-9-_].
 */
export function stateMachineName(prefix: string, workflowName: string, workflowId: string): string {
  const suffix = `-${workflowId.replace(/-/g, '').slice(0, 8)}`;
  const room = Math.max(1, 80 - prefix.length - suffix.length);
  const slug =
    workflowName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, room)
      .replace(/-+$/g, '') || 'workflow';
  return `${prefix}${slug}${suffix}`;
}

/** Deployed workflows have stable ids derived from their names, so every deployment updates the same record. */
export function deployedWorkflowId(name: string): string {
  return uuidv5('steward:deployed-workflow', name);
}
