import { localRequestHandlerFromHost } from './local-transport.ts';

/** Set only in local mode's worker threads, whose host gave them ports to its endpoints. */
const localRequestHandler = localRequestHandlerFromHost();

/**
 * What every AWS SDK client of Steward's handlers is created with, besides the standard environment (region,
 * endpoint): a logger without `info` and `error`, and in local mode's worker threads the transport over message ports
 * (local-transport.ts; never on Lambda, where the SDK keeps its HTTP handler).
 *
 * The SDK's logger middleware evaluates `logger?.info?.({ input: filterSensitiveLog(input), output: … })` after every
 * call (`logger?.error?.(…)` after every failure, a refused condition included), and its default logger has no-op
 * methods, so each call walked its input and output through the schema's sensitive-data filter only to drop the
 * result: about a twelfth of an API function's CPU. Without those two methods the SDK skips the walk. Nothing is
 * lost: the default logger printed nothing, and handlers log what matters through Powertools.
 */
export const clientConfig = {
  // Typed `never` to fit every client's config: the SDK's Logger type wants the two methods left out on purpose.
  logger: {
    debug: (): void => {},
    trace: (): void => {},
    warn: (): void => {},
  } as never,
  ...(localRequestHandler === undefined ? {} : { requestHandler: localRequestHandler as never }),
};
