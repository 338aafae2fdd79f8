import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { ERROR, patchBody, setup } from './scim-test-kit.ts';

/** A DynamoDB document client whose every call fails the way the SDK reports `name`. */
function failingClient(name: string, fault: 'client' | 'server') {
  return {
    send: async () => {
      throw Object.assign(new Error(`${name} from DynamoDB`), {
        name,
        $fault: fault,
        $metadata: { httpStatusCode: fault === 'server' ? 500 : 400 },
      });
    },
  } as unknown as DynamoDBDocumentClient;
}

describe('SCIM when the identity store fails', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 'client'],
    ['ThrottlingException', 'client'],
    ['RequestLimitExceeded', 'client'],
    ['InternalServerError', 'server'],
  ] as const)(
    'answers 503 with Retry-After, not 500, when DynamoDB says %s',
    async (name, fault) => {
      const { send, queue } = setup([], {
        identityStore: new DynamoDbIdentityStore(failingClient(name, fault), 'identities'),
      });
      for (const [method, path, body] of [
        ['GET', '/scim/v2/Users', undefined],
        ['GET', '/scim/v2/Users/u1', undefined],
        ['PATCH', '/scim/v2/Users/u1', patchBody({ op: 'replace', path: 'active', value: false })],
        ['DELETE', '/scim/v2/Users/u1', undefined],
      ] as const) {
        const res = await send(method, path, body ? { body } : {});
        expect({ status: res.status, headers: res.headers, json: res.json }).toEqual({
          status: 503,
          headers: { 'content-type': 'application/scim+json', 'retry-after': '5' },
          json: { schemas: [ERROR], status: '503', detail: 'Service temporarily unavailable' },
        });
      }
      expect(queue.sent).toHaveLength(0);
    },
  );

  it('answers 500 with a generic body when the table is missing (a deployment fault)', async () => {
    const { send } = setup([], {
      identityStore: new DynamoDbIdentityStore(
        failingClient('ResourceNotFoundException', 'client'),
        'identities',
      ),
    });
    const res = await send('GET', '/scim/v2/Users/u1');
    expect({ status: res.status, headers: res.headers, json: res.json }).toEqual({
      status: 500,
      headers: { 'content-type': 'application/scim+json' },
      json: { schemas: [ERROR], status: '500', detail: 'Internal error' },
    });
  });
});
