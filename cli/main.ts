import { isAppError } from '#core/domain/errors.ts';
import { FindingsError, UsageError } from './args.ts';
import { deprovisionCommand } from './commands/deprovision.ts';
import { DLQ_HELP, dlqCommand } from './commands/dlq.ts';
import { identitiesCommand } from './commands/identities.ts';
import { preflightCommand } from './commands/preflight.ts';
import { resourcesCommand } from './commands/resources.ts';
import { statusCommand } from './commands/status.ts';
import { type Io, processIo } from './output.ts';

type Command = { run: (argv: readonly string[], io: Io) => Promise<number>; summary: string };

const COMMANDS: Record<string, Command> = {
  deprovision: {
    run: deprovisionCommand,
    summary: 'run one person through the worker now (--dry-run: preview)',
  },
  dlq: { run: dlqCommand, summary: 'list, show and redrive dead-letter records' },
  identities: {
    run: identitiesCommand,
    summary: 'import, link and export IdP ↔ Help Center user links',
  },
  preflight: {
    run: preflightCommand,
    summary: 'check resources, secrets, token, org id and help centers (pass/fail, fix)',
  },
  resources: {
    run: resourcesCommand,
    summary: "create/delete the stack's queues, tables, secrets on moto or LocalStack",
  },
  status: { run: statusCommand, summary: 'queue and dead-letter depth, guard, token age' },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: helpcenter-deprovisioner <command> [options]

Commands:
${lines.join('\n')}

Run \`helpcenter-deprovisioner <command> --help\` for a command's options.

Target: the local runner (\`npm start\`; LOCAL_DATA_DIR, default .local; PORT/HOST or --url) unless
--aws, --stage <stage>, AWS_ENDPOINT_URL or the functions' queue env names (WORK_QUEUE_URL,
DEAD_LETTER_QUEUE_URL, …) select a deployed stack or moto.
Output: tables; --json for scripts. Exit codes: 0 ok, 1 findings or failures, 2 usage or config.`;
}

/** Runs one CLI invocation and returns its exit code (never throws). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof FindingsError) {
      io.err(error.message);
      return 1;
    }
    if (isAppError(error) && error.kind === 'config') {
      io.err(`configuration error: ${error.message}`);
      return 2;
    }
    io.err(`failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  }
}

export { DLQ_HELP };
