import { ECSClient } from '@aws-sdk/client-ecs';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const ecs = new ECSClient({});
