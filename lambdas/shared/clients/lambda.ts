import { LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const lambda = new LambdaClient(clientConfig);
