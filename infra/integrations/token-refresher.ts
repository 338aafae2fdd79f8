import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { bindSecret } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';

export interface TokenRefresherProps {
  functionDefaults: FunctionDefaults;
  /** Zoho OAuth client, refresh token, org id (read). */
  oauthSecret: ISecret;
  /** The shared access token (read and written). */
  tokenSecret: ISecret;
  /** Mint schedule; Zoho access tokens live 60 minutes. @default Duration.minutes(45) */
  every?: Duration;
  /** Timeout of the call to the Zoho accounts server. @default DEFAULTS.helpCenterTimeoutMs */
  tokenEndpointTimeoutMs?: number;
  /** @default Duration.seconds(30) */
  timeout?: Duration;
  /** Retries of a failed scheduled invocation. @default 2 */
  scheduleRetryAttempts?: number;
}

/**
 * The token refresher (DESIGN "Tokens"): one function, reserved concurrency 1 (one refresh token
 * may mint at most 10 tokens per 10 minutes), on a schedule, writing the shared access token.
 * Workers invoke it once on INVALID_OAUTH (granted with `bindInvoke` by the worker).
 */
export class TokenRefresher extends Construct {
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: TokenRefresherProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Function', {
      ...props.functionDefaults,
      id: 'token-refresher',
      description: 'Mints the shared Zoho access token and stores it in Secrets Manager',
      timeout: props.timeout ?? Duration.seconds(30),
      // Never refresh in parallel.
      reservedConcurrentExecutions: 1,
      environment: {
        [ENV.HELPCENTER_TIMEOUT_MS]: String(
          props.tokenEndpointTimeoutMs ?? DEFAULTS.helpCenterTimeoutMs,
        ),
      },
    });
    bindSecret(this.function, ENV.ZOHO_OAUTH_SECRET_ARN, props.oauthSecret);
    bindSecret(this.function, ENV.ZOHO_TOKEN_SECRET_ARN, props.tokenSecret, ['read', 'write']);
    new Rule(this, 'Schedule', {
      description: 'Refreshes the shared Zoho access token before it expires (tokens live 1 hour)',
      schedule: Schedule.rate(props.every ?? Duration.minutes(45)),
      targets: [
        new LambdaFunction(this.function.fn, { retryAttempts: props.scheduleRetryAttempts ?? 2 }),
      ],
    });
  }
}
