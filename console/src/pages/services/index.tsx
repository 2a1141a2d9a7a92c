/** Services: `/console/services` (status of every service) and `/console/services/{service_id}`. */
import { ServiceDetail } from './detail.tsx';
import { ServiceList } from './list.tsx';

export function ServicesArea({ id }: { id?: string }) {
  return id ? <ServiceDetail id={id} /> : <ServiceList />;
}
