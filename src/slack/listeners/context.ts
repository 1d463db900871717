import type { JobSource, Log } from '../../core/ports.js';
import type { SubscriptionDeps } from '../../core/subscriptions.js';
import type { SlackPoster } from '../poster.js';

/** What every listener may use. Built once in main.ts. */
export interface ListenerDeps {
  jobs: JobSource;
  /** Posts as the bot: Share in channel. */
  poster: SlackPoster;
  /** The subscription operations, and the stores and notifier they work with. */
  subscriptions: SubscriptionDeps;
  jobUrl: (jobId: string) => string | undefined;
  logger: Log;
  now: () => Date;
}

/**
 * Runs a listener's work so that nothing escapes it: the error is logged with its context, and
 * the user gets one sentence (through `tell`) instead of silence or Slack's operation_timeout.
 */
export async function guarded(
  deps: ListenerDeps,
  context: Record<string, unknown>,
  tell: () => Promise<unknown>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    deps.logger.error({ err: error, ...context }, 'listener failed');
    try {
      await tell();
    } catch (tellError) {
      deps.logger.error({ err: tellError, ...context }, 'could not tell the user about a failure');
    }
  }
}
