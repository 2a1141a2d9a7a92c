// Shared helpers of Steward's sample services: plain Node HTTP, no dependencies.
// Each sample listens on 127.0.0.1:$PORT, answers JSON, and offers `/health` plus a local-only control
// endpoint (`/__control/*`) that the end-to-end tests use to make it fail on purpose.
import { createServer } from 'node:http';

/** Reads a request body: its text, and its JSON (undefined when empty or not JSON). */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}

/** Matches `/tasks/{task_id}/prepare` against a concrete path. */
function match(pattern, path) {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith('{')) params[want[i].slice(1, -1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

/**
 * Starts a sample service. `routes` is a list of `[method, pattern, handler]`; a handler gets
 * `{ params, body, rawBody, query, headers, path, method }` and returns `{ status, body }` (or a promise of it).
 */
export function serve(name, routes, options = {}) {
  const port = Number(process.env.PORT ?? options.port ?? 0);
  const startedAt = Date.now();
  const state = {
    healthy: true,
    /** path → remaining forced failures (status 500), set through /__control/fail. */
    failures: new Map(),
    calls: [],
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { text: rawBody, json: body } = await readBody(req);
    const send = (status, payload) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (url.pathname === '/health') {
      const healthy = state.healthy && (options.healthy ? options.healthy(Date.now() - startedAt) : true);
      return send(healthy ? 200 : 503, { status: healthy ? 'ok' : 'unhealthy', service: name, pid: process.pid });
    }
    if (url.pathname === '/__control/health' && req.method === 'POST') {
      state.healthy = body?.healthy !== false;
      return send(200, { healthy: state.healthy });
    }
    if (url.pathname === '/__control/fail' && req.method === 'POST') {
      if (typeof body?.path !== 'string') return send(400, { error: { field: 'path', message: 'is required' } });
      state.failures.set(body.path, Number(body.times ?? 1));
      return send(200, { path: body.path, times: state.failures.get(body.path) });
    }
    if (url.pathname === '/__control/calls') return send(200, { calls: state.calls });
    const remaining = state.failures.get(url.pathname) ?? 0;
    state.calls.push({ method: req.method, path: url.pathname, body, at: new Date().toISOString() });
    if (state.calls.length > 500) state.calls.shift();
    if (remaining > 0) {
      state.failures.set(url.pathname, remaining - 1);
      return send(500, { error: 'injected failure', service: name, path: url.pathname });
    }
    for (const [method, pattern, handler] of routes) {
      if (method !== '*' && method !== req.method) continue;
      const params = match(pattern, url.pathname);
      if (!params) continue;
      try {
        const out = await handler({
          params,
          body,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          rawBody,
          path: url.pathname,
          method: req.method,
        });
        return send(out.status ?? 200, out.body);
      } catch (error) {
        return send(500, { error: String(error?.message ?? error) });
      }
    }
    return send(404, { error: `no route ${req.method} ${url.pathname}`, service: name });
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`${name} listening on http://127.0.0.1:${server.address().port} (pid ${process.pid})`);
  });
  // Keep-alive connections (Steward's prober, the step runner) would hold close() open: drop them and go.
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  };
  // A sample outlives no Steward: when its parent (local ECS) is gone, it goes too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}

/**
 * A catch-all answer for the example workflows of statemachines/: 200 with what was received, plus the ids and
 * figures those workflows read from step outputs (`charge_id`, `reservation_id`, `tracking_id`, `order_id`, `total`).
 */
export function echo(kind) {
  let counter = 0;
  return ({ params, body, path, method }) => {
    counter += 1;
    const id = `${kind}-${process.pid}-${counter}`;
    const segments = path.split('/').filter(Boolean);
    const last = segments.at(-1) ?? kind;
    const singular = (word) =>
      (word.endsWith('ies') ? `${word.slice(0, -3)}y` : word.replace(/s$/, '')).replace(/[^a-z0-9]/gi, '_');
    // `/orders/o1/charges` names order o1: collection/id pairs of the path become `<collection>_id` fields.
    const named = {};
    for (let i = 0; i + 1 < segments.length; i += 2) named[`${singular(segments[i])}_id`] = segments[i + 1];
    return {
      status: 200,
      body: {
        ok: true,
        kind,
        id,
        [`${singular(last)}_id`]: id,
        charge_id: `ch-${id}`,
        reservation_id: `res-${id}`,
        tracking_id: `trk-${id}`,
        order_id: `ord-${id}`,
        total: Number(body?.total ?? 120),
        amount: Number(body?.amount ?? 120),
        available: true,
        method,
        path,
        params,
        received: body ?? null,
        ...named,
      },
    };
  };
}

/** Finds a value in a request: top-level body field, then `body.context`, then the query string. */
export function pick(request, key) {
  return request.body?.[key] ?? request.body?.context?.[key] ?? request.query?.[key];
}
