/** Custom probes: invoke a Lambda that answers `{ healthy: boolean, message?: string }`. */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambda } from '../clients/lambda.ts';
import { type ProbeResult, since } from './types.ts';

/** Invokes a custom check function synchronously; a function error or a malformed verdict fails the check. */
export async function probeCustom(
  functionArn: string,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const start = performance.now();
  try {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionArn, Payload: Buffer.from(JSON.stringify(payload)) }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    if (out.FunctionError)
      return { ok: false, latency_ms: since(start), message: `function error: ${out.FunctionError}` };
    const verdict = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null') as unknown;
    if (!verdict || typeof verdict !== 'object' || typeof (verdict as { healthy?: unknown }).healthy !== 'boolean') {
      return { ok: false, latency_ms: since(start), message: 'verdict is not { healthy: boolean }' };
    }
    const v = verdict as { healthy: boolean; message?: unknown };
    return { ok: v.healthy, latency_ms: since(start), message: typeof v.message === 'string' ? v.message : undefined };
  } catch (error) {
    const e = error as Error;
    return {
      ok: false,
      latency_ms: since(start),
      message: e.name === 'AbortError' ? `timeout after ${timeoutMs} ms` : e.message,
    };
  }
}
