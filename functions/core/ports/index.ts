import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';

/** Puts normalised requests on the work queue. @throws QueueError when any request could not be sent. */
export interface WorkQueue {
  send(requests: readonly DeprovisionRequest[]): Promise<void>;
}

/** Reads a secret's string value by id (ARN or local name). @throws SecretError */
export interface SecretSource {
  getSecretString(secretId: string): Promise<string>;
  /** Drops any cached copy so the next read goes to the store. */
  invalidate?(secretId: string): void;
}

/** Writes a secret value (used by the token refresher). @throws SecretError */
export interface SecretWriter {
  putSecretString(secretId: string, value: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured logger; `extra` must never contain secrets, tokens, headers or bodies. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
