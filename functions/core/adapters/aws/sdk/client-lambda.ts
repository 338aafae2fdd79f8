import type * as Sdk from '@aws-sdk/client-lambda';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/client-lambda` through `require` (see require-sdk.ts). */
const sdk: typeof Sdk = requireSdk('@aws-sdk/client-lambda');

export const { InvokeCommand, LambdaClient } = sdk;
export type LambdaClient = Sdk.LambdaClient;
export type InvokeCommandOutput = Sdk.InvokeCommandOutput;
