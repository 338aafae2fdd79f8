import { describe, expect, it } from 'vitest';
import {
  BUNDLE_BUDGET_BYTES,
  BUNDLE_GOAL_BYTES,
  BUNDLED_FUNCTIONS,
  buildBundle,
} from '../../infra/bundle-budgets.ts';

const built = new Map<string, ReturnType<typeof buildBundle>>();
const bundleOf = (id: Parameters<typeof buildBundle>[0]) => {
  if (!built.has(id)) built.set(id, buildBundle(id));
  return built.get(id)!;
};

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

/** Size, not time: the bundle each function ships must stay within its declared budget. */
describe('Lambda bundle budgets', () => {
  it.each(BUNDLED_FUNCTIONS)('%s stays within its budget', async (id) => {
    const bundle = await bundleOf(id);
    const top = Object.entries(bundle.byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(', ');
    expect(
      bundle.bytes,
      `${id} is ${kb(bundle.bytes)}, budget ${kb(BUNDLE_BUDGET_BYTES[id])} (largest: ${top})`,
    ).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES[id]);
  });

  it("has no budget above its function's size goal (a raised budget never hides a missed goal)", () => {
    for (const id of BUNDLED_FUNCTIONS) {
      expect(BUNDLE_BUDGET_BYTES[id], id).toBeLessThanOrEqual(BUNDLE_GOAL_BYTES[id]);
    }
  });

  it('keeps the undici package out of every bundle (the transport is node:http)', async () => {
    for (const id of BUNDLED_FUNCTIONS) {
      const bundle = await bundleOf(id);
      expect(Object.keys(bundle.byPackage), id).not.toContain('undici');
    }
  });
});
