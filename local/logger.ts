import { SERVICE_NAME } from '#core/contract/service.ts';
import { redact } from '#core/observability.ts';
import type { Logger } from '#core/ports/logger.ts';

export type LogFormat = 'pretty' | 'json';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

const COLOURS: Record<Level, string> = {
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};

/** Compact, readable rendering of a log value: strings bare, objects as `k=v`, arrays joined. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ');
  }
  return JSON.stringify(value);
}

/** One human-readable line per event, e.g. `10:31:02 INFO deprovision finished outcome=removed`. */
export function prettyLine(
  level: Level,
  message: string,
  extra: Record<string, unknown> = {},
  colour = false,
): string {
  const time = new Date().toISOString().slice(11, 19);
  const fields = Object.entries(extra)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  const tag = level.toUpperCase().padEnd(5);
  const head = colour ? `${COLOURS[level]}${tag}\x1b[0m` : tag;
  return `${time} ${head} ${message}${fields ? ` ${fields}` : ''}`;
}

/**
 * The local runner's logger: human-readable lines (default) or JSON lines (`LOG_FORMAT=json`),
 * every context passed through `redact` like the Lambda logger.
 */
export function createLocalLogger(options: {
  format: LogFormat;
  level?: Level;
  write?: (line: string) => void;
  colour?: boolean;
}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: Level) => (message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const safe = redact(extra) ?? {};
    write(
      options.format === 'json'
        ? JSON.stringify({
            level: level.toUpperCase(),
            message,
            timestamp: new Date().toISOString(),
            service: SERVICE_NAME,
            ...safe,
          })
        : prettyLine(level, message, safe, options.colour ?? false),
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
