import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const sfn = withFastConfig(new SFNClient(clientConfig));
