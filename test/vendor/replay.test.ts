import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { DRIVERS } from './drivers/index.ts';
import {
  expectedSubject,
  FIXTURES_DIR,
  type LoadedFixture,
  loadVendorFixtures,
  type ReplayOutcome,
  type VendorFixture,
} from './harness.ts';

const fixtures = loadVendorFixtures();

function header(outcome: ReplayOutcome, name: string): string | undefined {
  const entry = Object.entries(outcome.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return entry === undefined ? undefined : String(entry[1]);
}

function expectStatus(fixture: VendorFixture, outcome: ReplayOutcome): void {
  if (fixture.expected_status === undefined) return;
  expect(outcome.status, 'HTTP status').toBeDefined();
  expect(
    fixture.expected_status,
    `status ${outcome.status} (body ${outcome.body ?? ''})`,
  ).toContain(outcome.status);
}

function check(fixture: VendorFixture, outcome: ReplayOutcome): void {
  expectStatus(fixture, outcome);
  for (const request of outcome.enqueued) {
    expect(DeprovisionRequestSchema.safeParse(request).success, 'enqueued request is valid').toBe(
      true,
    );
  }
  switch (fixture.expect) {
    case 'deprovision': {
      const expected = (fixture.expected_subjects ?? []).map(expectedSubject);
      expect(expected.length, 'fixture names who is deprovisioned').toBeGreaterThan(0);
      expect(outcome.enqueued.map((r) => r.subject)).toHaveLength(expected.length);
      const remaining = [...outcome.enqueued.map((r) => r.subject)];
      for (const want of expected) {
        const index = remaining.findIndex((subject) =>
          Object.entries(want).every(([k, v]) => subject[k as keyof typeof subject] === v),
        );
        expect(
          index,
          `an enqueued subject matching ${JSON.stringify(want)}`,
        ).toBeGreaterThanOrEqual(0);
        remaining.splice(index, 1);
      }
      return;
    }
    case 'ignore':
    case 'reject':
      expect(outcome.enqueued, 'nothing enqueued').toHaveLength(0);
      return;
    case 'verification': {
      expect(outcome.enqueued, 'nothing enqueued').toHaveLength(0);
      const want = fixture.expected_response ?? {};
      if (want.content_type !== undefined) {
        const mediaType = header(outcome, 'content-type')?.split(';')[0]?.trim().toLowerCase();
        expect(mediaType, 'content type').toBe(want.content_type.toLowerCase());
      }
      if (want.body_json !== undefined)
        expect(JSON.parse(outcome.body ?? '')).toEqual(want.body_json);
      if (want.body_text !== undefined) expect(outcome.body).toBe(want.body_text);
      return;
    }
    default:
      throw new Error(`Unknown expect "${String(fixture.expect)}"`);
  }
}

function replayTest({ folder, fixture }: LoadedFixture): void {
  const driver = DRIVERS[folder];
  if (driver === undefined) {
    it(`${fixture.id}: no driver for ${folder}`, () => {
      throw new Error(
        `No vendor driver for fixtures folder "${folder}"; add one to test/vendor/drivers/index.ts`,
      );
    });
    return;
  }
  it(fixture.id, async () => {
    check(fixture, await driver.replay(fixture));
  });
}

describe(`vendor fixture replay (${FIXTURES_DIR})`, () => {
  for (const loaded of fixtures) replayTest(loaded);
});
