import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  API_SECRET_PREFIXES,
  INVOKE_ACTIONS,
  invokeResources,
  parseSecretRef,
  type ServiceAuth,
  secretResourceArn,
} from '../core/supervision/auth.ts';

/** A service whose calls authenticate, as the manifest declares it. */
export interface AuthenticatedService {
  readonly name: string;
  readonly auth?: ServiceAuth;
  readonly base_url?: string;
}

/** Properties of {@link ServiceAuthGrants}. */
export interface ServiceAuthGrantsProps {
  /** The function that calls services (the step runner). */
  readonly caller: lambda.IFunction;
  /** The services of the deployment manifest; each `auth` is granted exactly. */
  readonly services: readonly AuthenticatedService[];
}

/**
 * What the step runner may read and invoke to authenticate service calls (lib/core/supervision/auth.ts):
 * - every secret under `steward/` and SSM parameter under `/steward/` — the only ones a service registered over the
 *   API may name (the API refuses others), so registering one needs no deployment;
 * - exactly the secret, parameter and customer-managed KMS key (through that service only) each manifest service
 *   names, wherever they are;
 * - `execute-api:Invoke` / `lambda:InvokeFunctionUrl` / `vpc-lattice-svcs:Invoke` on what each `aws_iam` manifest
 *   service names (API Gateway stages are derived from their base URL). An API-registered `aws_iam` service needs
 *   the user to add that grant to the step runner's role (docs/supervision.md).
 */
export class ServiceAuthGrants extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAuthGrantsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const smPrefix = `arn:${partition}:secretsmanager:${region}:${account}:secret:${API_SECRET_PREFIXES.secretsmanager}*`;
    const ssmPrefix = `arn:${partition}:ssm:${region}:${account}:parameter${API_SECRET_PREFIXES.ssm}*`;
    const secrets = new Set<string>([smPrefix]);
    const parameters = new Set<string>([ssmPrefix]);
    const keys = new Map<string, Set<string>>();
    const invokes = new Map<string, Set<string>>();
    for (const service of props.services) {
      const auth = service.auth;
      if (!auth) continue;
      if (auth.type === 'aws_iam') {
        const resources = invokeResources(auth, service.base_url, partition, account);
        if (!resources) {
          throw new Error(
            `services.json: service '${service.name}' signs with SigV4 for ${auth.service} but names nothing to invoke: set auth.invoke_arns (or an https://<api>.execute-api.<region>.amazonaws.com/<stage> base_url)`,
          );
        }
        const action = INVOKE_ACTIONS[auth.service];
        for (const r of resources) (invokes.get(action) ?? invokes.set(action, new Set()).get(action)!).add(r);
        continue;
      }
      const ref = parseSecretRef(auth.secret);
      if (!ref) throw new Error(`services.json: service '${service.name}': auth.secret is not a secret reference`);
      (ref.source === 'ssm' ? parameters : secrets).add(secretResourceArn(ref, partition, region, account));
      if (auth.kms_key_arn) {
        const via = `${ref.source === 'ssm' ? 'ssm' : 'secretsmanager'}.${region}.amazonaws.com`;
        (keys.get(via) ?? keys.set(via, new Set()).get(via)!).add(auth.kms_key_arn);
      }
    }
    const add = (statement: iam.PolicyStatement): void => {
      props.caller.addToRolePolicy(statement);
    };
    add(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secrets] }));
    add(new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [...parameters] }));
    for (const [via, arns] of keys) {
      add(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [...arns],
          conditions: { StringEquals: { 'kms:ViaService': via } },
        }),
      );
    }
    for (const [action, resources] of invokes)
      add(new iam.PolicyStatement({ actions: [action], resources: [...resources] }));
    // cdk-nag renders the pseudo parameters as <AWS::…>: the acknowledgements name the wildcard ARNs that way.
    const rendered = (arn: string): string =>
      arn.replace(partition, '<AWS::Partition>').replace(region, '<AWS::Region>').replace(account, '<AWS::AccountId>');
    const wildcards = [...secrets, ...parameters].filter((arn) => arn.includes('*') || arn.includes('?'));
    const target = props.caller.role?.node.tryFindChild('DefaultPolicy') ?? props.caller.role ?? this;
    for (const arn of wildcards) {
      Validations.of(target).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${rendered(arn)}]`,
        reason: arn.endsWith('*')
          ? `Secrets and SSM parameters under Steward's prefixes ('${API_SECRET_PREFIXES.secretsmanager}', '${API_SECRET_PREFIXES.ssm}'): the only ones a service registered over the API may name (the API refuses others); read to authenticate service calls.`
          : 'A secret named without its ARN: Secrets Manager appends six random characters to the name, which the ARN pattern -?????? matches (and nothing longer).',
      });
    }
  }
}
