import { describe, expect, it } from 'vitest';
import { GetHelpCenterGroupListResponseSchema } from '#core/contract/zoho-desk.ts';
import { BETA, HC_A, HC_B, testSeed, useSandbox } from './sandbox-helpers.ts';

describe('sandbox getHelpCenterGroupList (GET /api/v1/groups)', () => {
  it('lists the groups of one help center, as the contract schema says', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/groups?helpCenterId=${HC_A}&from=1&limit=50`);
    expect(res.status).toBe(200);
    const body = GetHelpCenterGroupListResponseSchema.parse(await res.json());
    expect(body.data.map((g) => String(g.id))).toContain(BETA);
    expect(body.data.every((g) => String(g.helpCenterId) === HC_A)).toBe(true);
    const other = await h.api('GET', `/api/v1/groups?helpCenterId=${HC_B}`);
    const otherIds = GetHelpCenterGroupListResponseSchema.parse(await other.json()).data.map((g) =>
      String(g.id),
    );
    expect(otherIds).not.toContain(BETA);
  });

  it('answers 422 for an unknown help center and 403 SCOPE_MISMATCH without a READ scope', async () => {
    const h = await useSandbox();
    expect((await h.api('GET', '/api/v1/groups?helpCenterId=42')).status).toBe(422);
    const noRead = await useSandbox({ seed: testSeed(['Desk.settings.DELETE']) });
    const res = await noRead.api('GET', `/api/v1/groups?helpCenterId=${HC_A}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ errorCode: 'SCOPE_MISMATCH' });
  });
});
