/**
 * What publishing on the bus takes: the EventBridge client and its command. Loaded through `loadBusPut`
 * (./lazy.ts) only: imported statically it would sit in the cold start of every function that publishes on some
 * paths only.
 */
export { PutEventsCommand } from '@aws-sdk/client-eventbridge';
export { eventBridge } from './eventbridge.ts';
