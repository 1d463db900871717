import type { App, RespondArguments } from '@slack/bolt';
import { listChannel, subscribe, unsubscribe } from '../../core/subscriptions.js';
import { renderCard } from '../blocks/card.js';
import { parseCommand } from '../command-text.js';
import {
  fetchFailureReply,
  helpReply,
  invalidCommandReply,
  listReply,
  SOMETHING_WENT_WRONG,
  subscribeReply,
  unsubscribeReply,
} from '../messages.js';
import { guarded, type ListenerDeps } from './context.js';

const ephemeral = (message: { text: string; blocks?: unknown[] }): RespondArguments =>
  ({ response_type: 'ephemeral', ...message }) as RespondArguments;

/** `/datajob …`: ack at once (Slack gives 3 seconds), then do the work and answer through respond(). */
export function registerCommand(app: App, deps: ListenerDeps): void {
  app.command('/datajob', async ({ command, ack, respond }) => {
    await ack();
    const parsed = parseCommand(command.text ?? '');
    const context = { command: parsed.kind, user: command.user_id, channel: command.channel_id };
    await guarded(
      deps,
      context,
      () => respond(ephemeral(SOMETHING_WENT_WRONG)),
      async () => {
        switch (parsed.kind) {
          case 'help':
            await respond(ephemeral(helpReply()));
            return;
          case 'invalid':
            await respond(ephemeral(invalidCommandReply(parsed.problem)));
            return;
          case 'show': {
            const result = await deps.jobs.getDataJob(parsed.jobId);
            if (!result.ok) {
              deps.logger.info(
                { ...context, jobId: parsed.jobId, kind: result.failure.kind, detail: result.failure.detail },
                'job fetch failed',
              );
              await respond(ephemeral(fetchFailureReply(result.failure, parsed.jobId)));
              return;
            }
            const jobUrl = deps.jobUrl(parsed.jobId);
            await respond(ephemeral(renderCard(result.job, { fetchedAt: deps.now(), mode: 'ephemeral', ...(jobUrl ? { jobUrl } : {}) })));
            return;
          }
          case 'subscribe': {
            const result = await subscribe(deps.subscriptions, {
              channelId: command.channel_id,
              userId: command.user_id,
              jobId: parsed.jobId,
              filter: parsed.filter,
            });
            await respond(ephemeral(subscribeReply(result, parsed.jobId, command.channel_id)));
            return;
          }
          case 'unsubscribe': {
            const result = await unsubscribe(deps.subscriptions, {
              channelId: command.channel_id,
              userId: command.user_id,
              jobId: parsed.jobId,
            });
            await respond(ephemeral(unsubscribeReply(result, parsed.jobId, command.channel_id)));
            return;
          }
          case 'list':
            await respond(ephemeral(listReply(await listChannel(deps.subscriptions, command.channel_id), command.channel_id)));
            return;
        }
      },
    );
  });
}
