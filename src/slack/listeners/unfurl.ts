import type { App, BlockAction, ButtonAction, RespondArguments, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { checkAccess } from '../../core/access.js';
import type { FetchResult } from '../../core/ports/job-source.js';
import { jobsInLinks } from '../../domain/job-link.js';
import { parseUnfurlButtonValue, renderUnfurl, UNFURL_ACTIONS, type Unfurl } from '../blocks/unfurl.js';
import { fetchFailureReply, type Reply, SOMETHING_WENT_WRONG } from '../messages.js';
import { guarded, type ListenerDeps, permitted } from './context.js';

/**
 * Link unfurls: a message with links to data jobs gets a compact card under each (one chat.unfurl
 * for the whole message). The card is read by everyone in the conversation, and chat.unfurl reaches
 * conversations the bot is not in (direct messages, group DMs, Slack Connect channels), so the poster
 * and the conversation pass the access policy's strictest check: only a conversation the bot can see,
 * of this organisation alone. A refusal leaves the links plain, tells no one (a channel is not told
 * why a link stays a link), is logged, and costs SeekrFlow nothing.
 */

type LinkSharedEvent = SlackEventMiddlewareArgs<'link_shared'>['event'];

/** At most this many jobs are read for one message, however many links it holds. */
const UNFURL_MAX_JOBS = 5;

export function registerUnfurls(app: App, deps: ListenerDeps): void {
  app.event('link_shared', async ({ event, client }) => {
    await guarded(
      deps,
      { event: 'link_shared', user: event.user, channel: event.channel },
      async () => {},
      () => unfurlMessage(deps, client, event),
    );
  });

  app.action<BlockAction<ButtonAction>>(UNFURL_ACTIONS.refresh, async ({ ack, body, action, client, respond }) => {
    await ack();
    const target = parseUnfurlButtonValue(action.value);
    const container = body.container as { message_ts?: string; channel_id?: string } | undefined;
    const channelId = body.channel?.id ?? container?.channel_id;
    const say = (reply: Reply) => respond({ response_type: 'ephemeral', replace_original: false, ...reply } as RespondArguments);
    await guarded(
      deps,
      { action: UNFURL_ACTIONS.refresh, user: body.user.id, channel: channelId },
      () => say(SOMETHING_WENT_WRONG),
      async () => {
        if (!target || !channelId || !container?.message_ts) return;
        const request = { userId: body.user.id, channelId, action: 'unfurl' as const, jobId: target.jobId };
        if (!(await permitted(deps, request, say))) return;
        const result = await deps.jobs.getDataJob(target.jobId);
        if (!result.ok) return void (await say(fetchFailureReply(result.failure, target.jobId)));
        const unfurl = renderUnfurl(result.job, { url: target.url, fetchedAt: deps.now(), refreshedBy: body.user.id });
        // Calling chat.unfurl again for the message replaces the card under that link.
        await client.chat.unfurl({ channel: channelId, ts: container.message_ts, unfurls: { [target.url]: unfurl } });
      },
    );
  });
}

async function unfurlMessage(deps: ListenerDeps, client: WebClient, event: LinkSharedEvent): Promise<void> {
  const outcome = await unfurlOutcome(deps, client, event);
  // One line per event, whatever became of it: what an operator (and a test) reads to know it was handled.
  deps.logger.debug({ channel: event.channel, messageTs: event.message_ts, outcome }, 'link_shared handled');
}

async function unfurlOutcome(deps: ListenerDeps, client: WebClient, event: LinkSharedEvent): Promise<string> {
  // A link still in the composer has no channel yet: it could be about to go to a shared one.
  if (event.source === 'composer' || event.channel === 'COMPOSER' || !event.message_ts) return 'composer';
  const jobs = jobsInLinks(
    event.links.map((l) => l.url),
    deps.links,
    UNFURL_MAX_JOBS,
  );
  if (jobs.length === 0) return 'no_job_links';
  const decision = await checkAccess(deps.access, {
    userId: event.user,
    channelId: event.channel,
    action: 'unfurl',
    jobId: jobs.map((j) => j.jobId).join(','),
    // Slack sends links from conversations the bot is not in, where an unfurl reaches whoever is there.
    botIsMember: event.is_bot_user_member,
  });
  if (!decision.allowed) return `refused:${decision.refusal}`;
  const fetchedAt = deps.now();
  const fetched = await Promise.all(jobs.map(async (job) => ({ ...job, result: await deps.jobs.getDataJob(job.jobId) })));
  const unfurls = unfurlsOf(deps, fetched, fetchedAt);
  if (Object.keys(unfurls).length === 0) return 'nothing_read';
  await client.chat.unfurl({ channel: event.channel, ts: event.message_ts, unfurls });
  return `unfurled:${Object.keys(unfurls).length}`;
}

/** A card per link whose job was read; a job SeekrFlow does not know (or could not say) unfurls to nothing. */
function unfurlsOf(deps: ListenerDeps, fetched: { jobId: string; urls: string[]; result: FetchResult }[], fetchedAt: Date) {
  const unfurls: Record<string, Unfurl> = {};
  for (const { jobId, urls, result } of fetched) {
    if (!result.ok) {
      deps.logger.info({ jobId, kind: result.failure.kind, detail: result.failure.detail }, 'link not unfurled: job fetch failed');
      continue;
    }
    for (const url of urls) unfurls[url] = renderUnfurl(result.job, { url, fetchedAt });
  }
  return unfurls;
}
