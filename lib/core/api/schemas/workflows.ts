/** Request schemas of the workflow routes (lib/core/api/routes/workflows.ts). */
import * as z from 'zod';
import { type WorkflowDocument, workflowDocumentSchema } from '../../workflow/schema.ts';

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .optional();
const nextToken = z.string().max(4096).optional();

/** Body of `POST /workflows`: a workflow document (structure; meaning is checked by the compiler's validator). */
export const createWorkflowBody: z.ZodType<WorkflowDocument> = workflowDocumentSchema;

/** A new version: the document plus the `seq` it was read at (optimistic locking; or an `If-Match` header). */
export type NewVersionBody = WorkflowDocument & { expected_seq?: number };

const expectedSeq = z.number().int().min(1);

/**
 * Body of `PUT /workflows/{id}` and `POST /workflows/{id}/versions`. The document schema is a zod object at run
 * time, so it is extended with `expected_seq` and keeps its strictness (unknown keys are refused).
 */
export const newVersionBody: z.ZodType<NewVersionBody> =
  workflowDocumentSchema instanceof z.ZodObject
    ? (workflowDocumentSchema.extend({ expected_seq: expectedSeq.optional() }) as unknown as z.ZodType<NewVersionBody>)
    : (z.intersection(
        workflowDocumentSchema,
        z.object({ expected_seq: expectedSeq.optional() }),
      ) as unknown as z.ZodType<NewVersionBody>);

/** Query of `GET /workflows` and `GET /workflows/{id}/versions`. */
export const workflowPageQuery = z.strictObject({ limit, next_token: nextToken });

/** Query of `DELETE /workflows/{id}`. */
export const deleteWorkflowQuery = z.strictObject({
  force: z.enum(['true', 'false'], { message: "must be 'true' or 'false'" }).optional(),
});

/** Query of `GET /workflows/{id}/graph`: the version, by label (`1.0.0`) or number (`3`); the latest when absent. */
export const workflowGraphQuery = z.strictObject({ version: z.string().min(1).max(64).optional() });
