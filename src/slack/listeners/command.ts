import type { App, RespondArguments } from '@slack/bolt';
import type { Action } from '../../core/access.js';
import { actionsOn, previewAction } from '../../core/actions.js';
import { setDigest, setQuiet } from '../../core/digest.js';
import { feedOfChannel, subscribeTeam, unsubscribeTeam } from '../../core/feeds.js';
import { me } from '../../core/owners.js';
import { listChannel, pause, resume, subscribe, unsubscribe } from '../../core/subscriptions.js';
import { previewReply } from '../action-messages.js';
import { renderCard } from '../blocks/card.js';
import { type Command, parseCommand } from '../command-text.js';
import { digestReply, quietReply, settingsBlocks } from '../digest-messages.js';
import {
  fetchFailureReply,
  helpReply,
  invalidCommandReply,
  listReply,
  meReply,
  pauseReply,
  type Reply,
  SOMETHING_WENT_WRONG,
  subscribeReply,
  subscribeTeamReply,
  unsubscribeReply,
  unsubscribeTeamReply,
} from '../messages.js';
import { actDeps, guarded, type ListenerDeps, permitted } from './context.js';

const ephemeral = (message: Reply): RespondArguments => ({ response_type: 'ephemeral', ...message }) as RespondArguments;

const ACTION_OF: Record<Command['kind'], Action> = {
  help: 'help',
  invalid: 'help',
  show: 'lookup',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  pause: 'pause',
  resume: 'resume',
  list: 'list',
  subscribe_team: 'subscribe',
  unsubscribe_team: 'unsubscribe',
  me: 'me',
  // Checked in full by previewAction (the groups, the job's owner): here only who is asking.
  act: 'help',
  // They change what the channel is sent: judged as subscribing is (a shared channel is refused).
  digest: 'subscribe',
  quiet: 'subscribe',
};

/** `/datajob …`: ack at once (Slack gives 3 seconds), ask the access policy, do the work, answer through respond(). */
export function registerCommand(app: App, deps: ListenerDeps): void {
  app.command('/datajob', async ({ command, ack, respond }) => {
    await ack();
    const parsed = parseCommand(command.text ?? '');
    const where = { channelId: command.channel_id, userId: command.user_id };
    const say = (reply: Reply) => respond(ephemeral(reply));
    const jobId = 'jobId' in parsed ? parsed.jobId : undefined;
    await guarded(
      deps,
      { command: parsed.kind, user: command.user_id, channel: command.channel_id },
      () => say(SOMETHING_WENT_WRONG),
      async () => {
        if (!(await permitted(deps, { ...where, action: ACTION_OF[parsed.kind], jobId }, say))) return;
        await say(await answer(deps, parsed, where));
      },
    );
  });
}

async function answer(deps: ListenerDeps, parsed: Command, where: { channelId: string; userId: string }): Promise<Reply> {
  switch (parsed.kind) {
    case 'help':
      return helpReply();
    case 'invalid':
      return invalidCommandReply(parsed.problem);
    case 'show': {
      const result = await deps.jobs.getDataJob(parsed.jobId);
      if (!result.ok) {
        deps.logger.info({ ...where, jobId: parsed.jobId, kind: result.failure.kind, detail: result.failure.detail }, 'job fetch failed');
        return fetchFailureReply(result.failure, parsed.jobId);
      }
      const jobUrl = deps.jobUrl(parsed.jobId);
      const actions = actionsOn(deps.actions.policy);
      return renderCard(result.job, {
        fetchedAt: deps.now(),
        mode: 'ephemeral',
        ...(jobUrl ? { jobUrl } : {}),
        ...(actions ? { actions } : {}),
      });
    }
    case 'subscribe':
      return subscribeReply(
        await subscribe(deps.subscriptions, { ...where, jobId: parsed.jobId, filter: parsed.filter }),
        parsed.jobId,
        where.channelId,
      );
    case 'resume':
      return subscribeReply(await resume(deps.subscriptions, { ...where, jobId: parsed.jobId }), parsed.jobId, where.channelId);
    case 'unsubscribe':
      return unsubscribeReply(await unsubscribe(deps.subscriptions, { ...where, jobId: parsed.jobId }), parsed.jobId, where.channelId);
    case 'pause':
      return pauseReply(await pause(deps.subscriptions, { ...where, jobId: parsed.jobId }), parsed.jobId, where.channelId);
    case 'list': {
      const [items, feed, settings] = await Promise.all([
        listChannel(deps.subscriptions, where.channelId),
        feedOfChannel({ feeds: deps.feeds, subscriptions: deps.subscriptions.subscriptions }, where.channelId),
        deps.digests.channelSettings(where.channelId),
      ]);
      const reply = listReply(items, where.channelId, feed);
      const head = reply.blocks ?? [
        { type: 'section' as const, block_id: 'list_empty', text: { type: 'mrkdwn' as const, text: reply.text, verbatim: true } },
      ];
      return { text: reply.text, blocks: [...head, ...settingsBlocks(settings)] };
    }
    case 'digest':
    case 'quiet': {
      const settingsDeps = { digests: deps.digests, directory: deps.access.directory, now: deps.now };
      return parsed.kind === 'digest'
        ? digestReply(await setDigest(settingsDeps, where, parsed.request), where.channelId)
        : quietReply(await setQuiet(settingsDeps, where, parsed.request), where.channelId);
    }
    case 'subscribe_team':
      return subscribeTeamReply(
        await subscribeTeam({ feeds: deps.feeds, logger: deps.logger, now: deps.now }, { ...where, ...parsed }),
        where.channelId,
      );
    case 'unsubscribe_team':
      return unsubscribeTeamReply(await unsubscribeTeam({ ...deps.subscriptions, feeds: deps.feeds }, where), where.channelId);
    case 'me':
      return meReply(await me({ owners: deps.owners, logger: deps.logger, now: deps.now }, where.userId, parsed.request));
    case 'act':
      return previewReply(
        await previewAction(actDeps(deps), { ...where, jobId: parsed.jobId, action: parsed.action }),
        parsed.action,
        parsed.jobId,
      );
  }
}
