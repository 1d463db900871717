/**
 * The few coded errors the bot throws. Expected outcomes (a job that does not exist, SeekrFlow
 * being down) are values, not exceptions: see seekrflow/client.ts.
 */

export type ErrorCode = 'CONFIG_INVALID' | 'SLACK_AUTH_FAILED' | 'STORE_UNAVAILABLE';

export class BotError extends Error {
  override readonly name = 'BotError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isBotError(error: unknown, code?: ErrorCode): error is BotError {
  return error instanceof BotError && (code === undefined || error.code === code);
}
