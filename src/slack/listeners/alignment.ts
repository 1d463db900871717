import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { mayBeTold } from '../../core/access.js';
import { act } from '../../core/actions.js';
import type { AlignmentAction } from '../../core/ports/actions.js';
import type { DataJob } from '../../domain/data-job.js';
import { normalizeJobId } from '../../domain/job-id.js';
import { actionReply, ownerToldText } from '../action-messages.js';
import { ALIGNMENT_ACTIONS, parseActionValue } from '../blocks/alignment-button.js';
import { DIGEST_START_BLOCK } from '../blocks/digest.js';
import { parseHomeMetadata } from '../blocks/home.js';
import { HOME_START_ALIGNMENT } from '../blocks/home-waiting.js';
import type { HomePublisher } from '../home-publisher.js';
import { type Reply, SOMETHING_WENT_WRONG } from '../messages.js';
import { type Click, clickOn, replaceCard, whisper } from './card-actions.js';
import { actDeps, guarded, type ListenerDeps } from './context.js';

/**
 * Start alignment / Cancel alignment, clicked on a card or on the confirmation `/datajob start|cancel`
 * answers with (Slack showed the confirm dialog first). The core decides and acts once; the clicker
 * is told what became of it, the card they clicked shows the job as it is now, and the job's owner
 * hears who did it.
 */
export function registerAlignmentActions(app: App, deps: ListenerDeps): void {
  for (const action of ['start', 'cancel'] as const) {
    app.action<BlockAction<ButtonAction>>(ALIGNMENT_ACTIONS[action], async ({ ack, body, action: button, respond }) => {
      await ack();
      const target = parseActionValue(button.value);
      const click = target ? clickOn(body, target.jobId) : null;
      const say = (reply: Reply) => whisper(respond, reply);
      await guarded(
        deps,
        { action: ALIGNMENT_ACTIONS[action], user: body.user.id, channel: body.channel?.id, jobId: click?.jobId },
        () => say(SOMETHING_WENT_WRONG),
        async () => {
          if (!target || !click) return void (await say({ text: ':warning: This button does not name a job the bot can act on.' }));
          // A digest's button answers the clicker only: the digest is not a card to replace.
          const onDigest = button.block_id?.startsWith(`${DIGEST_START_BLOCK}.`) === true;
          await clicked(deps, click, { action, shownState: target.shownState }, respond, onDigest);
        },
      );
    });
  }
}

async function clicked(
  deps: ListenerDeps,
  click: Click,
  asked: { action: AlignmentAction; shownState: string },
  respond: RespondFn,
  onDigest = false,
): Promise<void> {
  const request = { ...asked, jobId: click.jobId, userId: click.userId, channelId: click.channelId ?? null };
  const result = await act(actDeps(deps), request);
  // The card clicked shows the job as it is now: at once after the action, and when it was out of date.
  if (!onDigest && (result.kind === 'done' || result.kind === 'stale')) await replaceCard(deps, click, respond, result.job);
  await whisper(respond, actionReply(result, asked.action, click.jobId, deps.jobUrl(click.jobId)));
  if (result.kind === 'done') await tellOwners(deps, result.job, asked.action, click.userId);
}

/** The job's owners, linked through `/datajob me`, hear who acted on their job (not the one who did). */
async function tellOwners(deps: ListenerDeps, job: DataJob, action: AlignmentAction, by: string): Promise<void> {
  const owners = await deps.owners.ownersOf(job.user_id);
  for (const owner of owners) {
    // Told only to someone the access policy still allows (not a guest, not of another organisation).
    if (owner.slackUserId === by || !(await mayBeTold(deps.access, owner.slackUserId))) continue;
    const sent = await deps.poster.dm(owner.slackUserId, { text: ownerToldText(job, action, by) });
    if (!sent.ok) deps.logger.warn({ user: owner.slackUserId, jobId: job.id, error: sent.error }, 'could not tell the owner of an action');
  }
}

/** Start alignment on the Home's "Waiting for you": the same operation, its answer shown at the top of the Home. */
export function registerHomeStart(app: App, deps: ListenerDeps, publisher: Pick<HomePublisher, 'changed'>): void {
  app.action<BlockAction<ButtonAction>>(HOME_START_ALIGNMENT, async ({ ack, body, action: button }) => {
    await ack();
    const userId = body.user.id;
    const { page } = parseHomeMetadata(body.view?.private_metadata);
    const show = async (reply: Reply) => publisher.changed(userId, { page, notice: reply.text });
    const target = parseActionValue(button.value);
    const id = target ? normalizeJobId(target.jobId) : null;
    await guarded(
      deps,
      { action: HOME_START_ALIGNMENT, user: userId, jobId: id?.ok ? id.id : undefined },
      () => show(SOMETHING_WENT_WRONG),
      async () => {
        if (!target || !id?.ok) return void (await show({ text: ':warning: This button does not name a job the bot can act on.' }));
        const result = await act(actDeps(deps), { action: 'start', shownState: target.shownState, jobId: id.id, userId, channelId: null });
        await show(actionReply(result, 'start', id.id, deps.jobUrl(id.id)));
        if (result.kind === 'done') await tellOwners(deps, result.job, 'start', userId);
      },
    );
  });
}
