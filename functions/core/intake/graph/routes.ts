import { ROUTE } from '#core/contract/routes.ts';
import { ValidationError } from '#core/domain/errors.ts';
import { empty, readJsonBody, STATUS, text } from '#core/http/http.ts';
import { receiveGraphNotifications } from '#core/intake/graph/notifications.ts';
import { isGraphValidationToken } from '#core/intake/graph/validation-token.ts';
import type { Route } from '#core/intake/router.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { CountMetric } from '#core/ports/metrics.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export const GRAPH_WEBHOOK_PATH = ROUTE.GRAPH_NOTIFICATIONS;

/**
 * What the ingest function adds for Graph: only a metric. Ingest never calls Graph (the worker
 * looks users up and runs delta resyncs), so it needs no Graph client or credentials.
 */
export interface GraphIngestDeps {
  metric?: CountMetric;
}

export interface GraphRouteDeps extends GraphIngestDeps {
  queue: WorkQueue;
  secrets: WebhookSecretsReader;
  clock: Clock;
  logger: Logger;
  maxBodyBytes: number;
}

/**
 * `POST /webhooks/graph`, also the lifecycle notification URL. `?validationToken=` is echoed
 * (decoded, text/plain, 200) whatever the body when it has Graph's token shape, else refused (400,
 * not reflected); otherwise the collection is processed and answered 202 once enqueued.
 */
export function graphRoutes(deps: GraphRouteDeps): Route[] {
  return [
    {
      path: GRAPH_WEBHOOK_PATH,
      methods: {
        POST: async (req) => {
          const validationToken = req.query.validationToken;
          if (validationToken !== undefined) {
            if (!isGraphValidationToken(validationToken)) {
              throw new ValidationError('validationToken is not a Graph validation token');
            }
            return text(STATUS.ok, validationToken);
          }
          await receiveGraphNotifications(deps, {
            readBody: () => readJsonBody(req, deps.maxBodyBytes),
          });
          return empty(STATUS.accepted);
        },
      },
    },
  ];
}
