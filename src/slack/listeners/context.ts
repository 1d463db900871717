import type { Logger } from '../../logger.js';
import type { ChannelPoster } from '../../poll/channel-poster.js';
import type { SeekrFlowClient } from '../../seekrflow/client.js';
import type { Store } from '../../storage/store.js';
import type { SubscriptionDeps } from '../../subscriptions/subscriptions.js';

/** What every listener may use. Built once in main.ts. */
export interface ListenerDeps {
  seekrflow: SeekrFlowClient;
  store: Store;
  poster: ChannelPoster;
  subscriptions: SubscriptionDeps;
  jobUrl: (jobId: string) => string | undefined;
  logger: Logger;
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
