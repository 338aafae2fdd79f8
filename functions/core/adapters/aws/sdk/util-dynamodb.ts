import type * as Sdk from '@aws-sdk/util-dynamodb';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/util-dynamodb` through `require` (see require-sdk.ts): Powertools idempotency's. */
const sdk: typeof Sdk = requireSdk('@aws-sdk/util-dynamodb');

export const { marshall, unmarshall } = sdk;
