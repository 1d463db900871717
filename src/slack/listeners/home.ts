import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { audit, checkAccess } from '../../core/access.js';
import { subscriptionsCreatedBy } from '../../core/home.js';
import { jobsOwnedBy } from '../../core/owners.js';
import { type ChannelSubscription, resume, unsubscribe } from '../../core/subscriptions.js';
import { jobsWaitingFor } from '../../core/waiting.js';
import { normalizeJobId } from '../../domain/job-id.js';
import { jobIdInText, withTemplateHost } from '../../domain/job-link.js';
import {
  HOME_ACTIONS,
  HOME_PAGE_SIZE,
  type HomeSubscription,
  parseHomeButtonValue,
  parseHomeMetadata,
  renderHome,
  renderRefusedHome,
} from '../blocks/home.js';
import { WAITING_SHOWN } from '../blocks/home-waiting.js';
import { LOOKUP_CALLBACK_ID, LOOKUP_INPUT, renderLookupForm, renderLookupNote, renderLookupResult } from '../blocks/lookup-modal.js';
import { HomePublisher, type HomeRequest } from '../home-publisher.js';
import {
  fetchFailureReply,
  notYourSubscriptionReply,
  pausedText,
  type Reply,
  refusalReply,
  SOMETHING_WENT_WRONG,
  subscribeReply,
  unsubscribeReply,
} from '../messages.js';
import { registerHomeStart } from './alignment.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/**
 * The App Home: published when the person opens the tab (at most once every few seconds, see
 * HomePublisher), and again with the answer to each click on it. Resume and Unsubscribe act as
 * `/datajob resume|unsubscribe` in the subscription's channel, under the same rules; "Look up a job"
 * opens a modal that shows the card in the modal.
 */

/** Registers the Home's listeners; the returned function stops what waits to be published. */
export function registerHome(app: App, deps: ListenerDeps): () => void {
  const publisher = new HomePublisher({
    publish: (userId, request) => publishHome(deps, app.client, userId, request),
    intervalMs: deps.homeRefreshMs,
    logger: deps.logger,
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab === 'home') publisher.opened(event.user);
    // What an operator (and a test) reads to know the opening was handled, published or not.
    deps.logger.debug({ user: event.user, tab: event.tab }, 'app_home_opened handled');
  });

  const onPage = async ({ ack, body, action }: { ack: () => Promise<void>; body: BlockAction; action: ButtonAction }) => {
    await ack();
    publisher.changed(body.user.id, { page: Number(action.value) || 1 });
  };
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.pageNext, onPage);
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.pagePrev, onPage);

  onSubscriptionButton(app, deps, publisher, HOME_ACTIONS.resume, 'resume', async (where) =>
    subscribeReply(await resume(deps.subscriptions, where), where.jobId, where.channelId),
  );
  onSubscriptionButton(app, deps, publisher, HOME_ACTIONS.unsubscribe, 'unsubscribe', async (where) =>
    unsubscribeReply(await unsubscribe(deps.subscriptions, where), where.jobId, where.channelId),
  );
  registerLookup(app, deps);
  registerHomeStart(app, deps, publisher);
  return () => publisher.stop();
}

type Where = { channelId: string; userId: string; jobId: string };

/** Resume / Unsubscribe: ack, ask the policy for that channel, do it, show the answer at the top of the Home. */
function onSubscriptionButton(
  app: App,
  deps: ListenerDeps,
  publisher: HomePublisher,
  actionId: string,
  access: 'resume' | 'unsubscribe',
  run: (where: Where) => Promise<Reply>,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
    await ack();
    const userId = body.user.id;
    const { page } = parseHomeMetadata(body.view?.private_metadata);
    const show = async (reply: Reply) => publisher.changed(userId, { page, notice: reply.text });
    const target = parseHomeButtonValue(action.value);
    await guarded(
      deps,
      { action: actionId, user: userId, channel: target?.channelId, jobId: target?.jobId },
      () => show(SOMETHING_WENT_WRONG),
      async () => {
        if (!target) return show({ text: ':warning: This button does not name a subscription the bot can read.' });
        if (!(await permitted(deps, { userId, ...target, action: access }, show))) return;
        // The Home acts on what the clicker subscribed; anyone else changes a channel's subscription in that channel.
        const subscription = await deps.subscriptions.subscriptions.findSubscription(target.channelId, target.jobId);
        if (subscription && subscription.createdBy !== userId) {
          audit(deps.logger, { userId, ...target, action: access }, 'refused', 'not_the_subscriber');
          return show(notYourSubscriptionReply(subscription, access));
        }
        await show(await run({ userId, ...target }));
      },
    );
  });
}

async function publishHome(deps: ListenerDeps, client: WebClient, userId: string, request: HomeRequest): Promise<void> {
  const decision = await checkAccess(deps.access, { userId, action: 'home' });
  const generatedAt = deps.now();
  if (!decision.allowed) {
    await client.views.publish({ user_id: userId, view: renderRefusedHome(refusalReply(decision.refusal).text, generatedAt) });
    return;
  }
  const read = (page: number) =>
    subscriptionsCreatedBy(deps.subscriptions, userId, { limit: HOME_PAGE_SIZE, offset: (page - 1) * HOME_PAGE_SIZE });
  let page = Math.max(1, Math.trunc(request.page) || 1);
  let { items, total } = await read(page);
  // Subscriptions went away since that page was shown: show the last page there is.
  if (items.length === 0 && page > 1 && total > 0) {
    page = Math.ceil(total / HOME_PAGE_SIZE);
    ({ items, total } = await read(page));
  }
  const owned = await jobsOwnedBy({ owners: deps.owners, feeds: deps.feeds, watches: deps.subscriptions.watches }, userId, 50);
  const waiting = await jobsWaitingFor({ ...deps.actions, directory: deps.access.directory }, userId, owned.jobs, WAITING_SHOWN);
  const view = renderHome({
    subscriptions: items.map(homeSubscription),
    total,
    page,
    ownedJobs: owned.jobs,
    waiting,
    ...(request.notice ? { notice: request.notice } : {}),
    generatedAt,
  });
  await client.views.publish({ user_id: userId, view });
}

function homeSubscription({ subscription: s, watch }: ChannelSubscription): HomeSubscription {
  const snapshot = watch?.watch.snapshot;
  return {
    channelId: s.channelId,
    jobId: s.jobId,
    job: snapshot ? { name: snapshot.name, status: snapshot.status } : null,
    filter: s.filter,
    state: s.state,
    pausedBecause: s.state === 'paused' ? pausedText(s) : null,
    endedAs: s.state === 'ended' ? s.stateReason : null,
    stateAt: s.stateAt,
    createdAt: s.createdAt,
    cardPosted: s.cardTs !== null,
  };
}

/**
 * "Look up a job": the button opens the form at once (a trigger_id lasts 3 seconds, and the form
 * shows nothing of any job); the submitted id is checked like `/datajob <id>`, the modal says it is
 * looking, and then shows the card, a refusal, or why the job could not be read.
 */
function registerLookup(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.lookup, async ({ ack, body, client }) => {
    await ack();
    await guarded(
      deps,
      { action: HOME_ACTIONS.lookup, user: body.user.id },
      async () => {},
      async () => {
        await client.views.open({ trigger_id: body.trigger_id, view: renderLookupForm() as never });
      },
    );
  });

  app.view(LOOKUP_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const raw = view.state.values[LOOKUP_INPUT.blockId]?.[LOOKUP_INPUT.actionId]?.value ?? '';
    const jobId = readJobId(raw, deps);
    if (!jobId.ok) return void (await ack({ response_action: 'errors', errors: { [LOOKUP_INPUT.blockId]: jobId.reason } }));
    await ack({
      response_action: 'update',
      view: renderLookupNote(`:hourglass_flowing_sand: Looking up \`${jobId.id}\`…`, deps.now()) as never,
    });
    const show = (reply: Reply) => client.views.update({ view_id: view.id, view: renderLookupNote(reply.text, deps.now()) as never });
    await guarded(
      deps,
      { view: LOOKUP_CALLBACK_ID, user: body.user.id, jobId: jobId.id },
      () => show(SOMETHING_WENT_WRONG),
      async () => {
        if (!(await permitted(deps, { userId: body.user.id, action: 'lookup', jobId: jobId.id }, show))) return;
        const result = await deps.jobs.getDataJob(jobId.id);
        if (!result.ok) return void (await show(fetchFailureReply(result.failure, jobId.id)));
        const jobUrl = deps.jobUrl(jobId.id);
        const card = renderLookupResult(result.job, { fetchedAt: deps.now(), ...(jobUrl ? { jobUrl } : {}) });
        await client.views.update({ view_id: view.id, view: card as never });
      },
    );
  });
}

/** An id as `/datajob` takes one, or a link to a job on the unfurl domains. */
function readJobId(raw: string, deps: ListenerDeps): { ok: true; id: string } | { ok: false; reason: string } {
  const id = normalizeJobId(raw);
  if (id.ok) return id;
  const linked = raw.length <= 3_000 ? jobIdInText(raw, withTemplateHost(deps.links)) : null;
  return linked ? { ok: true, id: linked } : { ok: false, reason: `That is not a job id: ${id.reason}.` };
}
