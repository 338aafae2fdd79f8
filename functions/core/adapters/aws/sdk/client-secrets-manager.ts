import type * as Sdk from '@aws-sdk/client-secrets-manager';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/client-secrets-manager` through `require` (see require-sdk.ts). */
const sdk: typeof Sdk = requireSdk('@aws-sdk/client-secrets-manager');

export const { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } = sdk;
export type SecretsManagerClient = Sdk.SecretsManagerClient;
