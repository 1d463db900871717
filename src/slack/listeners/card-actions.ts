import type { App, BlockAction, ButtonAction, RespondArguments, RespondFn } from '@slack/bolt';
import { type Action, audit } from '../../core/access.js';
import { actionsOn } from '../../core/actions.js';
import { subscribe, unsubscribe } from '../../core/subscriptions.js';
import type { DataJob } from '../../domain/data-job.js';
import { normalizeJobId } from '../../domain/job-id.js';
import { ACTIONS, type CardOptions, renderCard } from '../blocks/card.js';
import { cannotPostReply, fetchFailureReply, type Reply, SOMETHING_WENT_WRONG, subscribeReply, unsubscribeReply } from '../messages.js';
import { toOutcome } from '../slack-errors.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/** Where a button was clicked, read from what Slack sends with a block_actions payload. */
export interface Click {
  jobId: string;
  userId: string;
  channelId: string | undefined;
  messageTs: string | undefined;
  isEphemeral: boolean;
}

function readClick(body: BlockAction, action: ButtonAction): Click | null {
  return clickOn(body, action.value ?? '');
}

/** The click, on the job `jobIdText` names. */
export function clickOn(body: BlockAction, jobIdText: string): Click | null {
  const id = normalizeJobId(jobIdText);
  if (!id.ok) return null;
  const container = body.container as { message_ts?: string; channel_id?: string; is_ephemeral?: boolean } | undefined;
  return {
    jobId: id.id,
    userId: body.user.id,
    channelId: body.channel?.id ?? container?.channel_id,
    messageTs: container?.message_ts,
    isEphemeral: container?.is_ephemeral ?? false,
  };
}

/** An answer only the clicker sees, leaving the card alone. */
export const whisper = (respond: RespondFn, message: { text: string; blocks?: unknown[] }) =>
  respond({ response_type: 'ephemeral', replace_original: false, ...message } as RespondArguments);

type Handle = (deps: ListenerDeps, click: Click, respond: RespondFn) => Promise<void>;

export function registerCardActions(app: App, deps: ListenerDeps): void {
  onButton(app, deps, ACTIONS.refresh, 'refresh', refresh);
  onButton(app, deps, ACTIONS.share, 'share', share);
  onButton(app, deps, ACTIONS.subscribe, 'subscribe', subscribeHere);
  onButton(app, deps, ACTIONS.unsubscribe, 'unsubscribe', unsubscribeHere);
  // A link button: Slack opens the URL itself, but still sends the click, which must be acked.
  app.action(ACTIONS.viewInSeekrflow, async ({ ack }) => {
    await ack();
  });
}

/** A card button: ack, read the click, ask the access policy, then `handle` it; nothing escapes. */
function onButton(app: App, deps: ListenerDeps, actionId: string, access: Action, handle: Handle): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    const context = { action: actionId, user: body.user.id, channel: body.channel?.id };
    const say = (reply: Reply) => whisper(respond, reply);
    await guarded(
      deps,
      { ...context, jobId: click?.jobId },
      () => say(SOMETHING_WENT_WRONG),
      async () => {
        // Refreshing a card in the channel (not one only the clicker sees) writes job data where the channel reads it.
        const asked: Action = access === 'refresh' && click && !click.isEphemeral ? 'refresh_in_channel' : access;
        const request = { userId: body.user.id, channelId: click?.channelId ?? body.channel?.id, action: asked, jobId: click?.jobId };
        if (!(await permitted(deps, request, say))) return;
        if (click) await handle(deps, click, respond);
        else await say({ text: ':warning: This button does not name a job the bot can read.' });
      },
    );
  });
}

async function refresh(deps: ListenerDeps, click: Click, respond: RespondFn): Promise<void> {
  const result = await deps.jobs.getDataJob(click.jobId);
  if (!result.ok) {
    await whisper(respond, fetchFailureReply(result.failure, click.jobId));
    return;
  }
  await replaceCard(deps, click, respond, result.job, click.userId);
}

/** Replaces the clicked card with the job as it is now, keeping what kind of card it was. */
export async function replaceCard(deps: ListenerDeps, click: Click, respond: RespondFn, job: DataJob, refreshedBy?: string): Promise<void> {
  const options: CardOptions = { fetchedAt: deps.now(), mode: 'ephemeral', ...(refreshedBy ? { refreshedBy } : {}) };
  const jobUrl = deps.jobUrl(click.jobId);
  if (jobUrl) options.jobUrl = jobUrl;
  if (actionsOn(deps.actions.policy)) options.actions = true;
  if (!click.isEphemeral && click.channelId) {
    // A card in the channel: the living card of a subscription keeps its living buttons.
    const subscription = await deps.subscriptions.subscriptions.findSubscription(click.channelId, click.jobId);
    if (subscription && subscription.cardTs === click.messageTs) {
      options.mode = 'living';
      options.subscription = { filter: subscription.filter, subscribedBy: subscription.createdBy };
    } else {
      options.mode = 'shared';
    }
  }
  // replace_original works for ephemeral and channel messages alike; chat.update cannot touch ephemeral ones.
  await respond({ replace_original: true, ...renderCard(job, options) } as RespondArguments);
}

async function share(deps: ListenerDeps, click: Click, respond: RespondFn): Promise<void> {
  if (!click.channelId) {
    await whisper(respond, { text: ':warning: There is no channel to share this card in.' });
    return;
  }
  const result = await deps.jobs.getDataJob(click.jobId);
  if (!result.ok) {
    await whisper(respond, fetchFailureReply(result.failure, click.jobId));
    return;
  }
  const jobUrl = deps.jobUrl(click.jobId);
  const card = renderCard(result.job, { fetchedAt: deps.now(), mode: 'shared', sharedBy: click.userId, ...(jobUrl ? { jobUrl } : {}) });
  const posted = toOutcome(await deps.poster.post(click.channelId, card));
  if (posted.kind === 'delivered')
    audit(deps.logger, { action: 'share', userId: click.userId, channelId: click.channelId, jobId: click.jobId }, 'done');
  else await whisper(respond, cannotPostReply(posted));
}

async function subscribeHere(deps: ListenerDeps, click: Click, respond: RespondFn): Promise<void> {
  if (!click.channelId) {
    await whisper(respond, { text: ':warning: There is no channel to subscribe here.' });
    return;
  }
  const result = await subscribe(deps.subscriptions, {
    channelId: click.channelId,
    userId: click.userId,
    jobId: click.jobId,
    filter: 'changes',
  });
  await whisper(respond, subscribeReply(result, click.jobId, click.channelId));
}

async function unsubscribeHere(deps: ListenerDeps, click: Click, respond: RespondFn): Promise<void> {
  if (!click.channelId) {
    await whisper(respond, { text: ':warning: There is no channel to unsubscribe here.' });
    return;
  }
  const result = await unsubscribe(deps.subscriptions, { channelId: click.channelId, userId: click.userId, jobId: click.jobId });
  await whisper(respond, unsubscribeReply(result, click.jobId, click.channelId));
}
