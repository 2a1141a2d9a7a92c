// Sample "project-coordinator": slow on purpose (answers after DELAY_MS), the target of the seed's `notify`.
import { echo, serve } from './common.mjs';

const delayMs = Number(process.env.DELAY_MS ?? 1500);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

serve('project-coordinator', [
  [
    '*',
    '/projects/{project_id}/notifications',
    async ({ params, body }) => {
      await sleep(delayMs);
      return { status: 200, body: { project_id: params.project_id, notified: true, received: body ?? null } };
    },
  ],
  [
    '*',
    '/projects/{project_id}/status',
    async ({ params }) => {
      await sleep(delayMs);
      return { status: 200, body: { project_id: params.project_id, status: 'on_track' } };
    },
  ],
  [
    '*',
    '/projects/{project_id}/approvals',
    async ({ params }) => {
      await sleep(delayMs);
      return {
        status: 200,
        body: { project_id: params.project_id, plan_id: `plan-${params.project_id}`, requested: true },
      };
    },
  ],
  ['*', '/{a}', echo('projects')],
  ['*', '/{a}/{b}', echo('projects')],
  ['*', '/{a}/{b}/{c}', echo('projects')],
  ['*', '/{a}/{b}/{c}/{d}', echo('projects')],
]);
