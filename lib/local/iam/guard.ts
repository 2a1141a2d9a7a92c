/**
 * The gate in front of local mode's AWS endpoints: authenticates every request (SigV4, {@link verifySignature})
 * and authorizes each operation against the caller's role ({@link IamAuthorizer}, through the action table of
 * {@link accessRequests}). Refusals carry the error code and status each service's protocol uses, so the SDK in the
 * handler raises the same exception class it would on AWS.
 */
import { AwsError } from '../aws/errors.ts';
import { accessRequests, type OperationInput, type ServiceKey } from './actions.ts';
import { type AuthorizerOptions, type Denial, IamAuthorizer } from './authorizer.ts';
import { missingLogDelivery } from './checks.ts';
import { type Caller, type KeyPair, LocalCredentials } from './credentials.ts';
import { type IamModel, logsTo } from './model.ts';
import { type AuthFailure, type SignedRequest, verifySignature } from './sigv4.ts';

type Refusal = [code: string, status: number];

/** Per service: the codes AWS answers for each authentication failure and for a denied call. */
const REFUSALS: Record<'json' | 'sqs' | 'query' | 'cloudwatch' | 'lambda', Record<AuthFailure | 'denied', Refusal>> = {
  // Step Functions, EventBridge, ECS, DynamoDB (JSON 1.0/1.1 protocols).
  json: {
    missing: ['MissingAuthenticationTokenException', 400],
    'unknown-key': ['UnrecognizedClientException', 400],
    'bad-signature': ['InvalidSignatureException', 400],
    expired: ['InvalidSignatureException', 400],
    denied: ['AccessDeniedException', 400],
  },
  // SQS (JSON protocol, query-compatible codes).
  sqs: {
    missing: ['MissingAuthenticationToken', 403],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
    denied: ['AccessDenied', 403],
  },
  // SNS (query protocol).
  query: {
    missing: ['MissingAuthenticationToken', 403],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
    denied: ['AuthorizationError', 403],
  },
  cloudwatch: {
    missing: ['MissingAuthenticationToken', 403],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
    denied: ['AccessDenied', 403],
  },
  // Lambda (REST-JSON).
  lambda: {
    missing: ['MissingAuthenticationTokenException', 403],
    'unknown-key': ['UnrecognizedClientException', 403],
    'bad-signature': ['InvalidSignatureException', 403],
    expired: ['InvalidSignatureException', 403],
    denied: ['AccessDeniedException', 403],
  },
};

const protocolOf = (service: ServiceKey): keyof typeof REFUSALS => {
  switch (service) {
    case 'sqs':
      return 'sqs';
    case 'sns':
      return 'query';
    case 'cloudwatch':
      return 'cloudwatch';
    case 'lambda':
      return 'lambda';
    default:
      return 'json';
  }
};

/** Options of {@link LocalIam}. */
export interface LocalIamOptions extends AuthorizerOptions {
  /** Per-run secret of the keys. @default random */
  secret?: Buffer;
}

/**
 * What another thread needs to build a {@link LocalIam} that decides exactly as this one: the same model, the same
 * per-run secret (so the same keys), the same enforcement, and the roles whose keys were issued (structured-clone
 * safe, for `workerData`).
 */
export interface PortableIam {
  model: IamModel;
  secret: Buffer;
  enforce: boolean;
  roles: string[];
}

/** Authentication and authorization of local mode's AWS endpoints. */
export class LocalIam {
  readonly credentials: LocalCredentials;
  readonly authorizer: IamAuthorizer;

  constructor(
    readonly model: IamModel,
    options: LocalIamOptions = {},
  ) {
    this.credentials = new LocalCredentials(model.account, options.secret);
    this.authorizer = new IamAuthorizer(model, options);
  }

  /** This guard's state for {@link LocalIam.fromPortable} in another thread. */
  portable(): PortableIam {
    return {
      model: this.model,
      secret: this.credentials.runSecret,
      enforce: this.authorizer.enforce,
      roles: this.credentials.issuedRoles(),
    };
  }

  /** A guard equal to the one {@link portable} described; its denials go to `onDenial`. */
  static fromPortable(state: PortableIam, options: Pick<AuthorizerOptions, 'onDenial'> = {}): LocalIam {
    const iam = new LocalIam(state.model, {
      secret: Buffer.from(state.secret),
      enforce: state.enforce,
      onDenial: options.onDenial,
    });
    for (const role of state.roles) iam.keysFor(role);
    return iam;
  }

  /** Whether calls are refused when denied (`--iam off` only authenticates). */
  get enforcing(): boolean {
    return this.authorizer.enforce;
  }

  /** The key pair a role's code signs with. */
  keysFor(roleArn: string): KeyPair {
    return this.credentials.forRole(roleArn);
  }

  /** The operator's key pair (full rights). */
  operatorKeys(): KeyPair {
    return this.credentials.operator();
  }

  /** Verifies a request's signature; the caller, or the error AWS would answer. */
  async authenticate(service: ServiceKey, request: SignedRequest): Promise<Caller | AwsError> {
    const result = await verifySignature(request, this.credentials);
    if (result.ok) return result.caller;
    const [code, status] = REFUSALS[protocolOf(service)][result.failure];
    return new AwsError(code, result.message, status);
  }

  /** Authorizes one operation of a caller; undefined when allowed, else the error AWS would answer. */
  async authorize(
    caller: Caller,
    service: ServiceKey,
    operation: string,
    input: OperationInput,
  ): Promise<AwsError | undefined> {
    if (!this.authorizer.enforce) return undefined;
    if (caller.kind === 'role') {
      const refused = await this.identityRefusal(caller.roleArn, service, operation, input);
      if (refused) return refused;
    }
    return this.createTimeRefusal(service, operation, input);
  }

  /** What the caller's role (and the resource's policy) refuses of an operation. */
  private async identityRefusal(
    roleArn: string,
    service: ServiceKey,
    operation: string,
    input: OperationInput,
  ): Promise<AwsError | undefined> {
    const [code, status] = REFUSALS[protocolOf(service)].denied;
    const requests = accessRequests(service, operation, input, this.authorizer.scope);
    if (requests === undefined) {
      // Refused rather than waved through: a call nobody mapped is a call nobody checked.
      return new AwsError(
        code,
        `Local mode has no IAM mapping for ${service}:${operation}; add it to lib/local/iam/actions.ts`,
        status,
      );
    }
    // A request naming no valid resource (a missing or malformed ARN) is left to the service, which refuses it as
    // invalid input, as AWS does, before any resource could be touched.
    const checkable = requests.filter((r) => r.resource === '*' || /^arn:aws[a-z-]*:[a-z0-9-]+:/.test(r.resource));
    const denial = await this.authorizer.authorizeRole(roleArn, checkable);
    return denial === undefined ? undefined : new AwsError(code, denial.message, status);
  }

  /** What the service itself checks when a resource is created with a role (Step Functions and its logs). */
  private async createTimeRefusal(
    service: ServiceKey,
    operation: string,
    input: OperationInput,
  ): Promise<AwsError | undefined> {
    const creates = service === 'states' && (operation === 'CreateStateMachine' || operation === 'UpdateStateMachine');
    if (!creates || typeof input.roleArn !== 'string' || !logsTo(input.loggingConfiguration)) return undefined;
    const missing = await missingLogDelivery(this.authorizer, input.roleArn);
    if (missing.length === 0) return undefined;
    return new AwsError(
      'AccessDeniedException',
      `The state machine IAM Role is not authorized to access the Log Destination (${input.roleArn} lacks ${missing.join(', ')})`,
    );
  }

  /** The latest denials, newest first. */
  recentDenials(): Denial[] {
    return this.authorizer.recentDenials();
  }
}
