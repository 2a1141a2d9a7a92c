/**
 * The outbound policy on undici connections, for the HTTP probes: kept out of lambdas/shared/outbound.ts so that
 * functions which only call services with Node's own http (the step runner) do not bundle undici (~720 KB).
 */
import { Agent, buildConnector } from 'undici';
import { assertDestination, guardedLookup } from '../outbound.ts';

const defaultPort = (protocol: string): number => (protocol === 'https:' ? 443 : 80);
/**
 * An undici `connect` function that applies the policy: the host as written first, then every resolved address
 * through {@link guardedLookup} (one connector per port, since the lookup needs the port for Steward's own endpoints).
 */
export function guardedConnector(): buildConnector.connector {
  const byPort = new Map<number, buildConnector.connector>();
  return (options, callback) => {
    const port = Number(options.port) || defaultPort(options.protocol);
    try {
      assertDestination(options.hostname, port);
    } catch (error) {
      return callback(error as Error, null);
    }
    let connector = byPort.get(port);
    if (!connector) {
      connector = buildConnector({ lookup: guardedLookup(port) } as buildConnector.BuildOptions);
      byPort.set(port, connector);
    }
    return connector(options, callback);
  };
}

/** An undici Agent whose every connection goes through {@link guardedConnector}. */
export function guardedAgent(options: ConstructorParameters<typeof Agent>[0] = {}): Agent {
  return new Agent({ ...options, connect: guardedConnector() });
}
