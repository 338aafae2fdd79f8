import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveStageConfig, StageConfigSchema } from '../../infra/config.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
const stages = cdkJson.context.stages as Record<string, unknown>;

describe('resolveStageConfig', () => {
  it.each(Object.keys(stages))('accepts the "%s" stage in cdk.json', (stage) => {
    expect(resolveStageConfig(stage, stages).stage).toBe(stage);
  });

  it('defaults to a stage that cdk.json defines', () => {
    expect(Object.keys(stages)).toContain(cdkJson.context.stage);
  });

  it('fills production defaults for an empty stage', () => {
    const { config } = resolveStageConfig('x', { x: {} });
    expect(config).toMatchObject({
      removalPolicy: 'retain',
      queue: { maxReceiveCount: 5 },
      worker: { maxConcurrency: 2 },
      tokenRefresher: { everyMinutes: 45 },
      helpCenter: { api: 'user-groups-delete', dryRun: false },
    });
  });

  it('names the known stages when the stage is unknown', () => {
    expect(() => resolveStageConfig('qa', stages)).toThrow(/Unknown stage "qa".*dev, prod/);
  });

  it('rejects an invalid stage name', () => {
    expect(() => resolveStageConfig('Prod!', stages)).toThrow(/Invalid stage/);
  });

  it('names every invalid key at once', () => {
    const bad = { x: { logRetentionDays: 10, queue: { maxReceiveCount: 4 }, alarmEmail: 'nope' } };
    expect(() => resolveStageConfig('x', bad)).toThrow(
      /logRetentionDays.*alarmEmail|alarmEmail.*logRetentionDays/,
    );
    expect(() => resolveStageConfig('x', bad)).toThrow(/queue\.maxReceiveCount/);
  });
});

describe('StageConfigSchema', () => {
  it('keeps worker concurrency below the Zoho org limit', () => {
    const result = StageConfigSchema.safeParse({
      worker: { maxConcurrency: 10 },
      helpCenter: { orgConcurrencyLimit: 10, concurrency: 1 },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('worker.maxConcurrency');
  });

  it('keeps total in-flight Help Center requests within the org limit', () => {
    const result = StageConfigSchema.safeParse({
      worker: { maxConcurrency: 3 },
      helpCenter: { orgConcurrencyLimit: 10, concurrency: 4 },
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['helpCenter.concurrency']);
  });

  it('requires at least two concurrent workers (the SQS minimum)', () => {
    expect(StageConfigSchema.safeParse({ worker: { maxConcurrency: 1 } }).success).toBe(false);
  });

  it('requires the worker timeout to cover one Help Center call with its retries', () => {
    const result = StageConfigSchema.safeParse({
      worker: { timeoutSeconds: 10 },
      helpCenter: { timeoutMs: 8000, maxInCallRetries: 3 },
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['worker.timeoutSeconds']);
  });

  it('defaults the custom event source to the documented helpcenter.deprovisioner', () => {
    const { config } = resolveStageConfig('x', { x: {} });
    expect(config.eventBridge.customEventSource).toBe('helpcenter.deprovisioner');
  });

  it('rejects a custom event source in the reserved aws. namespace', () => {
    const result = StageConfigSchema.safeParse({ eventBridge: { customEventSource: 'aws.okta' } });
    expect(result.success).toBe(false);
  });
});
