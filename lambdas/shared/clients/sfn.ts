import { SFNClient } from '@aws-sdk/client-sfn';
import { clientConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const sfn = new SFNClient(clientConfig);
