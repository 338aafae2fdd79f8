import { type RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * The four JSON secrets (README "Deploy"). Created empty ('{}' is not a secret) except the webhook
 * secret, whose Okta value is generated; operators put the values. Created in the caller's scope
 * so their logical ids stay those of the first release.
 */
export interface ServiceSecrets {
  zohoOAuth: Secret;
  zohoToken: Secret;
  webhook: Secret;
  graph: Secret;
}

export function createServiceSecrets(
  scope: Construct,
  removalPolicy: RemovalPolicy,
): ServiceSecrets {
  const emptySecret = (id: string, description: string, rotationReason: string): Secret => {
    const secret = new Secret(scope, id, {
      description,
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy,
    });
    Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
    return secret;
  };
  const webhook = new Secret(scope, 'WebhookSecret', {
    description:
      'Webhook secrets: {oktaAuthorization, scimBearerToken, graphClientState, webhookSigningSecret}',
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'oktaAuthorization',
      excludePunctuation: true,
      passwordLength: 48,
    },
    removalPolicy,
  });
  Validations.of(webhook).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Each value is also configured at the sender (Okta event hook, SCIM client, Graph ' +
      'subscription, webhook producer); rotating it here alone would reject every delivery. ' +
      'Rotation is an operator runbook step done on both sides.',
  });
  return {
    zohoOAuth: emptySecret(
      'ZohoOAuthSecret',
      'Zoho OAuth: {clientId, clientSecret, refreshToken, orgId, accountsUrl|dataCentre, helpCenterIds}',
      'The Zoho refresh token is issued by a person through the Zoho API console grant flow; ' +
        'no Lambda can mint a new one, so rotation is manual.',
    ),
    zohoToken: emptySecret(
      'ZohoTokenSecret',
      'Shared Zoho access token {accessToken, expiresAt}, written by the token refresher',
      'The token refresher function replaces this value on its schedule; it is its rotation.',
    ),
    webhook,
    graph: emptySecret(
      'GraphSecret',
      'Entra app registration for Microsoft Graph: {tenantId, clientId, clientSecret}',
      'The Entra client secret is created in the Entra admin centre with its own expiry; ' +
        'Secrets Manager cannot create it, so rotation is manual.',
    ),
  };
}
