import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const eventBridge = new EventBridgeClient({});
