import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { parseCsv, parseJsonl, rejectDuplicates, toCsv } from '../../../cli/identities/rows.ts';

const zohoId = fc.stringMatching(/^\d{1,20}$/);
/** Printable values with the characters CSV must quote: commas, quotes, line breaks. */
const awkward = fc
  .string({
    unit: fc.constantFrom('a', 'B', '0', ',', '"', '\n', '\r\n', ' ', 'é', '-'),
    minLength: 1,
    maxLength: 12,
  })
  .filter((s) => s.trim() === s && s.trim().length > 0);

function record(
  i: number,
  idp: string,
  ext: string | undefined,
  links: Record<string, string>,
): IdentityRecord {
  return {
    id: `r${i}`,
    idpUserId: `${idp}-${i}`,
    ...(ext ? { externalId: `${ext}-${i}` } : {}),
    email: `person${i}@example.com`,
    active: true,
    helpCenterUserIds: links,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
  };
}

describe('identity import rows', () => {
  it('reads back exactly what export wrote, whatever the field values hold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            awkward,
            fc.option(awkward, { nil: undefined }),
            fc.dictionary(zohoId, zohoId, { maxKeys: 3 }),
          ),
          {
            maxLength: 8,
          },
        ),
        (people) => {
          const records = people.map(([idp, ext, links], i) => record(i, idp, ext, links));
          const parsed = rejectDuplicates(parseCsv(toCsv(records)));
          expect(parsed.errors).toEqual([]);
          expect(parsed.rows.map((r) => r.row)).toEqual(
            records.map((r) => ({
              idpUserId: r.idpUserId,
              email: r.email,
              ...(r.externalId ? { externalId: r.externalId } : {}),
              helpCenterUserIds: r.helpCenterUserIds,
            })),
          );
        },
      ),
    );
  });

  it('numbers CSV errors by the line the row starts on, quoted line breaks included', () => {
    const text = 'idpUserId,email,externalId\n"00u\nA",a@example.com,\n00uB,bad,\n';
    expect(parseCsv(text).errors).toEqual([{ line: 4, message: 'email: Invalid email address' }]);
  });

  it('names a help center id that is not a Zoho id, with what it must be', () => {
    const parsed = parseJsonl('{"email":"a@example.com","helpCenterUserIds":{"abc":"7001"}}\n');
    expect(parsed.rows).toEqual([]);
    expect(parsed.errors).toEqual([
      {
        line: 1,
        message: 'helpCenterUserIds.abc: help center id "abc" must be a Zoho id (digits)',
      },
    ]);
  });

  it('rejects an unknown CSV column at line 1 and reads no row', () => {
    const parsed = parseCsv('idpUserId,mail\n00uA,a@example.com\n');
    expect(parsed.rows).toEqual([]);
    expect(parsed.errors).toEqual([
      {
        line: 1,
        message:
          'unknown column "mail" (expected idpUserId, email, externalId and hc:<helpCenterId> columns)',
      },
    ]);
  });

  it('reports JSONL lines that are not JSON or carry unknown keys', () => {
    const parsed = parseJsonl(
      '{"idpUserId":"00uA"}\n\nnot json\n{"idpUserId":"00uB","groups":[]}\n',
    );
    expect(parsed.rows.map((r) => r.line)).toEqual([1]);
    expect(parsed.errors.map((e) => e.line)).toEqual([3, 4]);
    expect(parsed.errors[0]?.message).toBe('not valid JSON');
    expect(parsed.errors[1]?.message).toMatch(/groups/);
  });
});
