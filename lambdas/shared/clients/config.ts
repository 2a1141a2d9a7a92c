import { localRequestHandlerFromHost } from './local-transport.ts';

/** Set only in local mode's worker threads, whose host gave them ports to its endpoints. */
const localRequestHandler = localRequestHandlerFromHost();

/**
 * What every AWS SDK client of Steward's handlers is created with, besides the standard environment (region,
 * endpoint): a logger without `info` and `error`, each command class's middleware resolved once, and in local mode's
 * worker threads the transport over message ports (local-transport.ts; never on Lambda, where the SDK keeps its HTTP
 * handler).
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
  // Each command class's middleware stack is resolved once per client and kept, not again at every call: a third of
  // the SDK's own CPU a call (0.59 against 0.42 ms for an UpdateItem, measured with a stub HTTP handler). The SDK's
  // caveat, middleware added to one command instance is ignored, concerns no Steward code; lib-dynamodb's commands,
  // which its cache cannot serve, are resolved once by dynamodb.ts.
  cacheMiddleware: true,
  ...(localRequestHandler === undefined ? {} : { requestHandler: localRequestHandler as never }),
};

/** Reads `region` through a receiver; called often enough for V8 to keep feedback for the read (see below). */
const probe = (receiver: { region?: unknown }): unknown => receiver.region;

/**
 * Returns the client with its resolved configuration in V8's fast-property mode, as every client module exports it.
 *
 * The SDK builds a client's `config` by adding fifty-odd properties to one object through `Object.assign`, past the
 * sixteen or so V8 keeps in fast mode when properties are added that way, so the object ends in V8's dictionary mode;
 * and the SDK copies that object with object spread at every call: the
 * serializer and the deserializer (`{ ...config, ...context }`), the endpoint resolution (`{ ...config }`) and the
 * signer. A spread of a dictionary-mode object of that size cost about 18 µs against 2 µs for the same object in
 * fast mode: a third of the SDK's own CPU a call (an UpdateItem with a stub HTTP handler: 0.21–0.29 ms against
 * 0.35–0.40). V8 turns an object back into fast mode when it serves as a prototype and a property lookup with
 * feedback goes through it (`JSObject::MakePrototypesFast`); the probe below does exactly that, 32 times, past the
 * invocations V8 waits for before it allocates feedback. Nothing about the object changes but its representation:
 * the same properties, accessor included, the same identity the middleware closed over. If a later V8 stopped doing
 * this, calls would cost what they cost before, no more. test/shared/sdk-clients.test.ts checks every client's
 * configuration with V8's own `%HasFastProperties`. Measured on local mode's 200-run bursts (three pairs alternating
 * with the release before): later bursts' function threads 23–26 ms of CPU a run against 25–36; first bursts, whose
 * code V8 is still optimizing, unchanged within the machine's noise.
 */
export function withFastConfig<T extends { config: object }>(client: T): T {
  const receiver = Object.create(client.config) as { region?: unknown };
  for (let i = 0; i < 32; i++) probe(receiver);
  return client;
}
