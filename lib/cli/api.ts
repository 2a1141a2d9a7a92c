import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type ApiAnswer, ApiUnreachableError, callApi } from './client.ts';

export { DEFAULT_LOCAL_URL, regionOf, signRequest } from './client.ts';

/** Usage of `steward api`. */
export const help = `steward api — call Steward's REST API

Usage:
  steward api METHOD PATH [--data JSON|@file] [--url URL] [--region REGION]

  METHOD   GET, POST, PUT or DELETE
  PATH     e.g. /executions, /services/status, /executions/<id>/pause
  --data   the JSON body, inline or @file
  --url    a deployed API (https://<id>.execute-api.<region>.amazonaws.com/<stage>); requests are then signed
           with SigV4 using the default AWS credential chain. Default: local mode ($STEWARD_URL or
           http://127.0.0.1:4500), unsigned.

Prints the answer's JSON on stdout and the status on stderr; exits 1 when the status is not 2xx.
`;

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE']);

/** Runs `steward api …`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', short: 'd' },
      url: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [rawMethod, path] = positionals;
  const method = rawMethod?.toUpperCase();
  if (!method || !METHODS.has(method) || !path?.startsWith('/')) {
    process.stderr.write(`steward api: expected METHOD PATH (e.g. GET /executions)\n\n${help}`);
    return 2;
  }
  let body: string | undefined;
  if (values.data !== undefined) {
    body = values.data.startsWith('@') ? await readFile(values.data.slice(1), 'utf8') : values.data;
    try {
      JSON.parse(body);
    } catch (error) {
      process.stderr.write(`steward api: --data is not valid JSON (${(error as Error).message})\n`);
      return 2;
    }
  }
  let answer: ApiAnswer;
  try {
    answer = await callApi({ url: values.url, region: values.region }, method, path, body);
  } catch (error) {
    if (!(error instanceof ApiUnreachableError)) throw error;
    process.stderr.write(`steward api: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(`${answer.status}\n`);
  if (answer.text !== '') {
    process.stdout.write(
      typeof answer.body === 'string' ? `${answer.text}\n` : `${JSON.stringify(answer.body, null, 2)}\n`,
    );
  }
  return answer.ok ? 0 : 1;
}
