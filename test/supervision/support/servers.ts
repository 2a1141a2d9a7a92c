import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from 'node:net';

/** A local HTTP service that answers, fails, hangs, flaps and can be switched between them. */
export interface TestHttpService {
  url: string;
  /** Mode of `/health`. */
  mode: 'ok' | 'fail' | 'hang' | 'bad-body';
  hits: number;
  close(): Promise<void>;
}

/** Starts a local HTTP service on 127.0.0.1 with `/health` (switchable), `/flap`, `/slow`, `/hang`. */
export async function startHttpService(delayMs = 0): Promise<TestHttpService> {
  let flap = 0;
  const hanging = new Set<import('node:http').ServerResponse>();
  const state = { mode: 'ok' as TestHttpService['mode'], hits: 0 };
  const server: Server = createHttpServer((req, res) => {
    state.hits++;
    const answer = (status: number, body: unknown): void => {
      const send = (): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    };
    const path = req.url ?? '/';
    const mode = path === '/health' ? state.mode : path.slice(1);
    if (path === '/flap') return answer(flap++ % 2 === 0 ? 200 : 503, { status: 'flap' });
    if (path === '/slow') return setTimeout(() => answer(200, { status: 'ok' }), 150);
    if (mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (mode === 'fail') return answer(500, { status: 'error' });
    if (mode === 'bad-body') return answer(200, { status: 'down', checks: [{ ok: false }] });
    return answer(200, { status: 'ok', checks: [{ ok: true, name: 'db-primary' }] });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}

/** A local TCP server whose connections get `onConnect`; returns its port and a closer. */
export async function startTcpServer(
  onConnect: (socket: Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnect(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const s = await startTcpServer(() => undefined);
  await s.close();
  return s.port;
}
