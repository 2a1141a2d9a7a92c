import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { clientConfig, withFastConfig } from './config.ts';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const eventBridge = withFastConfig(new EventBridgeClient(clientConfig));
