import type { App, MessageShortcut, RespondArguments } from '@slack/bolt';
import { subscribe } from '../../core/subscriptions.js';
import { jobIdInText, withTemplateHost } from '../../domain/job-link.js';
import {
  parseWatchFilter,
  parseWatchMetadata,
  renderWatchForm,
  renderWatchNote,
  WATCH_CALLBACK_ID,
  WATCH_INPUT,
  WATCH_SHORTCUT_ID,
} from '../blocks/watch-modal.js';
import { type Reply, SOMETHING_WENT_WRONG, subscribeReply } from '../messages.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/**
 * "Watch this job", a message shortcut: on a message that names a job (a link or an id), a modal asks
 * what the channel should hear, then subscribes the channel as `/datajob subscribe` does, under the
 * same rules. A refusal when opening is an ephemeral sentence in the channel; one at submission is a
 * sentence in the modal.
 */

const NO_JOB: Reply = {
  text: ':warning: That message names no data job: I look for a link to a job, an id in `code`, or an id like `dj-…`.',
};

export function registerWatchShortcut(app: App, deps: ListenerDeps): void {
  app.shortcut<MessageShortcut>({ callback_id: WATCH_SHORTCUT_ID, type: 'message_action' }, async ({ ack, shortcut, client, respond }) => {
    await ack();
    const userId = shortcut.user.id;
    const channelId = shortcut.channel.id;
    const say = (reply: Reply) => respond({ response_type: 'ephemeral', ...reply } as RespondArguments);
    const jobId = jobIdInText(messageText(shortcut.message), withTemplateHost(deps.links));
    await guarded(
      deps,
      { shortcut: WATCH_SHORTCUT_ID, user: userId, channel: channelId, jobId },
      () => say(SOMETHING_WENT_WRONG),
      async () => {
        if (!jobId) return void (await say(NO_JOB));
        // Asked before the modal opens (as for the failed-files modal): a refused person sees one sentence, not a form.
        if (!(await permitted(deps, { userId, channelId, action: 'watch', jobId }, say))) return;
        await client.views.open({ trigger_id: shortcut.trigger_id, view: renderWatchForm({ jobId, channelId }) as never });
      },
    );
  });

  app.view(WATCH_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const target = parseWatchMetadata(view.private_metadata);
    const filter = parseWatchFilter(view.state.values[WATCH_INPUT.blockId]?.[WATCH_INPUT.actionId]?.selected_option?.value);
    if (!target || !filter) return void (await ack({ response_action: 'errors', errors: { [WATCH_INPUT.blockId]: 'Choose one.' } }));
    // Subscribing reads SeekrFlow and posts the card: longer than the 3 seconds an answer may take.
    await ack({
      response_action: 'update',
      view: renderWatchNote(`:hourglass_flowing_sand: Subscribing <#${target.channelId}>…`, deps.now()) as never,
    });
    const userId = body.user.id;
    const show = (reply: Reply) => client.views.update({ view_id: view.id, view: renderWatchNote(reply.text, deps.now()) as never });
    await guarded(
      deps,
      { view: WATCH_CALLBACK_ID, user: userId, ...target },
      () => show(SOMETHING_WENT_WRONG),
      async () => {
        if (!(await permitted(deps, { userId, ...target, action: 'subscribe' }, show))) return;
        await show(subscribeReply(await subscribe(deps.subscriptions, { userId, ...target, filter }), target.jobId, target.channelId));
      },
    );
  });
}

/** The message's text and its blocks' text (a card names its job in a field, not in the fallback). */
function messageText(message: { text?: string; blocks?: unknown }): string {
  const parts = [message.text ?? ''];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 8 || parts.length > 200) return;
    if (Array.isArray(node)) for (const n of node) walk(n, depth + 1);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'text' || key === 'url') && typeof value === 'string') parts.push(value);
        else walk(value, depth + 1);
      }
    }
  };
  walk(message.blocks, 0);
  return parts.join('\n');
}
