import { ECSClient } from '@aws-sdk/client-ecs';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const ecs = withFastConfig(new ECSClient(clientConfig));
