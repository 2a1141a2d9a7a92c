import { LambdaClient } from '@aws-sdk/client-lambda';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const lambda = new LambdaClient({});
