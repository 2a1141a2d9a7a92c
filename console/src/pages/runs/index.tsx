/** Runs: the list of executions and a run's page. */
import { RunPage } from './detail.tsx';
import { RunList } from './list.tsx';

/** `/console/runs` and `/console/runs/{execution_id}`. */
export function RunsArea({ id }: { id?: string }) {
  return id ? <RunPage id={id} /> : <RunList />;
}
