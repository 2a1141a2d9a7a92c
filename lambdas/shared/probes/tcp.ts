/**
 * TCP connect probes and the cheap first handshake of common databases: PostgreSQL's SSLRequest (answered with one
 * byte, S or N), Redis PING (+PONG, or an error such as -NOAUTH, which still proves the server answers), and the
 * MySQL server greeting (protocol 10, or an error packet). No credentials are needed for any of them.
 */
import { connect, type Socket } from 'node:net';
import { assertDestination, guardedLookup } from '../outbound.ts';
import { type ProbeResult, since } from './types.ts';

/** Database engines with a handshake probe. */
export type Engine = 'postgres' | 'mysql' | 'redis';

interface Exchange {
  /** Bytes to send once connected (none: wait for the server to speak first). */
  send?: Buffer;
  /** Judges what arrived so far: a verdict, or undefined to wait for more. */
  judge: (data: Buffer) => { ok: boolean; message?: string } | undefined;
}

const EXCHANGES: Record<Engine, Exchange> = {
  postgres: {
    send: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
    judge: (d) =>
      d[0] === 0x53 || d[0] === 0x4e
        ? { ok: true }
        : { ok: false, message: `unexpected answer 0x${d.subarray(0, 1).toString('hex')}` },
  },
  redis: {
    send: Buffer.from('PING\r\n'),
    judge: (d) => {
      const text = d.toString('utf8');
      if (!text.includes('\r\n')) return undefined;
      if (text.startsWith('+PONG')) return { ok: true };
      if (text.startsWith('-')) return { ok: true, message: text.trim() };
      return { ok: false, message: `unexpected answer ${JSON.stringify(text.slice(0, 40))}` };
    },
  },
  mysql: {
    judge: (d) => {
      if (d.length < 5) return undefined;
      if (d[4] === 0x0a) return { ok: true };
      if (d[4] === 0xff) return { ok: true, message: 'server answered with an error packet' };
      return { ok: false, message: `unexpected greeting byte 0x${d.subarray(4, 5).toString('hex')}` };
    },
  },
};

/** Connects to host:port, optionally runs a handshake, and closes. */
export function probeTcp(host: string, port: number, timeoutMs: number, engine?: Engine): Promise<ProbeResult> {
  const start = performance.now();
  try {
    assertDestination(host, port);
  } catch (error) {
    return Promise.resolve({ ok: false, latency_ms: since(start), message: (error as Error).message });
  }
  return new Promise((resolve) => {
    let done = false;
    let received = Buffer.alloc(0);
    // Every address the host resolves to passes the outbound policy before the socket connects.
    const socket: Socket = connect({ host, port, lookup: guardedLookup(port) });
    const finish = (result: Omit<ProbeResult, 'latency_ms'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, latency_ms: since(start) });
    };
    const timer = setTimeout(() => finish({ ok: false, message: `timeout after ${timeoutMs} ms` }), timeoutMs);
    socket.once('error', (e: Error & { code?: string }) =>
      finish({ ok: false, message: e.name === 'OutboundRefusedError' ? e.message : (e.code ?? e.message) }),
    );
    socket.once('connect', () => {
      if (!engine) return finish({ ok: true });
      const exchange = EXCHANGES[engine];
      if (exchange.send) socket.write(exchange.send);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const verdict = exchange.judge(received);
        if (verdict) finish(verdict);
      });
      socket.once('end', () => finish({ ok: false, message: 'connection closed before the handshake answer' }));
    });
  });
}
