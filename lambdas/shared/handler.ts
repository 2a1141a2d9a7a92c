import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { flushMetrics, logger } from './powertools.ts';

/**
 * Wraps a handler in middy with the Powertools middlewares every Steward function uses: each log line carries the
 * Lambda context (`function_request_id`, `cold_start`, …), keys appended during an invocation are reset after it, and
 * metrics are flushed once when the invocation ends, whether it returned or threw — no handler flushes by hand.
 */
export function lambdaHandler<TEvent, TResult>(
  fn: (event: TEvent, context: Context) => Promise<TResult>,
): (event: TEvent, context?: Context) => Promise<TResult> {
  const wrapped = middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler(fn);
  // Lambda always passes a context; callers in the same process (tests) may leave it out, and their log lines
  // then carry no request id.
  return (event, context) => wrapped(event, context ?? ({} as Context));
}
