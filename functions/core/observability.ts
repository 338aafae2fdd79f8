import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '#core/contract/metrics.ts';
import { SERVICE_NAME } from '#core/contract/service.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { CountMetric } from '#core/ports/metrics.ts';

/** Keys whose values are replaced before any log line is written, whatever the caller passed. */
const REDACTED_KEYS =
  /authorization|token|secret|password|clientstate|signature|cookie|body|headers/i;

/** Drops secret-looking keys from a log context (defence in depth: callers should not pass them). */
export function redact(
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (extra === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    out[key] = REDACTED_KEYS.test(key) ? '[redacted]' : value;
  }
  return out;
}

/** The service's logger: Powertools JSON lines, every extra passed through `redact`. */
export function createLogger(options: { serviceName?: string; level?: string } = {}): Logger & {
  appendKeys(keys: Record<string, unknown>): void;
  removeKeys(keys: string[]): void;
} {
  const logger = new PowertoolsLogger({
    serviceName: options.serviceName ?? SERVICE_NAME,
    ...(options.level ? { logLevel: options.level.toUpperCase() as 'INFO' } : {}),
  });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, extra?: Record<string, unknown>) => {
      const safe = redact(extra);
      if (safe) logger[level](message, safe);
      else logger[level](message);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    appendKeys: (keys) => logger.appendKeys(keys),
    removeKeys: (keys) => logger.removeKeys(keys),
  };
}

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

/** Emits a count metric at once (one EMF line), for rare operational events. */
export function powertoolsCountMetric(): CountMetric {
  const metrics = createMetrics();
  return (name, value = 1) => metrics.singleMetric().addMetric(name, MetricUnit.Count, value);
}
