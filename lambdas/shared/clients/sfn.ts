import { SFNClient } from '@aws-sdk/client-sfn';

/** Created once per execution environment; endpoint and region from the standard environment only. */
export const sfn = new SFNClient({});
