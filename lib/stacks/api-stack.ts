import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { openApiDocument } from '../api/openapi.ts';
import { type RegistrarProvider, WaitDeclarations } from '../constructs/registration.ts';
import { StewardApi } from '../constructs/steward-api.ts';
import { StewardFunction } from '../constructs/steward-function.ts';
import { ROUTES } from '../core/api/routes/index.ts';
import { functionSpec } from '../core/functions.ts';
import type { StewardSettings } from './settings.ts';
import type { WorkflowRuntime } from './workflows-stack.ts';

/** Properties of the {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  readonly settings: StewardSettings;
  readonly registry: dynamodb.ITable;
  readonly history: dynamodb.ITable;
  readonly runtime: WorkflowRuntime;
  /** The registrar's provider: completes the declared waits once this stack's workflows API is live. */
  readonly registrar: RegistrarProvider;
  /**
   * Directory the OpenAPI document is written to (`steward-openapi.json`).
   * @default - not written
   */
  readonly openApiDir?: string;
  /**
   * Create (and retain) the account's API Gateway CloudWatch role (`-c api-gateway-cloudwatch-role=true`).
   * @default false
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /**
   * ECS clusters whose services `POST /services/{service_id}/restart` may restart (the deployment's cluster).
   * @default - none: only services whose spec names an ECS target in no granted cluster, which ECS would refuse
   */
  readonly clusterNames?: readonly string[];
}

/** The REST API and the functions behind it. */
export class ApiStack extends Stack {
  readonly api: StewardApi;
  readonly functions: StewardFunction[] = [];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const ids = [...new Set(ROUTES.map((r) => r.functionId))];
    const byId: Record<string, lambda.IFunction> = {};
    for (const fid of ids) {
      const f = new StewardFunction(this, pascal(fid), {
        spec: functionSpec(fid),
        tier: settings.tier,
        deployment: settings.deployment,
        rootDir: settings.rootDir,
      });
      f.bindAll({
        registry: props.registry,
        history: props.history,
        bus: props.runtime.bus,
        stateMachinePrefix: settings.stateMachinePrefix,
        runtimeRole: props.runtime.runtimeRole,
        stepRunner: props.runtime.stepRunner,
        waiter: props.runtime.waiter,
        expressLogGroup: props.runtime.expressLogs.logGroup,
        workflowTrigger: props.runtime.workflowTrigger,
        apiTriggers: props.runtime.apiTriggers,
        historyRetentionDays: settings.tier.historyRetentionDays,
        clusters: (props.clusterNames ?? []).map((clusterName) => ({ clusterName })),
      });
      this.functions.push(f);
      byId[fid] = f.function;
    }
    // Every version stored before declared waits is declared, and routers told so, only once the workflows API that
    // declares new versions' waits is the one running (docs/engine.md, "Declared waits").
    const complete = new WaitDeclarations(this, 'WaitDeclarationsComplete', {
      provider: props.registrar,
      eventTypes: [],
      completes: true,
    });
    const workflowsApi = byId['api-workflows'];
    if (workflowsApi) complete.node.addDependency(workflowsApi);
    this.api = new StewardApi(this, 'Api', {
      routes: ROUTES,
      functions: byId,
      tier: settings.tier,
      apiName: settings.deployment,
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? false,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Steward REST API (SigV4-signed calls)' });
    if (props.openApiDir) {
      mkdirSync(props.openApiDir, { recursive: true });
      writeFileSync(
        path.join(props.openApiDir, 'steward-openapi.json'),
        `${JSON.stringify(openApiDocument(), null, 2)}\n`,
      );
    }
  }
}

/** `api-workflows` → `ApiWorkflows` (construct ids). */
export function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
