import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { ROUTE } from '../../functions/core/contract/routes.ts';
import type { GroupMappingEntry } from '../config.ts';
import { bindQueue, bindSecret, bindTable } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';
import { WebhookApi } from '../constructs/webhook-api.ts';

export interface IntakeApiProps {
  functionDefaults: FunctionDefaults;
  /** Where normalised requests go (send only). */
  workQueue: IQueue;
  /** Okta authorization, SCIM token, Graph clientState, signing secret (read). */
  webhookSecret: ISecret;
  /** SCIM's identity records (read/write on the table and the named indexes). */
  identityTable: ITable;
  identityIndexNames: readonly string[];
  /** Okta event types that count as deprovisioning. @default DEFAULTS.oktaDeprovisionEventTypes */
  oktaDeprovisionEventTypes?: readonly string[];
  /** Okta app instance ids of the Zoho Desk app: only their unassignment deprovisions. @default [] */
  oktaZohoAppInstanceIds?: readonly string[];
  /** IdP group → Help Center group (Approach A); see `functions/core/config/group-mapping.ts`. @default [] */
  groupMapping?: readonly GroupMappingEntry[];
  /** @default DEFAULTS.maxBodyBytes */
  maxBodyBytes?: number;
  /** Stage throttling of the HTTP API. @default 50 */
  throttleRateLimit?: number;
  /** @default 100 */
  throttleBurstLimit?: number;
  /** IdPs give up after about 3 s; this bounds a stuck call. @default Duration.seconds(10) */
  timeout?: Duration;
  /** @default 512 */
  memorySize?: number;
}

/**
 * The intake API (DESIGN "Sources"): the public HTTP API with the contract's routes, and the
 * ingest function that verifies, normalises and enqueues (it calls nothing else: no Graph
 * credentials), and the public Graph notification URL the subscription points at.
 */
export class IntakeApi extends Construct {
  readonly function: ServiceFunction;
  readonly api: WebhookApi;
  /** Base URL with no trailing slash. */
  readonly url: string;
  /** Public URL of `POST /webhooks/graph`. */
  readonly graphNotificationUrl: string;

  constructor(scope: Construct, id: string, props: IntakeApiProps) {
    super(scope, id);
    const defaults = props.functionDefaults;
    this.function = new ServiceFunction(this, 'Function', {
      ...defaults,
      id: 'ingest',
      description: 'Verifies and normalises IdP webhooks and SCIM calls, enqueues deprovisioning',
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      environment: {
        [ENV.OKTA_DEPROVISION_EVENT_TYPES]: (
          props.oktaDeprovisionEventTypes ?? DEFAULTS.oktaDeprovisionEventTypes
        ).join(','),
        ...(props.oktaZohoAppInstanceIds?.length
          ? { [ENV.OKTA_ZOHO_APP_INSTANCE_IDS]: props.oktaZohoAppInstanceIds.join(',') }
          : {}),
        [ENV.GROUP_MAPPING]: JSON.stringify(props.groupMapping ?? []),
        [ENV.MAX_BODY_BYTES]: String(props.maxBodyBytes ?? DEFAULTS.maxBodyBytes),
      },
    });
    bindQueue(this.function, ENV.WORK_QUEUE_URL, props.workQueue, ['send']);
    bindSecret(this.function, ENV.WEBHOOK_SECRET_ARN, props.webhookSecret);
    bindTable(
      this.function,
      ENV.IDENTITY_TABLE_NAME,
      props.identityTable,
      props.identityIndexNames,
    );

    this.api = new WebhookApi(this, 'Api', {
      handler: this.function.fn,
      throttleRateLimit: props.throttleRateLimit ?? 50,
      throttleBurstLimit: props.throttleBurstLimit ?? 100,
      logRetention: defaults.logRetention,
      removalPolicy: defaults.removalPolicy,
    });
    this.url = this.api.url;
    this.graphNotificationUrl = `${this.url}${ROUTE.GRAPH_NOTIFICATIONS}`;
  }
}
