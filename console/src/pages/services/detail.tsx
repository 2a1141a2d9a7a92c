/** One service: its checks with their latest results, restart budget, maintenance, and the operator's actions. */
import type { ServiceHealthResponse } from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { JsonView } from '../../components/JsonView.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { usePoll } from '../../poll.ts';
import { href } from '../../router.ts';

export function ServiceDetail({ id }: { id: string }) {
  const health = usePoll(
    (signal) => api.get<ServiceHealthResponse>(`/services/${seg(id)}/health`, undefined, signal),
    id,
  );
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={href('/services')}>Services</Link> /
      </p>
      <h1 id="page-title">{health.data?.name ?? id}</h1>
      {health.error && <ErrorNote error={health.error} what="the service" />}
      {health.loading && !health.data && <Loading />}
      {health.data && (
        <>
          <p>
            <StatusBadge status={health.data.status} /> <StatusBadge status={health.data.lifecycle} />
          </p>
          <JsonView value={health.data.checks} label="Checks" />
        </>
      )}
    </section>
  );
}
