// Sample "commerce": one process that plays inventory, payments, shipping and notifier for the example
// workflows of statemachines/. Every call is answered 200 with what it received (and recorded, see
// /__control/calls); /__control/fail makes a path fail on purpose, to show retries and compensation.
import { randomUUID } from 'node:crypto';
import { serve } from './common.mjs';

const echo =
  (kind) =>
  ({ params, body, path, method }) => ({
    status: 200,
    body: { ok: true, kind, id: randomUUID(), method, path, params, received: body ?? null },
  });

serve('commerce', [
  ['*', '/inventory/{action}', echo('inventory')],
  ['*', '/payments/{action}', echo('payments')],
  ['*', '/shipping/{action}', echo('shipping')],
  ['*', '/notifications', echo('notifier')],
  ['*', '/notify', echo('notifier')],
  ['*', '/{resource}', echo('generic')],
  ['*', '/{resource}/{id}', echo('generic')],
  ['*', '/{resource}/{id}/{action}', echo('generic')],
]);
