import type * as z from 'zod';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One REST operation. The route table generates the API Gateway resources and request models, the OpenAPI
 * document, the local router and the fuzz-test list, so every operation is declared exactly once.
 */
export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path with `{param}` placeholders, e.g. `/executions/{execution_id}/pause`. */
  readonly path: string;
  /** Unique, camelCase; the handler dispatches on it and the OpenAPI document names it. */
  readonly operationId: string;
  /** The function (lib/core/functions.ts) that serves it. */
  readonly functionId: string;
  /** `iam`: SigV4-signed callers only; `none`: the health routes. */
  readonly auth: 'iam' | 'none';
  readonly summary: string;
  /** What the answer holds, where the summary is not enough (the OpenAPI operation's description). */
  readonly description?: string;
  /** Status of a successful answer. */
  readonly successStatus: 200 | 201 | 202 | 204;
  /** Request body schema (JSON); also becomes the API Gateway request model. */
  readonly body?: z.ZodType;
  /** Query string schema (an object of optional strings). */
  readonly query?: z.ZodType;
  /**
   * Schema of the success body (lib/core/api/schemas/responses); absent only for 204. Errors carry the shared
   * error envelope (`errorBody`). The OpenAPI document publishes it and the contract tests hold every answer to it.
   */
  readonly response?: z.ZodType;
  /** Other documented answers whose body is not the error envelope (readiness: 503 with the same body). */
  readonly otherResponses?: Readonly<Record<number, { readonly description: string; readonly schema: z.ZodType }>>;
}
