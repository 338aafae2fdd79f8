import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema, GRAPH_DELTA_SUBJECT } from '#core/domain/deprovision-request.ts';
import type { GraphIngestDeps } from '#core/intake/graph/routes.ts';
import { CLIENT_STATE, graphPost, ingestWithGraph } from './graph-helpers.ts';

/** Ingest's Graph part is only a metric now: it never calls Graph (the worker does). */
const healthyGraph: GraphIngestDeps = { metric: () => {} };

const id = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.constant(' '), fc.constant(''));
const clientState = fc.oneof(
  { weight: 6, arbitrary: fc.constant(CLIENT_STATE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(undefined, null, 42, `${CLIENT_STATE} `, CLIENT_STATE.toUpperCase()),
  },
);
const notification = fc.record(
  {
    subscriptionId: fc.oneof(fc.uuid(), fc.string({ maxLength: 20 }), fc.constant(7)),
    clientState,
    changeType: fc.oneof(
      fc.constantFrom('deleted', 'updated', 'created', 'Deleted', 'updated,deleted'),
      fc.string(),
    ),
    resource: fc.oneof(
      id.map((u) => `Users/${u}`),
      id.map((u) => `users/${u}`),
      id.map((u) => `/users/${u}`),
      fc.constantFrom('groups/abc', 'Users', 'Users/a/b', ''),
      fc.string(),
    ),
    resourceData: fc.option(
      fc.record(
        {
          id,
          sequenceNumber: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
          eventTime: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string({ maxLength: 10 }),
          ),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    lifecycleEvent: fc.constantFrom(
      'reauthorizationRequired',
      'subscriptionRemoved',
      'missed',
      'other',
    ),
    tenantId: fc.uuid(),
  },
  { requiredKeys: ['subscriptionId', 'clientState', 'changeType', 'resource'] },
);
const collection = fc.record({
  value: fc.array(
    fc.oneof({ weight: 8, arbitrary: notification }, { weight: 1, arbitrary: fc.anything() }),
    { maxLength: 6 },
  ),
});
const body = fc.oneof(
  { weight: 6, arbitrary: collection.map((c) => JSON.stringify(c)) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? 'null') },
);

function isAuthentic(n: unknown): boolean {
  return (
    typeof n === 'object' &&
    n !== null &&
    (n as { clientState?: unknown }).clientState === CLIENT_STATE
  );
}

function anyAuthentic(raw: string): boolean {
  try {
    const parsed = JSON.parse(raw) as { value?: unknown };
    return Array.isArray(parsed.value) && parsed.value.some(isAuthentic);
  } catch {
    return false;
  }
}

describe('POST /webhooks/graph properties (fast-check)', () => {
  it('never answers 5xx while the queue and Graph are healthy', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'),
        async (raw, type) => {
          const { call } = ingestWithGraph(healthyGraph);
          const res = await call(graphPost(raw, { contentType: type }));
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never deprovisions from an invalid or unauthenticated request', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const { call, queue } = ingestWithGraph(healthyGraph);
        const res = await call(graphPost(raw));
        if (!anyAuthentic(raw)) {
          expect(queue.sent).toHaveLength(0);
          expect([400, 401, 413]).toContain(res.statusCode);
        }
        for (const request of queue.sent) {
          expect(DeprovisionRequestSchema.safeParse(request).success).toBe(true);
          expect(request.source).toBe('graph');
        }
        if (queue.sent.length > 0) expect(res.statusCode).toBe(202);
      }),
      { numRuns: 400 },
    );
  });

  it('deprovisions only users named by a deleted or updated users notification', async () => {
    await fc.assert(
      fc.asyncProperty(collection, async (c) => {
        const { call, queue } = ingestWithGraph(healthyGraph);
        await call(graphPost(c));
        // Only authentic notifications (clientState matches) may name a deprovisioned user.
        const named = new Set(
          c.value.flatMap((n) => {
            if (typeof n !== 'object' || n === null || !isAuthentic(n)) return [];
            const r = n as { resource?: unknown; resourceData?: { id?: unknown } };
            return [String(r.resourceData?.id ?? '').trim(), String(r.resource ?? '')];
          }),
        );
        const lifecycle = (n: unknown) =>
          isAuthentic(n)
            ? (n as { lifecycleEvent?: unknown; subscriptionId?: unknown })
            : undefined;
        for (const request of queue.sent) {
          const check = request.check;
          // A lifecycle notification's resync names the delta resource, not a person, and only an
          // authentic lifecycle notification of that kind may start it.
          if (check?.kind === 'graph-delta') {
            expect(request.subject).toEqual(GRAPH_DELTA_SUBJECT);
            expect(c.value.some((n) => lifecycle(n)?.lifecycleEvent === check.trigger)).toBe(true);
            continue;
          }
          // A reauthorization names the subscription of an authentic reauthorizationRequired.
          if (check?.kind === 'graph-reauthorize') {
            expect(
              c.value.some(
                (n) =>
                  lifecycle(n)?.lifecycleEvent === 'reauthorizationRequired' &&
                  // The request schema trims text (boundedText), as it does every id.
                  String(lifecycle(n)?.subscriptionId).trim() === check.subscriptionId,
              ),
            ).toBe(true);
            continue;
          }
          const userId = request.subject.idpUserId ?? '';
          // An empty id would match every name below (`endsWith('')`).
          expect(userId).not.toBe('');
          expect(
            [...named].some(
              (n) =>
                n === userId ||
                n.toLowerCase().endsWith(`users/${userId.toLowerCase()}`) ||
                decodeURIComponentSafe(n).endsWith(userId),
            ),
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("echoes any token of Graph's format and never enqueues on a validation request", async () => {
    const safe = fc
      .string({ minLength: 1, maxLength: 200 })
      .filter((t) => /^[\x20-\x7e]+$/.test(t) && !/[<>&"'`]/.test(t) && t.trim().length > 0);
    await fc.assert(
      fc.asyncProperty(safe, body, async (token, raw) => {
        const { call, queue } = ingestWithGraph(healthyGraph);
        const res = await call(graphPost(raw, { query: { validationToken: token } }));
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe(token);
        expect(queue.sent).toHaveLength(0);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses (400) any token with markup and never reflects it', async () => {
    const markup = fc
      .tuple(fc.string(), fc.constantFrom('<', '>'), fc.string())
      .map(([a, m, b]) => `${a}${m}${b}`);
    await fc.assert(
      fc.asyncProperty(markup, body, async (token, raw) => {
        const { call, queue } = ingestWithGraph(healthyGraph);
        const res = await call(graphPost(raw, { query: { validationToken: token } }));
        expect(res.statusCode).toBe(400);
        expect(res.body ?? '').not.toMatch(/[<>]/);
        expect(queue.sent).toHaveLength(0);
      }),
      { numRuns: 200 },
    );
  });
});

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
