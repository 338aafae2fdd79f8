import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/run-cli.ts';

/**
 * `resources create|delete` makes resources on moto or LocalStack only: without AWS_ENDPOINT_URL
 * it refuses before it loads aws-cdk-lib or calls AWS (a real account gets them from cdk deploy).
 * The CLI runs as an operator runs it (cli/bin.mjs), with no AWS variable in its environment.
 */
describe('CLI resources', () => {
  it.each([['create'], ['delete']])(
    'refuses %s without AWS_ENDPOINT_URL (exit 2), naming the variable and cdk deploy',
    async (action) => {
      const out = await runCli(['resources', action, '--prefix', 'unit-refused']);
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toContain('error: AWS_ENDPOINT_URL is not set');
      expect(out.stderr).toContain('moto or LocalStack');
      expect(out.stderr).toContain('cdk deploy');
    },
  );

  it('refuses a blank AWS_ENDPOINT_URL too', async () => {
    const out = await runCli(['resources', 'create'], { AWS_ENDPOINT_URL: ' ' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('AWS_ENDPOINT_URL is not set');
  });

  it('exits 2 naming the actions when none is given, 0 with --help', async () => {
    const missing = await runCli(['resources']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('resources needs "create" or "delete"');
    const help = await runCli(['resources', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: helpcenter-deprovisioner resources <create|delete>');
  });

  it('exits 2 for a prefix AWS names cannot carry, before calling AWS', async () => {
    // Port 9 (discard): nothing answers there, so reaching AWS would fail with exit 1, not 2.
    const out = await runCli(['resources', 'create', '--prefix', 'bad_prefix!'], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--prefix must be letters, digits and dashes');
  });
});

describe('CLI and aws-cdk-lib (a devDependency)', () => {
  const files = (readdirSync(join(ROOT, 'cli'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') || f.endsWith('.mjs'))
    .map((f) => relative(ROOT, join(ROOT, 'cli', f)));

  it('only cli/stack-resources.ts imports aws-cdk-lib or infra/, and resources loads it lazily', () => {
    const importers = files.filter((f) =>
      /from '(?:aws-cdk-lib|constructs|cdk-nag|\.\.\/infra\/)/.test(
        readFileSync(join(ROOT, f), 'utf8'),
      ),
    );
    expect(importers).toEqual(['cli/stack-resources.ts']);
    const staticImporters = files.filter((f) =>
      /from '(?:\.\.?\/)+(?:cli\/)?stack-resources\.ts'/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(staticImporters).toEqual([]);
    expect(readFileSync(join(ROOT, 'cli/commands/resources.ts'), 'utf8')).toContain(
      "await import('../stack-resources.ts')",
    );
  });
});
