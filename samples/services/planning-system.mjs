// Sample "planning-system": healthy and quick. Prepares tasks and accepts their results.
import { echo, pick, serve } from './common.mjs';

const tasks = new Map();

serve('planning-system', [
  [
    '*',
    '/tasks/{task_id}/prepare',
    ({ params, body }) => {
      const task = {
        task_id: params.task_id,
        prepared_at: new Date().toISOString(),
        plan: ['analyse', 'execute', 'report'],
      };
      tasks.set(params.task_id, { ...task, input: body });
      return { status: 200, body: { ...task, prepared: true } };
    },
  ],
  [
    '*',
    '/tasks/{task_id}/results',
    (request) => {
      const task = tasks.get(request.params.task_id);
      const result = pick(request, 'result') ?? null;
      return {
        status: 200,
        body: { task_id: request.params.task_id, accepted: true, known_task: Boolean(task), result },
      };
    },
  ],
  ['*', '/{a}', echo('planning')],
  ['*', '/{a}/{b}', echo('planning')],
  ['*', '/{a}/{b}/{c}', echo('planning')],
  ['*', '/{a}/{b}/{c}/{d}', echo('planning')],
]);
