import type { EnvName } from '../../lib/core/env.ts';

/** Thrown at cold start when the deployment did not set a variable the function needs. */
export class MissingConfigurationError extends Error {
  override readonly name = 'MissingConfigurationError';
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set: the stack that deploys this function must set it`);
  }
}

/** Reads a required environment variable; call at module scope so a misconfigured function fails at cold start. */
export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new MissingConfigurationError(name);
  return value;
}

/** Reads an optional environment variable. */
export function optionalEnv(name: EnvName, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** Reads a comma-separated list (empty when unset). */
export function listEnv(name: EnvName): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
