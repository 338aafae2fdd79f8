import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { booleanFlag, csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { ConfigError } from '#core/domain/errors.ts';

const Schema = z.object({
  QUEUE_URL: z.url(),
  CONCURRENCY: z._default(positiveInt, 5),
  DRY_RUN: z._default(booleanFlag, false),
  IDS: z.optional(csv),
});

describe('parseEnv', () => {
  it('parses, trims and applies defaults', () => {
    expect(
      parseEnv(Schema, { QUEUE_URL: '  https://sqs.example/q  ', DRY_RUN: 'yes', IDS: ' a, ,b ' }),
    ).toEqual({
      QUEUE_URL: 'https://sqs.example/q',
      CONCURRENCY: 5,
      DRY_RUN: true,
      IDS: ['a', 'b'],
    });
  });

  it('treats an empty or blank value as not set', () => {
    expect(parseEnv(Schema, { QUEUE_URL: 'https://sqs.example/q', CONCURRENCY: '   ' })).toEqual({
      QUEUE_URL: 'https://sqs.example/q',
      CONCURRENCY: 5,
      DRY_RUN: false,
    });
  });

  it('names every missing or invalid key at once, in a ConfigError', () => {
    let error: unknown;
    try {
      parseEnv(
        Schema,
        { QUEUE_URL: '', CONCURRENCY: '0', DRY_RUN: 'maybe' },
        'worker configuration',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, issues, kind, retryable } = error as ConfigError;
    expect({ kind, retryable }).toEqual({ kind: 'config', retryable: false });
    expect(issues).toHaveLength(3);
    expect(issues[0]).toBe('QUEUE_URL: required but not set');
    expect(issues[1]).toMatch(/^CONCURRENCY: /);
    expect(issues[2]).toMatch(/^DRY_RUN: /);
    expect(message).toBe(`Invalid worker configuration: ${issues.join('; ')}`);
  });

  it('never echoes a value in its message (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8 }).filter((s) => /^[A-Za-z]+$/.test(s)),
        (value) => {
          try {
            parseEnv(Schema, { QUEUE_URL: value, CONCURRENCY: value, DRY_RUN: value });
          } catch (error) {
            expect((error as Error).message).not.toContain(value);
            return;
          }
          throw new Error('expected a ConfigError');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('env value parsers', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('booleanFlag reads %j as %s', (raw, value) => {
    expect(booleanFlag.parse(raw)).toBe(value);
  });

  it('booleanFlag refuses anything else', () => {
    expect(booleanFlag.safeParse('TRUE').success).toBe(false);
    expect(booleanFlag.safeParse('on').success).toBe(false);
  });

  it('positiveInt accepts whole numbers above zero only', () => {
    expect(positiveInt.parse('8000')).toBe(8000);
    for (const raw of ['0', '-1', '1.5', 'ten'])
      expect(positiveInt.safeParse(raw).success).toBe(false);
  });
});
