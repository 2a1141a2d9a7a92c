/**
 * Authorizes local mode's AWS calls the way AWS does, with a maintained evaluator (@cloud-copilot/iam-simulate) fed
 * the caller's role policies from the templates, the resource's own policy where the service has one (Lambda
 * permissions, topic, queue and key policies) and the request's context keys. Decisions are cached per
 * (principal, action, resource, context): a run repeats the same few hundred, and the evaluator takes about a
 * millisecond each. Denials are kept for the status page with the statement that would have allowed them.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AccessRequest, AccessScope } from './actions.ts';
import type { PolicyDocument, PolicyStatement } from './managed.ts';
import type { IamModel, IamRole } from './model.ts';

/** One refused call, as the status page and the log show it. */
export interface Denial {
  time: string;
  /** The calling principal: `arn:aws:sts::…:assumed-role/<role>/<function>` or a service (`events.amazonaws.com`). */
  principal: string;
  roleArn?: string;
  /** The functions that run as this role (what a reader looks for). */
  functions: string[];
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** True when a Deny statement matched (else nothing allowed it). */
  explicit: boolean;
  /** Which policy would have to change. */
  policyType: 'identity-based' | 'resource-based';
  /** A statement that would allow the call (to add to the role, or to the resource's policy). */
  allowingStatement: PolicyStatement;
  /** The message AWS answers with. */
  message: string;
}

type Result = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Options of {@link IamAuthorizer}. */
export interface AuthorizerOptions {
  /** When false every decision is still made and logged, but nothing is refused. @default true */
  enforce?: boolean;
  /** Called once per denial. */
  onDenial?: (denial: Denial) => void;
  /** Denials kept for {@link IamAuthorizer.recentDenials}. @default 200 */
  keep?: number;
}

/** Context keys whose value scopes a statement: the allowing statement repeats them as a condition. */
const CONDITION_OPERATORS: Record<string, string> = {
  'iam:PassedToService': 'StringEquals',
  'ecs:cluster': 'ArnEquals',
  'cloudwatch:namespace': 'StringEquals',
};

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Local mode's IAM. */
export class IamAuthorizer {
  readonly enforce: boolean;
  readonly scope: AccessScope;
  private readonly cache = new Map<string, Promise<Result>>();
  private readonly denials: Denial[] = [];
  private readonly functionsByRole = new Map<string, string[]>();
  private evaluated = 0;
  private lookups = 0;
  /** Latest counters of authorizers in other threads over the same model (DynamoDB's guard), by source. */
  private readonly elsewhere = new Map<string, { evaluated: number; lookups: number }>();

  constructor(
    readonly model: IamModel,
    private readonly options: AuthorizerOptions = {},
  ) {
    this.enforce = options.enforce ?? true;
    this.scope = { region: model.region, account: model.account, topicKey: (arn) => model.topicKeys.get(arn) };
    for (const fn of model.functions) {
      this.functionsByRole.set(fn.roleArn, [...(this.functionsByRole.get(fn.roleArn) ?? []), fn.name]);
    }
  }

  /** The role of an ARN, or undefined. */
  role(roleArn: string): IamRole | undefined {
    return this.model.roles.get(roleArn);
  }

  /**
   * Authorizes calls made with a role's credentials: each request must be allowed by the role's policies or, where
   * the resource has a policy, by it. Resolves with the first denial (recorded), or undefined when all are allowed.
   */
  async authorizeRole(
    roleArn: string,
    requests: readonly AccessRequest[],
    session?: string,
  ): Promise<Denial | undefined> {
    const role = this.model.roles.get(roleArn);
    const roleName = roleArn.replace(/^.*:role\//, '');
    const functions = this.functionsByRole.get(roleArn) ?? [];
    const principal = `arn:aws:sts::${this.model.account}:assumed-role/${roleName}/${session ?? functions[0] ?? roleName}`;
    for (const request of requests) {
      const policies = role?.policies ?? [];
      const resourcePolicy = this.resourcePolicy(request);
      const result = await this.decide(principal, roleArn, policies, request, resourcePolicy);
      if (result === 'Allowed') continue;
      // An explicit deny is named after the policy that holds it: without the resource's policy, does it remain?
      const inResourcePolicy =
        result === 'ExplicitlyDenied' &&
        resourcePolicy !== undefined &&
        (await this.decide(principal, `${roleArn}#identity`, policies, request, undefined)) !== 'ExplicitlyDenied';
      return this.deny({
        principal,
        roleArn,
        functions,
        request,
        explicit: result === 'ExplicitlyDenied',
        policyType: inResourcePolicy ? 'resource-based' : 'identity-based',
        allowingStatement: identityStatement(request),
      });
    }
    return undefined;
  }

  /**
   * Authorizes a call a service makes on its own behalf (`events.amazonaws.com` invoking a function for a rule,
   * `cloudwatch.amazonaws.com` publishing to a topic): only the resource's policy can allow it.
   */
  async authorizeService(
    service: string,
    sourceArn: string | undefined,
    request: AccessRequest,
  ): Promise<Denial | undefined> {
    const context: Record<string, string | string[]> = { 'aws:SourceAccount': this.model.account, ...request.context };
    if (sourceArn !== undefined) context['aws:SourceArn'] = sourceArn;
    const withContext = { ...request, context };
    const resourcePolicy = this.resourcePolicy(request);
    const result = resourcePolicy
      ? await this.decide(service, service, [], withContext, resourcePolicy)
      : ('ImplicitlyDenied' as const);
    if (result === 'Allowed') return undefined;
    return this.deny({
      principal: service,
      functions: [],
      request: withContext,
      explicit: result === 'ExplicitlyDenied',
      policyType: 'resource-based',
      allowingStatement: resourceStatement(service, sourceArn, request),
    });
  }

  /** Whether a role may make a request (its policies, or the resource's policy); nothing is recorded. */
  async roleAllows(roleArn: string, request: AccessRequest): Promise<boolean> {
    const role = this.model.roles.get(roleArn);
    const roleName = roleArn.replace(/^.*:role\//, '');
    const principal = `arn:aws:sts::${this.model.account}:assumed-role/${roleName}/check`;
    const result = await this.decide(principal, roleArn, role?.policies ?? [], request, this.resourcePolicy(request));
    return result === 'Allowed';
  }

  /**
   * Whether a service may make a request under a resource policy (by default the resource's own; a role's trust
   * policy for `sts:AssumeRole`); nothing is recorded.
   */
  async serviceAllows(
    service: string,
    sourceArn: string | undefined,
    request: AccessRequest,
    policy: PolicyDocument | undefined = this.resourcePolicy(request),
  ): Promise<boolean> {
    if (!policy) return false;
    const context: Record<string, string | string[]> = { 'aws:SourceAccount': this.model.account, ...request.context };
    if (sourceArn !== undefined) context['aws:SourceArn'] = sourceArn;
    const key = `${service}\n${JSON.stringify(policy)}`;
    return (await this.decide(service, key, [], { ...request, context }, policy)) === 'Allowed';
  }

  /** The latest denials, newest first. */
  recentDenials(): Denial[] {
    return [...this.denials].reverse();
  }

  /** Decisions evaluated and cache lookups so far (with those reported by {@link mergeStats}). */
  stats(): { evaluated: number; lookups: number; denials: number } {
    let { evaluated, lookups } = this;
    for (const other of this.elsewhere.values()) {
      evaluated += other.evaluated;
      lookups += other.lookups;
    }
    return { evaluated, lookups, denials: this.denials.length };
  }

  /** The running totals of an authorizer in another thread (replacing that source's previous report). */
  mergeStats(source: string, totals: { evaluated: number; lookups: number }): void {
    this.elsewhere.set(source, { evaluated: totals.evaluated, lookups: totals.lookups });
  }

  /**
   * Records a denial decided elsewhere over the same model (DynamoDB's guard in its worker thread): kept for
   * {@link recentDenials} and reported through `onDenial`, as this authorizer's own.
   */
  record(denial: Denial): void {
    this.denials.push(denial);
    if (this.denials.length > (this.options.keep ?? 200)) this.denials.shift();
    this.options.onDenial?.(denial);
  }

  /** The resource policy that applies to a request's resource (functions without their qualifier). */
  resourcePolicy(request: AccessRequest): PolicyDocument | undefined {
    const resource = request.resource.replace(/^(arn:aws:lambda:[^:]+:\d+:function:[^:]+):.+$/, '$1');
    return this.model.resourcePolicies.get(resource);
  }

  private decide(
    principal: string,
    cacheKey: string,
    policies: IamRole['policies'],
    request: AccessRequest,
    resourcePolicy: PolicyDocument | undefined,
  ): Promise<Result> {
    this.lookups++;
    const key = `${cacheKey}\n${request.action}\n${request.resource}\n${JSON.stringify(request.context ?? {})}`;
    let decision = this.cache.get(key);
    if (!decision) {
      this.evaluated++;
      decision = this.simulate(principal, policies, request, resourcePolicy);
      this.cache.set(key, decision);
    }
    return decision;
  }

  private async simulate(
    principal: string,
    policies: IamRole['policies'],
    request: AccessRequest,
    resourcePolicy: PolicyDocument | undefined,
  ): Promise<Result> {
    const response = await runSimulation(
      {
        request: {
          principal,
          action: request.action,
          resource: { resource: request.resource, accountId: this.model.account },
          contextVariables: request.context ?? {},
        },
        identityPolicies: policies.map((p, i) => ({ name: `${i}-${p.name}`, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
      },
      {},
    );
    if (response.resultType === 'error') {
      // The evaluator refuses requests it cannot validate (an ARN of the wrong type for the action): refused here too,
      // since nothing could have allowed them.
      return 'ImplicitlyDenied';
    }
    return response.overallResult as Result;
  }

  private deny(d: {
    principal: string;
    roleArn?: string;
    functions: string[];
    request: AccessRequest;
    explicit: boolean;
    policyType: Denial['policyType'];
    allowingStatement: PolicyStatement;
  }): Denial {
    const { action, resource } = d.request;
    const why = d.explicit
      ? `with an explicit deny in a${d.policyType === 'identity-based' ? 'n' : ''} ${d.policyType} policy`
      : `because no ${d.policyType} policy allows the ${action} action`;
    const denial: Denial = {
      time: new Date().toISOString(),
      principal: d.principal,
      roleArn: d.roleArn,
      functions: d.functions,
      action,
      resource,
      context: d.request.context ?? {},
      explicit: d.explicit,
      policyType: d.policyType,
      allowingStatement: d.allowingStatement,
      message: `User: ${d.principal} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
    };
    this.record(denial);
    return denial;
  }
}

/** The identity-policy statement that would allow a request. */
export function identityStatement(request: AccessRequest): PolicyStatement {
  const condition: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(request.context ?? {})) {
    const operator = CONDITION_OPERATORS[key];
    if (operator) condition[operator] = { ...condition[operator], [key]: value };
  }
  return {
    Effect: 'Allow',
    Action: request.action,
    Resource: request.resource,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** The resource-policy statement that would let a service make a request. */
export function resourceStatement(
  service: string,
  sourceArn: string | undefined,
  request: AccessRequest,
): PolicyStatement {
  return {
    Effect: 'Allow',
    Principal: { Service: service },
    Action: request.action,
    Resource: request.resource,
    ...(sourceArn === undefined ? {} : { Condition: { ArnLike: { 'aws:SourceArn': sourceArn } } }),
  };
}

/** Statements of a document, as a list. */
export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  return asArray(doc.Statement);
}
