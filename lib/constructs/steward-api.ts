import { RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bodyJsonSchema, modelName } from '../api/schemas.ts';
import { API_MIN_COMPRESSION_BYTES } from '../core/api/compression.ts';
import type { Route } from '../core/api/route.ts';
import type { TierConfig } from '../core/tiers.ts';

/** Properties of a {@link StewardApi}. */
export interface StewardApiProps {
  /** The route table (lib/core/api/routes). */
  readonly routes: readonly Route[];
  /** The function serving each `functionId` of the routes. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly tier: TierConfig;
  /** API name (the deployment name). */
  readonly apiName: string;
  /**
   * Creates the role API Gateway writes execution and access logs with, and sets it in the account's API Gateway
   * settings (`AWS::ApiGateway::Account`). That setting is one per account and region, shared by every API there,
   * so the role and the setting are retained when the stack is deleted: another deployment may rely on them.
   * @default false - the account's setting is used as it is (set it once per account and region)
   */
  readonly cloudWatchRole?: boolean;
}

// API Gateway answers invalid bodies itself; this keeps its answer in Steward's error shape. The validator's text
// (e.g. `[object has missing required properties ([\"name\"])]`) arrives bare, not as a JSON value: it goes inside a
// string, as one problem of the body (the handler's own validation names each field for what the model lets by).
const BAD_BODY_TEMPLATE =
  '{"error":{"code":"validation_failed","message":"Request body does not match the schema",' +
  '"problems":[{"field":"body","message":"$context.error.validationErrorString"}],"request_id":"$context.requestId"}}';
// A method a resource does not have: API Gateway alone would answer 403 "Missing Authentication Token".
const METHOD_NOT_ALLOWED_TEMPLATE = (path: string, allow: string): string =>
  JSON.stringify({
    error: {
      code: 'method_not_allowed',
      message: `$context.httpMethod is not allowed on ${path}; allowed: ${allow}`,
      allow: allow.split(', '),
      request_id: '$context.requestId',
    },
  });
// `$context.error.messageString` is already a quoted JSON string: it goes in without quotes of its own.
const BAD_PARAMS_TEMPLATE =
  '{"error":{"code":"validation_failed","message":$context.error.messageString,"request_id":"$context.requestId"}}';
// Every other answer API Gateway gives by itself (IAM's 403s: missing or invalid signature, access denied, expired
// token; throttling; integration failures) in the same envelope, so the CLI and the console show its message.
const GATEWAY_ERROR_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"request_id":"$context.requestId"}}';

/**
 * Steward's REST API, generated from the route table: IAM authorization on every route but `/health/*`, Lambda
 * proxy integrations, request models from the routes' zod body schemas, one validator (body + parameters),
 * throttling and JSON access logs per tier, X-Ray tracing.
 */
export class StewardApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  /** Methods by operation id. */
  readonly methods: Readonly<Record<string, apigw.Method>>;

  constructor(scope: Construct, id: string, props: StewardApiProps) {
    super(scope, id);
    const missing = [...new Set(props.routes.map((r) => r.functionId))].filter((f) => !props.functions[f]);
    if (missing.length > 0) {
      throw new Error(
        `StewardApi: no function given for ${missing.join(', ')}: pass each route's functionId in 'functions'`,
      );
    }
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.tier.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.tier.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'Steward: workflows and supervised services',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // Large answers (a long workflow's graph, a page of runs) go gzipped to callers that accept it.
      minCompressionSize: Size.bytes(API_MIN_COMPRESSION_BYTES),
      cloudWatchRole: props.cloudWatchRole ?? false,
      cloudWatchRoleRemovalPolicy: props.cloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.tier.apiThrottle.rateLimit,
        throttlingBurstLimit: props.tier.apiThrottle.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    this.api.addGatewayResponse('BadBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: { 'application/json': BAD_BODY_TEMPLATE },
    });
    this.api.addGatewayResponse('BadParameters', {
      type: apigw.ResponseType.BAD_REQUEST_PARAMETERS,
      statusCode: '400',
      templates: { 'application/json': BAD_PARAMS_TEMPLATE },
    });
    this.api.addGatewayResponse('Default4xx', {
      type: apigw.ResponseType.DEFAULT_4XX,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigw.ResponseType.DEFAULT_5XX,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });
    const validator = this.api.addRequestValidator('BodyAndParams', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integrations = new Map<string, apigw.LambdaIntegration>();
    const methods: Record<string, apigw.Method> = {};
    for (const route of props.routes) {
      const fn = props.functions[route.functionId]!;
      let integration = integrations.get(route.functionId);
      if (!integration) {
        integration = new apigw.LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
        integrations.set(route.functionId, integration);
      }
      const schema = bodyJsonSchema(route);
      const model = schema
        ? this.api.addModel(modelName(route), {
            modelName: modelName(route),
            contentType: 'application/json',
            schema: schema as apigw.JsonSchema,
          })
        : undefined;
      const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: route.operationId,
        authorizationType: route.auth === 'iam' ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.NONE,
        requestValidator: validator,
        requestModels: model ? { 'application/json': model } : undefined,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
      methods[route.operationId] = method;
      if (route.auth === 'none') {
        Validations.of(method).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `${route.path} is a health route: load balancers and uptime checks call it unsigned; it reveals no data.`,
          },
          { id: 'AwsSolutions-COG4', reason: `${route.path} is a health route, deliberately unauthenticated.` },
        );
      } else {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'IAM (SigV4) authorization: callers are AWS principals, not Cognito users.',
        });
      }
    }
    this.methods = methods;
    this.addMethodNotAllowed(props.routes);
    this.acknowledgeApi(Boolean(props.cloudWatchRole));
  }

  /**
   * Gives every resource of the route table an `ANY` method answering 405 with `Allow` (a mock integration: no
   * function runs). API Gateway prefers a resource's explicit methods, so `ANY` only catches the others, and the
   * deployed API answers an unsupported method as the handlers and local mode do. It needs no signature: it
   * reveals only which methods a path has, which the OpenAPI document publishes anyway.
   */
  private addMethodNotAllowed(routes: readonly Route[]): void {
    const byPath = new Map<string, string[]>();
    for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route.method]);
    for (const [path, methods] of byPath) {
      const allow = methods.join(', ');
      const method = this.api.root.resourceForPath(path).addMethod(
        'ANY',
        new apigw.MockIntegration({
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestTemplates: { 'application/json': '{"statusCode": 405}' },
          integrationResponses: [
            {
              statusCode: '405',
              responseParameters: {
                'method.response.header.Allow': `'${allow}'`,
                'method.response.header.Content-Type': "'application/json'",
              },
              responseTemplates: { 'application/json': METHOD_NOT_ALLOWED_TEMPLATE(path, allow) },
            },
          ],
        }),
        {
          authorizationType: apigw.AuthorizationType.NONE,
          methodResponses: [
            {
              statusCode: '405',
              responseParameters: {
                'method.response.header.Allow': true,
                'method.response.header.Content-Type': true,
              },
            },
          ],
        },
      );
      Validations.of(method).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason: 'A mock 405 for methods the resource does not have: no function runs, nothing is revealed.',
        },
        { id: 'AwsSolutions-COG4', reason: 'A mock 405 answer, deliberately unauthenticated.' },
      );
    }
  }

  private acknowledgeApi(cloudWatchRole: boolean): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'IAM-authorized regional API; a WAF web ACL is left to the operator (association documented), it is not free.',
    });
    if (cloudWatchRole) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway uses for execution logs: the AWS managed policy is the documented one.',
      });
    }
  }
}
