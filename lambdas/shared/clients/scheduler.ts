import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const scheduler = withFastConfig(new SchedulerClient(clientConfig));
