import { SNSClient } from '@aws-sdk/client-sns';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const sns = new SNSClient({});
