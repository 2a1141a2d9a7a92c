// Sample "commerce": one process that plays inventory, payments, shipping and notifier for the example
// workflows of statemachines/. Every call is answered 200 with what it received plus the ids those workflows read
// (and recorded, see /__control/calls); /__control/fail makes a path fail on purpose, to show retries and compensation.
// Under /secure/ it also plays services that demand a bearer token or a SigV4 signature (secure.mjs).
import { echo, serve } from './common.mjs';
import { secureRoutes } from './secure.mjs';

const answer = echo('commerce');

serve('commerce', [
  ...secureRoutes,
  ['*', '/{a}', answer],
  ['*', '/{a}/{b}', answer],
  ['*', '/{a}/{b}/{c}', answer],
  ['*', '/{a}/{b}/{c}/{d}', answer],
  ['*', '/{a}/{b}/{c}/{d}/{e}', answer],
]);
