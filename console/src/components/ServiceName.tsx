/**
 * A service shown by its name, linked to its page. Records that point at a service (alerts, events) carry its id;
 * the name is read once per id and page load (`GET /services/{id}`), and the id stays on screen until it arrives
 * or when the service is gone.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ServiceDetailResponse } from '../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../api.ts';
import { href } from '../router.ts';
import { Link } from './Link.tsx';

const names = new Map<string, Promise<string | undefined>>();

function nameOf(id: string): Promise<string | undefined> {
  let name = names.get(id);
  if (!name) {
    name = api.get<ServiceDetailResponse>(`/services/${seg(id)}`).then(
      (s) => s.name,
      () => undefined,
    );
    names.set(id, name);
  }
  return name;
}

export function ServiceName({ id }: { id: string }) {
  const [name, setName] = useState<string>();
  useEffect(() => {
    let live = true;
    void nameOf(id).then((n) => {
      if (live) setName(n);
    });
    return () => {
      live = false;
    };
  }, [id]);
  return (
    <Link href={href(`/services/${seg(id)}`)} title={name ? id : undefined}>
      {name ?? id}
    </Link>
  );
}
