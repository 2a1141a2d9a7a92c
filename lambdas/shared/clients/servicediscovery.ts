import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const serviceDiscovery = new ServiceDiscoveryClient({});
