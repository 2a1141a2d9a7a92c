/**
 * `steward console --url <deployed API>`: the console for a deployed stack, on this machine, with the user's own AWS
 * credentials (see console-proxy.ts for what the server does and refuses).
 */
import { existsSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOOPBACK_NAMES } from '../local/http-api.ts';
import { regionOf } from './client.ts';
import { type CredentialSource, startConsoleProxy } from './console-proxy.ts';

/** Default port of `steward console` (local mode's API is 4500, the sample services 4510–4513). */
export const DEFAULT_CONSOLE_PORT = 4520;

/** The built console shipped in the package. */
export const CONSOLE_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console', 'dist');

/** Usage of `steward console`. */
export const help = `steward console — the Steward console for a deployed stack, served on this machine

Usage:
  npx steward console --url URL [--profile P] [--region R] [--port N] [--host H [--allow-remote]]

  --url URL       the deployed API, with its stage: https://<id>.execute-api.<region>.amazonaws.com/v1
  --profile P     AWS profile whose credentials sign the calls (default: the standard credential chain:
                  environment, SSO, ~/.aws/credentials and config, process, web identity, container, instance)
  --region R      region the signatures are for (default: the one in the URL, else the profile's or AWS_REGION)
  --port N        port to listen on (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
  --host H        address to bind (default 127.0.0.1). Anything but loopback is refused unless --allow-remote
  --allow-remote  bind a non-loopback address: whoever can reach it acts with YOUR AWS credentials
  -h, --help      this text

Open the printed address in a browser. Every API call the console makes is signed with SigV4 by this process with
your credentials, as the AWS CLI would sign it: nothing new is deployed and IAM decides what the console may do.
The server answers only requests addressed to its own host name, refuses writes from other origins and non-JSON
writes, and forwards no cookies, Origin, Referer or browser headers. Stop with Ctrl-C.
`;

/** A mistake in the command line (exit code 2). */
export class ConsoleUsageError extends Error {
  override readonly name = 'ConsoleUsageError';
}

/** True for an address only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The Host names the proxy answers to: loopback always; with a remote bind also the bound address, and for a
 * wildcard bind (0.0.0.0, ::) this machine's name and interface addresses. Anything else is refused, so a DNS name
 * an attacker points at this machine still gets nothing.
 */
export function acceptedNames(host: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const asHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);
  if (bare === '0.0.0.0' || bare === '::') {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) names.add(asHost(info.address.toLowerCase()));
    }
  } else {
    names.add(asHost(bare));
  }
  return names;
}

/** Parses and checks `--url`: an absolute http(s) URL with no query or fragment. */
export function parseTarget(value: string | undefined): URL {
  if (value === undefined) {
    throw new ConsoleUsageError(
      '--url is required: the deployed API, e.g. https://<id>.execute-api.<region>.amazonaws.com/v1',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConsoleUsageError(
      `--url '${value}' is not a URL: expected https://<id>.execute-api.<region>.amazonaws.com/<stage>`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConsoleUsageError(`--url '${value}' must be an http(s) URL`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConsoleUsageError(`--url '${value}' must have no query, fragment or user info: only the API's base URL`);
  }
  if (url.protocol === 'http:' && !isLoopbackAddress(url.hostname)) {
    throw new ConsoleUsageError(
      `--url '${value}' must use https: signed requests and answers must not cross the network in clear`,
    );
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The region: --region, else the execute-api host's, else the profile's or the environment's (the SDK's chain). */
export async function resolveRegion(
  target: URL,
  region: string | undefined,
  profile: string | undefined,
): Promise<string> {
  if (region !== undefined) {
    if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region))
      throw new ConsoleUsageError(`--region '${region}' is not a region name`);
    return region;
  }
  const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = await import(
    '@smithy/core/config'
  );
  const fromChain = await loadConfig(NODE_REGION_CONFIG_OPTIONS, {
    ...NODE_REGION_CONFIG_FILE_OPTIONS,
    profile,
  })().catch(() => undefined);
  try {
    return regionOf(target, fromChain);
  } catch {
    throw new ConsoleUsageError(
      `cannot tell the region of ${target.host}: pass --region, or set one for the profile (region = …) or AWS_REGION`,
    );
  }
}

/**
 * The credential provider: the SDK's standard Node chain (with the profile when given). It caches what it resolved
 * and fetches again when temporary credentials come within five minutes of expiring, so a long session keeps working.
 */
export async function credentialSource(profile: string | undefined): Promise<CredentialSource> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain(profile === undefined ? {} : { profile });
}

/** Options of {@link run}, for tests. */
export interface RunOptions {
  /** Directory of the built console. @default CONSOLE_DIST */
  readonly consoleDir?: string;
  /** Resolves once the proxy listens, with its URL and a way to stop it (instead of waiting for a signal). */
  readonly onReady?: (url: string, stop: () => void) => void;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

/** Runs `steward console …`; resolves with the exit code once stopped. */
export async function run(argv: string[], runOptions: RunOptions = {}): Promise<number> {
  const out = runOptions.out ?? ((t: string) => process.stdout.write(t));
  const err = runOptions.err ?? ((t: string) => process.stderr.write(t));
  let proxy: Awaited<ReturnType<typeof startConsoleProxy>>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        profile: { type: 'string' },
        region: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out(help);
      return 0;
    }
    const target = parseTarget(values.url);
    const port = values.port === undefined ? DEFAULT_CONSOLE_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new ConsoleUsageError(`--port must be a port number (0-65535), got '${values.port}'`);
    }
    const host = values.host ?? '127.0.0.1';
    const remote = !isLoopbackAddress(host);
    if (remote && !values['allow-remote']) {
      throw new ConsoleUsageError(
        `refusing to bind ${host}: the console signs every call with your AWS credentials, so anyone who reached it would act as you. Bind loopback (the default), or pass --allow-remote if that is what you want`,
      );
    }
    const consoleDir = resolve(runOptions.consoleDir ?? CONSOLE_DIST);
    if (!existsSync(join(consoleDir, 'index.html'))) {
      throw new ConsoleUsageError(
        `the console is not built (${join(consoleDir, 'index.html')} is missing): run "npm run build:console"`,
      );
    }
    const region = await resolveRegion(target, values.region, values.profile);
    const credentials = await credentialSource(values.profile);
    let identity: string;
    try {
      const first = await credentials();
      identity = `access key ${first.accessKeyId.slice(0, 4)}…${first.accessKeyId.slice(-4)}${first.expiration ? `, temporary (refreshed before ${first.expiration.toISOString()})` : ''}`;
    } catch (error) {
      err(
        `steward console: no AWS credentials${values.profile ? ` for profile '${values.profile}'` : ''}: ${(error as Error).message}\n`,
      );
      return 1;
    }
    proxy = await startConsoleProxy({
      target,
      region,
      credentials,
      consoleDir,
      port,
      host,
      names: acceptedNames(host),
      log: (line) => err(`steward console: ${line}\n`),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new ConsoleUsageError(`port ${port} is in use: pass --port N (or 0 for any free port)`);
      throw error;
    });
    const local = remote ? `http://127.0.0.1:${proxy.port}` : proxy.url;
    out(
      [
        '',
        `Steward console for ${target.href}`,
        '',
        `  Open        ${local}/console/`,
        `  Signing     SigV4 for execute-api in ${region}, ${values.profile ? `profile '${values.profile}'` : 'the default credential chain'} (${identity})`,
        remote
          ? `  Bound to    ${proxy.address}:${proxy.port} — NOT loopback (--allow-remote): anyone who reaches this port acts with your AWS credentials`
          : `  Bound to    ${proxy.address}:${proxy.port} only (loopback): other machines cannot reach it`,
        `  Answers     Host ${[...acceptedNames(host)].join(', ')}; no foreign Origin, no non-JSON writes`,
        '',
        'IAM decides what the console may do: it can do what these credentials may do, nothing more. Stop with Ctrl-C.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    if (error instanceof ConsoleUsageError) {
      err(`steward console: ${error.message}\n`);
      return 2;
    }
    err(`steward console: ${(error as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      proxy.close().then(
        () => done(0),
        () => done(1),
      );
    };
    if (runOptions.onReady) runOptions.onReady(proxy.url, stop);
    else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
}
