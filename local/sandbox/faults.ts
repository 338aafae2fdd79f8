import * as z from 'zod';

/** One queued fault, as posted to `POST /_sandbox/faults`. */
export const FaultSchema = z.object({
  method: z.string().min(1).optional(),
  pathPrefix: z.string().min(1).optional(),
  status: z.number().int().min(100).max(599).optional(),
  errorCode: z.string().min(1).optional(),
  times: z.number().int().positive(),
  delayMs: z.number().int().nonnegative().max(600_000).optional(),
  retryAfter: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
  reset: z.boolean().optional(),
});

/** A single fault or a list of them, queued in order. */
export const FaultsBodySchema = z.union([FaultSchema, z.array(FaultSchema).min(1)]);

export type Fault = z.infer<typeof FaultSchema>;

const DEFAULT_ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'INVALID_DATA',
  401: 'INVALID_OAUTH',
  403: 'SCOPE_MISMATCH',
  404: 'URL_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The Zoho-style `errorCode` a fault answers with when it names none. */
export function defaultErrorCode(status: number): string {
  return DEFAULT_ERROR_CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_DATA');
}

/** Faults waiting to be applied; a call consumes one use of the first fault that matches it. */
export class FaultQueue {
  #faults: { fault: Fault; remaining: number }[] = [];

  add(faults: readonly Fault[]): void {
    for (const fault of faults) this.#faults.push({ fault, remaining: fault.times });
  }

  clear(): void {
    this.#faults = [];
  }

  /** Pending faults with the number of uses left in `times`. */
  list(): Fault[] {
    return this.#faults.map(({ fault, remaining }) => ({ ...fault, times: remaining }));
  }

  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex(
      ({ fault }) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.pathPrefix === undefined || path.startsWith(fault.pathPrefix)),
    );
    const entry = this.#faults[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#faults.splice(index, 1);
    return entry.fault;
  }
}
