import type { App, BlockAction, ButtonAction, RespondArguments } from '@slack/bolt';
import { DIGEST_ACTIONS, renderDigestModal } from '../blocks/digest.js';
import { type Reply, SOMETHING_WENT_WRONG } from '../messages.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/**
 * "Show all … jobs" under a digest: every line of it, a page at a time. The digest is read from the
 * store as it was planned (the message and its modal tell the same day), and only in its own channel.
 */

const digestIdOf = (raw: string | undefined): number | null => {
  const n = Number(raw ?? '');
  return Number.isSafeInteger(n) && n > 0 ? n : null;
};

function parseMetadata(raw: string): { digestId: number; page: number } | null {
  try {
    const value = JSON.parse(raw.slice(0, 200)) as { digestId?: unknown; page?: unknown };
    const digestId = digestIdOf(String(value.digestId));
    return digestId && typeof value.page === 'number' ? { digestId, page: value.page } : null;
  } catch {
    return null;
  }
}

export function registerDigestModal(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(DIGEST_ACTIONS.open, async ({ ack, body, action, client, respond }) => {
    await ack();
    const digestId = digestIdOf(action.value);
    const channelId = body.channel?.id;
    if (!digestId || !channelId) return;
    const say = (reply: Reply) => respond({ response_type: 'ephemeral', replace_original: false, ...reply } as RespondArguments);
    await guarded(
      deps,
      { action: DIGEST_ACTIONS.open, user: body.user.id, digestId },
      () => say(SOMETHING_WENT_WRONG),
      async () => {
        if (!(await permitted(deps, { userId: body.user.id, channelId, action: 'list' }, say))) return;
        const digest = await deps.digests.getDigest(digestId);
        if (!digest || digest.channelId !== channelId) {
          await say({ text: 'That digest is no longer kept: the next one tells what is new.' });
          return;
        }
        await client.views.open({ trigger_id: body.trigger_id, view: renderDigestModal(digest.content, digest.id, 1) as never });
      },
    );
  });
  const page = (actionId: string) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const view = body.view;
      const metadata = view ? parseMetadata(view.private_metadata) : null;
      const target = Number(action.value);
      if (!view || !metadata || !Number.isInteger(target)) return;
      await guarded(
        deps,
        { action: actionId, user: body.user.id, digestId: metadata.digestId },
        async () => {},
        async () => {
          const digest = await deps.digests.getDigest(metadata.digestId);
          if (!digest) return;
          if (!(await permitted(deps, { userId: body.user.id, channelId: digest.channelId, action: 'list' }, async () => {}))) return;
          await client.views.update({
            view_id: view.id,
            hash: view.hash,
            view: renderDigestModal(digest.content, digest.id, target) as never,
          });
        },
      );
    });
  page(DIGEST_ACTIONS.next);
  page(DIGEST_ACTIONS.prev);
}
