import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SignatureV4 } from '@smithy/signature-v4';

/** Usage of `steward api`. */
export const help = `steward api — call Steward's REST API

Usage:
  steward api METHOD PATH [--data JSON|@file] [--url URL] [--region REGION]

  METHOD   GET, POST, PUT or DELETE
  PATH     e.g. /executions, /services/status, /executions/<id>/pause
  --data   the JSON body, inline or @file
  --url    a deployed API (https://<id>.execute-api.<region>.amazonaws.com/<stage>); requests are then signed
           with SigV4 using the default AWS credential chain. Default: local mode ($STEWARD_URL or
           http://127.0.0.1:4500), unsigned.

Prints the answer's JSON on stdout and the status on stderr; exits 1 when the status is not 2xx.
`;

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** Default base URL of a local Steward. */
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:4500';

const toBytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (and HMAC-SHA-256 when given a secret) in the shape SignatureV4 expects, on node:crypto. */
export class NodeSha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  private create(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  reset(): void {
    this.hash = this.create();
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), else the fallback. */
export function regionOf(url: URL, fallback: string | undefined): string {
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname);
  const region = m?.[1] ?? fallback;
  if (!region) throw new Error('cannot tell the region: pass --region or set AWS_REGION');
  return region;
}

/** Signs a request for API Gateway (`execute-api`) with SigV4. */
export async function signRequest(
  request: { method: string; url: URL; headers: Record<string, string>; body?: string },
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 });
  const query: Record<string, string> = {};
  for (const [k, v] of request.url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    port: request.url.port ? Number(request.url.port) : undefined,
    path: request.url.pathname,
    query,
    headers: { ...request.headers, host: request.url.host },
    body: request.body,
  });
  return signed.headers as Record<string, string>;
}

const isLoopback = (url: URL): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** Runs `steward api …`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', short: 'd' },
      url: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [rawMethod, path] = positionals;
  const method = rawMethod?.toUpperCase();
  if (!method || !METHODS.has(method) || !path?.startsWith('/')) {
    process.stderr.write(`steward api: expected METHOD PATH (e.g. GET /executions)\n\n${help}`);
    return 2;
  }
  let body: string | undefined;
  if (values.data !== undefined) {
    body = values.data.startsWith('@') ? await readFile(values.data.slice(1), 'utf8') : values.data;
    try {
      JSON.parse(body);
    } catch (error) {
      process.stderr.write(`steward api: --data is not valid JSON (${(error as Error).message})\n`);
      return 2;
    }
  }
  const base = (values.url ?? process.env.STEWARD_URL ?? DEFAULT_LOCAL_URL).replace(/\/+$/, '');
  const url = new URL(base + path);
  let headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (values.url !== undefined && !isLoopback(url)) {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const credentials = await defaultProvider()();
    headers = await signRequest(
      { method, url, headers, body },
      credentials,
      regionOf(url, values.region ?? process.env.AWS_REGION),
    );
    delete headers.host;
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    process.stderr.write(`steward api: cannot reach ${base} (${cause}); is local mode running (npm start)?\n`);
    return 1;
  }
  const text = await response.text();
  process.stderr.write(`${response.status} ${response.statusText}\n`);
  if (text !== '') {
    try {
      process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    } catch {
      process.stdout.write(`${text}\n`);
    }
  }
  return response.ok ? 0 : 1;
}
