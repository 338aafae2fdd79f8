import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { bindSecret } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';

export interface GraphSubscriptionProps {
  functionDefaults: FunctionDefaults;
  /** Entra app registration `{tenantId, clientId, clientSecret}` (read). */
  graphSecret: ISecret;
  /** Webhook secrets; the subscription's `clientState` is `graphClientState` (read). */
  webhookSecret: ISecret;
  /** Public URL of `POST /webhooks/graph` (the intake API's). */
  notificationUrl: string;
  /** Run the renewal schedule (Entra ID as a source). @default false */
  enabled?: boolean;
  /** @default Duration.hours(12) */
  renewEvery?: Duration;
  /** @default DEFAULTS.graphBaseUrl */
  graphBaseUrl?: string;
  /** @default DEFAULTS.graphLoginUrl */
  graphLoginUrl?: string;
  /** @default Duration.seconds(30) */
  timeout?: Duration;
}

/**
 * The Microsoft Graph `users` change-notification subscription: a function that creates or renews
 * it, on a schedule that is disabled unless Entra ID is a source.
 */
export class GraphSubscription extends Construct {
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: GraphSubscriptionProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Function', {
      ...props.functionDefaults,
      id: 'graph-subscription',
      description: 'Creates and renews the Microsoft Graph users change-notification subscription',
      timeout: props.timeout ?? Duration.seconds(30),
      environment: {
        [ENV.GRAPH_BASE_URL]: props.graphBaseUrl ?? DEFAULTS.graphBaseUrl,
        [ENV.GRAPH_LOGIN_URL]: props.graphLoginUrl ?? DEFAULTS.graphLoginUrl,
        [ENV.GRAPH_NOTIFICATION_URL]: props.notificationUrl,
      },
    });
    bindSecret(this.function, ENV.GRAPH_SECRET_ARN, props.graphSecret);
    bindSecret(this.function, ENV.WEBHOOK_SECRET_ARN, props.webhookSecret);
    new Rule(this, 'Schedule', {
      description: 'Renews the Graph subscription before it expires',
      enabled: props.enabled ?? false,
      schedule: Schedule.rate(props.renewEvery ?? Duration.hours(12)),
      targets: [new LambdaFunction(this.function.fn, { retryAttempts: 2 })],
    });
  }
}
