import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const serviceDiscovery = withFastConfig(new ServiceDiscoveryClient(clientConfig));
