import type { App, BlockAction, ButtonAction, RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { normalizeJobId } from '../../domain/job-id.js';
import { ACTIONS } from '../blocks/card.js';
import { escapeAndTruncate } from '../blocks/escape.js';
import {
  FAILED_FILES_ACTIONS,
  parseFailedFilesMetadata,
  renderFailedFilesModal,
  renderFailedFilesNote,
} from '../blocks/failed-files-modal.js';
import { fetchFailureReply, type Reply, SOMETHING_WENT_WRONG } from '../messages.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/**
 * "Show all failed files": a paged modal. A trigger_id lives 3 seconds and SeekrFlow may take
 * longer, so the modal opens at once with a loading note and is filled in by views.update.
 */

async function fillModal(deps: ListenerDeps, client: WebClient, viewId: string, jobId: string, page: number, hash?: string): Promise<void> {
  const result = await deps.jobs.getDataJob(jobId);
  const view = result.ok
    ? renderFailedFilesModal(result.job, { page })
    : renderFailedFilesNote(jobId, fetchFailureReply(result.failure, jobId).text, deps.now());
  await client.views.update({ view_id: viewId, ...(hash ? { hash } : {}), view: view as never });
}

export function registerFailedFilesModal(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.openFailedFiles, async ({ ack, body, action, client, respond }) => {
    await ack();
    const id = normalizeJobId(action.value ?? '');
    if (!id.ok) return;
    // Asked before the modal opens: a refused person sees one sentence, not a modal of the job.
    const request = { userId: body.user.id, channelId: body.channel?.id, action: 'failed_files' as const, jobId: id.id };
    const say = (reply: Reply) => respond({ response_type: 'ephemeral', replace_original: false, ...reply } as RespondArguments);
    let viewId: string | undefined;
    await guarded(
      deps,
      { action: ACTIONS.openFailedFiles, user: body.user.id, jobId: id.id },
      // Once the modal is open, a failure must not leave it saying "Loading…" for ever.
      async () => {
        if (viewId)
          await client.views.update({
            view_id: viewId,
            view: renderFailedFilesNote(id.id, SOMETHING_WENT_WRONG.text, deps.now()) as never,
          });
        else await say(SOMETHING_WENT_WRONG);
      },
      async () => {
        if (!(await permitted(deps, request, say))) return;
        const opened = await client.views.open({
          trigger_id: body.trigger_id,
          view: renderFailedFilesNote(
            id.id,
            `:hourglass_flowing_sand: Loading the failed files of \`${escapeAndTruncate(id.id, 128)}\`…`,
            deps.now(),
          ) as never,
        });
        viewId = opened.view?.id;
        if (viewId) await fillModal(deps, client, viewId, id.id, 1);
      },
    );
  });

  const page = (actionId: string) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const view = body.view;
      const metadata = view ? parseFailedFilesMetadata(view.private_metadata) : null;
      const target = Number(action.value);
      const jobId = metadata && normalizeJobId(metadata.jobId);
      if (!view || !jobId?.ok || !Number.isInteger(target)) return;
      await guarded(
        deps,
        { action: actionId, user: body.user.id, jobId: jobId.id },
        async () => {},
        async () => {
          const request = { userId: body.user.id, action: 'failed_files' as const, jobId: jobId.id };
          const say = (reply: Reply) =>
            client.views.update({ view_id: view.id, view: renderFailedFilesNote(jobId.id, reply.text, deps.now()) as never });
          if (await permitted(deps, request, say)) await fillModal(deps, client, view.id, jobId.id, target, view.hash);
        },
      );
    });
  page(FAILED_FILES_ACTIONS.next);
  page(FAILED_FILES_ACTIONS.prev);
}
