export {
  type BusEvent,
  type EventBridgeOptions,
  EventBridgeService,
  type Rule,
  type RuleTarget,
  type TargetInvokers,
} from './service.ts';
export { readPath, type TargetInput, targetPayload } from './transform.ts';
