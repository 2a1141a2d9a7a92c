import { SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const sns = withFastConfig(new SNSClient(clientConfig));
