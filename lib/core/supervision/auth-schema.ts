/**
 * The schema of a service's `auth` (lib/core/supervision/auth.ts has the meaning). Kept apart from auth.ts so that
 * the step runner, which reads specs already validated at registration, does not bundle zod.
 */
import * as z from 'zod';
import { parseSecretRef, type ServiceAuth } from './auth.ts';

const secretRef = z
  .string()
  .max(2_048)
  .refine((v) => parseSecretRef(v) !== undefined, {
    message:
      'must be a Secrets Manager ARN or secretsmanager:<name>, or an SSM parameter ARN or ssm:/<name> (a SecureString)',
  });

const secretFields = {
  secret: secretRef,
  /** Field of a JSON secret holding the value. */
  json_key: z.string().min(1).max(256).optional(),
  /** Customer-managed KMS key that encrypts the secret (granted kms:Decrypt through the secret's service). */
  kms_key_arn: z
    .string()
    .regex(/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN')
    .optional(),
  /** Seconds a warm step runner keeps the value (0 to 3600, default 300): rotation is picked up within that. */
  cache_seconds: z.number().int().min(0).max(3_600).optional(),
};

/** The `auth` of a service spec. */
export const authSchema: z.ZodType<ServiceAuth> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), ...secretFields }),
  z.strictObject({
    type: z.literal('api_key'),
    ...secretFields,
    /** Where the key goes (default header). */
    in: z.enum(['header', 'query']).optional(),
    /** Header or query parameter name (default `X-Api-Key` / `api_key`). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be a header or query parameter name')
      .optional(),
  }),
  z.strictObject({ type: z.literal('basic'), ...secretFields }),
  z.strictObject({
    type: z.literal('aws_iam'),
    /** SigV4 signing name: `execute-api` (API Gateway), `lambda` (function URLs), `vpc-lattice-svcs`. */
    service: z.enum(['execute-api', 'lambda', 'vpc-lattice-svcs']),
    /** Region of the target (default: the step runner's region). */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region like eu-west-1')
      .optional(),
    /**
     * What the step runner's role is granted to invoke, for a service in services.json: API Gateway
     * `arn:aws:execute-api:…` ARNs (derived from an `https://<api>.execute-api.<region>.amazonaws.com/<stage>`
     * base_url when absent), Lambda function ARNs (`lambda`), VPC Lattice service ARNs (`vpc-lattice-svcs`).
     */
    invoke_arns: z
      .array(
        z
          .string()
          .regex(
            /^arn:aws[\w-]*:(execute-api|lambda|vpc-lattice):[a-z0-9-]+:\d{12}:.+$/,
            'must be an execute-api, Lambda or VPC Lattice ARN',
          ),
      )
      .min(1)
      .max(20)
      .optional(),
  }),
]);
