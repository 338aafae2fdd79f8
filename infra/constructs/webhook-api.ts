import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  type HttpRoute,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INTAKE_ROUTES } from '../../functions/core/contract/routes.ts';

export interface WebhookApiProps {
  handler: IFunction;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/**
 * The public HTTP API: explicit routes only, stage throttling and JSON access logs (request
 * metadata only; no headers, query strings or bodies, which carry secrets and personal data).
 */
export class WebhookApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly routes: HttpRoute[] = [];

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.api = new HttpApi(this, 'Api', {
      description: 'IdP deprovisioning intake: Okta event hook, SCIM, Graph, signed webhooks',
      createDefaultStage: false,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration('Ingest', props.handler);
    // Exactly the contract's routes (SCIM: the whole tree under /scim, answered by the function);
    // anything else is API Gateway's 404.
    for (const route of INTAKE_ROUTES) {
      const methods = route.methods.map((m) => HttpMethod[m]);
      this.routes.push(...this.api.addRoutes({ path: route.path, methods, integration }));
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Webhook and SCIM callers cannot use an API Gateway authorizer; the ingest function ' +
        'authenticates every request itself before enqueueing: Okta event hooks by the ' +
        'Authorization header value (constant-time compare), SCIM by bearer token, Graph change ' +
        'notifications by clientState, signed webhooks by the Standard Webhooks HMAC-SHA256 ' +
        'signature and timestamp.',
    });
  }

  /** Base URL with no trailing slash, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
