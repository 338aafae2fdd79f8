import { describe, expect, it } from 'vitest';
import { createLocalLogger, prettyLine } from '../../../local/logger.ts';

describe('local logger', () => {
  it('renders nested context as readable key=value text', () => {
    const line = prettyLine('info', 'deprovision finished', {
      outcome: 'removed',
      removals: [
        { helpCenterId: '1', status: 204 },
        { helpCenterId: '2', status: 204 },
      ],
    });
    expect(line).toMatch(
      /INFO {2}deprovision finished outcome=removed removals=\[helpCenterId=1 status=204, helpCenterId=2 status=204\]$/,
    );
  });

  it('never writes secret-looking fields, in either format', () => {
    for (const format of ['pretty', 'json'] as const) {
      const lines: string[] = [];
      const logger = createLocalLogger({ format, write: (l) => lines.push(l) });
      logger.info('x', {
        authorization: 'Basic c2VjcmV0',
        accessToken: 'tok-123',
        clientSecret: 's3',
        outcome: 'ok',
      });
      expect(lines.join('\n')).not.toMatch(/c2VjcmV0|tok-123|s3\b/);
      expect(lines.join('\n')).toContain('ok');
    }
  });

  it('drops lines below the configured level', () => {
    const lines: string[] = [];
    const logger = createLocalLogger({
      format: 'json',
      level: 'warn',
      write: (l) => lines.push(l),
    });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['shown']);
  });
});
