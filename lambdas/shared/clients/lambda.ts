import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const lambda = withFastConfig(new LambdaClient(clientConfig));
