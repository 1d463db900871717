import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/card.js';
import { UNFURL_ACTIONS } from '../../src/slack/blocks/unfurl.js';
import { checkUnfurls } from '../support/block-kit-rules.js';
import { type Harness, startHarness, USER, visibleText, waitFor } from '../support/harness.js';
import { makeJobWithFiles } from '../support/make-job.js';
import { findAction } from '../support/slack-requests.js';

/**
 * Link unfurls through the real bot: a person posts links, the fake Slack sends link_shared (over
 * the Request URL or the Socket Mode connection), and the bot answers with one chat.unfurl.
 */

const TEMPLATE = 'https://apps.seekr.com/flow/data-jobs/{id}';
const jobId = (n: number) => `dj-5a1e0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const link = (id: string) => TEMPLATE.replace('{id}', id);

describe.each(['http', 'socket'] as const)('link unfurls (%s)', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      mode,
      env: { SEEKRFLOW_UNFURL_DOMAINS: 'seekr.com', SEEKRFLOW_JOB_URL_TEMPLATE: TEMPLATE },
      slack: { unfurlDomains: ['seekr.com'] },
    });
    h.slack.addUser({ id: 'U_GUEST', name: 'guest', isRestricted: true });
    h.slack.addUser({ id: 'U_STRANGER', name: 'stranger', isStranger: true });
    h.slack.addChannel({ id: 'C_SHARED', name: 'with-partner', isExtShared: true });
    h.slack.addUser({ id: 'U_COLLEAGUE', name: 'colleague' });
    // Conversations Slack sends links from although the bot is not in them.
    h.slack.addChannel({ id: 'D_WITH_PARTNER', isIm: true, botIsMember: false, isExtShared: true, members: [USER.id, 'U_STRANGER'] });
    h.slack.addChannel({ id: 'D_COLLEAGUES', isIm: true, botIsMember: false, members: [USER.id, 'U_COLLEAGUE'] });
    h.slack.addChannel({ id: 'C_CONNECT_PRIVATE', name: 'partner-private', isPrivate: true, botIsMember: false, isExtShared: true });
    // Group DMs the bot was added to.
    h.slack.addChannel({ id: 'G_MIXED', isMpim: true, botIsMember: true, members: [h.slack.botUserId, USER.id, 'U_STRANGER'] });
    h.slack.addChannel({ id: 'G_COLLEAGUES', isMpim: true, botIsMember: true, members: [h.slack.botUserId, USER.id, 'U_COLLEAGUE'] });
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    h.slack.reset();
    h.sim.clearFaults();
    for (let n = 1; n <= 8; n++) {
      h.sim.putJob(
        makeJobWithFiles([{ state: 'done' }, { state: 'failed' }, { state: 'processing' }], {
          id: jobId(n),
          name: `Linked job ${n}`,
          status: 'running',
        }),
      );
    }
    h.sim.resetRequests();
  });

  /** The audit line of the access policy's refusal of an unfurl, for `user`. */
  const refusalLogged = (user: string, reason: string, since: number) =>
    waitFor(
      () =>
        h.logs
          .slice(since)
          .find(
            (l) =>
              l.includes('"action":"unfurl"') && l.includes('"outcome":"refused"') && l.includes(`"user":"${user}"`) && l.includes(reason),
          ),
      `the unfurl refusal of ${user}`,
    );

  /** The bot's line saying it handled the link_shared event of the message at `ts` (whatever it did). */
  const handled = (ts: string | undefined) =>
    waitFor(
      () => h.logs.find((l) => l.includes('"msg":"link_shared handled"') && l.includes(`"messageTs":"${ts}"`)),
      `the bot to handle the links of ${ts}`,
    );

  /** A click on a button of the card chat.unfurl attached to a link, as Slack reports it. */
  const clickInUnfurl = async (at: { channel: string; ts: string; url: string }, actionId: string, user = USER.id) => {
    const unfurl = h.slack.unfurlsOf(at.channel, at.ts)?.[at.url] as { blocks: unknown[] } | undefined;
    const found = findAction(unfurl?.blocks, actionId);
    if (!found) throw new Error(`no ${actionId} in the unfurl of ${at.url}`);
    const message = h.slack.message(at.channel, at.ts);
    await h.slack.sendInteraction({
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: h.slack.teamId },
      api_app_id: h.slack.appId,
      token: 'fake-verification-token',
      container: {
        type: 'message_attachment',
        message_ts: at.ts,
        attachment_id: 1,
        channel_id: at.channel,
        is_ephemeral: false,
        is_app_unfurl: true,
        app_unfurl_url: at.url,
      },
      trigger_id: h.slack.triggerId(user),
      team: { id: h.slack.teamId, domain: h.slack.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: at.channel, name: h.slack.channel(at.channel)?.name },
      message,
      state: { values: {} },
      response_url: h.slack.responseUrl({ channel: at.channel, user, origin: { kind: 'message', channel: at.channel, ts: at.ts } }),
      actions: [{ ...found.element, action_id: actionId, block_id: found.blockId, action_ts: h.slack.clock.nextTs() }],
    });
  };

  it.runIf(mode === 'http')('answers Slack’s Request URL check (url_verification) at /slack/events', async () => {
    await expect(h.slack.verifyRequestUrl('challenge-from-slack')).resolves.toMatchObject({ ok: true, status: 200 });
  });

  it('attaches a compact card to a link to a job: status, files by state, failed count, Refresh and Subscribe', async () => {
    const url = link(jobId(1));
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [url], text: `is this stuck? <${url}>` });
    expect(shared.skipped).toBeUndefined();
    const ts = shared.message?.ts as string;
    const unfurls = await waitFor(() => h.slack.unfurlsOf('C_DATA_JOBS', ts), 'the unfurl');
    expect(Object.keys(unfurls)).toEqual([url]);
    expect(checkUnfurls(unfurls)).toBeNull();
    const seen = visibleText(unfurls[url] as { blocks: unknown[] });
    expect(seen).toContain('Linked job 1');
    expect(seen).toContain('Running');
    expect(seen).toMatch(/1 done .*1 failed .*1 processing/);
    expect(seen).toContain('1 failed file');
    expect(JSON.stringify(unfurls)).toContain(UNFURL_ACTIONS.refresh);
    expect(JSON.stringify(unfurls)).toContain(ACTIONS.subscribe);
    expect(h.sim.requestCount()).toBe(1);
  });

  it('answers a message with 8 job links in one chat.unfurl, reading at most 5 jobs', async () => {
    const urls = Array.from({ length: 8 }, (_, i) => link(jobId(i + 1)));
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls });
    const ts = shared.message?.ts as string;
    await handled(ts);
    const calls = h.slack.callsTo('chat.unfurl');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.response).toMatchObject({ ok: true });
    expect(Object.keys(h.slack.unfurlsOf('C_DATA_JOBS', ts) ?? {})).toEqual(urls.slice(0, 5));
    expect(h.sim.requestCount()).toBe(5);
  });

  it('unfurls a job SeekrFlow does not know to nothing: no error card', async () => {
    const known = link(jobId(2));
    const unknown = link('dj-00000000-0000-4000-8000-00000000dead');
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [unknown, known] });
    const unfurls = await waitFor(() => h.slack.unfurlsOf('C_DATA_JOBS', shared.message?.ts as string), 'the unfurl');
    expect(Object.keys(unfurls)).toEqual([known]);

    h.slack.reset();
    const logged = h.logs.length;
    const alone = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [unknown] });
    await handled(alone.message?.ts);
    expect(h.logs.slice(logged).some((l) => l.includes('link not unfurled') && l.includes('not_found'))).toBe(true);
    expect(h.slack.callsTo('chat.unfurl')).toEqual([]);
  });

  it.each([
    { who: 'a guest', user: 'U_GUEST', channel: 'C_DATA_JOBS', reason: 'guest' },
    { who: 'someone of another organisation', user: 'U_STRANGER', channel: 'C_DATA_JOBS', reason: 'other_organisation' },
    { who: 'a member, in a channel shared with another organisation', user: USER.id, channel: 'C_SHARED', reason: 'shared_channel' },
    {
      who: 'a member, in a direct message with someone of another organisation (the bot is not in it)',
      user: USER.id,
      channel: 'D_WITH_PARTNER',
      reason: 'unseen_conversation',
    },
    {
      who: 'a member, in a private Slack Connect channel the bot is not in',
      user: USER.id,
      channel: 'C_CONNECT_PRIVATE',
      reason: 'unseen_conversation',
    },
    {
      who: 'a member, in a direct message between colleagues (the bot cannot see who is there)',
      user: USER.id,
      channel: 'D_COLLEAGUES',
      reason: 'unseen_conversation',
    },
    {
      who: 'a member, in a group DM with the bot and someone of another organisation',
      user: USER.id,
      channel: 'G_MIXED',
      reason: 'shared_channel',
    },
  ])('leaves the links of $who plain, and asks SeekrFlow nothing', async ({ user, channel, reason }) => {
    const logged = h.logs.length;
    const shared = await h.slack.shareLinks({ channel, user, urls: [link(jobId(3)), link(jobId(4))] });
    expect(shared.skipped).toBeUndefined();
    await handled(shared.message?.ts);
    await refusalLogged(user, reason, logged);
    expect(h.slack.callsTo('chat.unfurl')).toEqual([]);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('unfurls in a group DM of colleagues with the bot, and in a public channel of ours the bot is not in', async () => {
    for (const channel of ['G_COLLEAGUES', 'C_RANDOM']) {
      const url = link(jobId(7));
      const shared = await h.slack.shareLinks({ channel, urls: [url] });
      const unfurls = await waitFor(() => h.slack.unfurlsOf(channel, shared.message?.ts as string), `the unfurl in ${channel}`);
      expect(Object.keys(unfurls)).toEqual([url]);
    }
  });

  it('attaches nothing when Slack cannot say where the link was posted (rate limited): a refusal, never a guess', async () => {
    h.slack.addUser({ id: 'U_DORA', name: 'dora' });
    h.slack.addChannel({ id: 'C_FRESH', name: 'fresh', botIsMember: true });
    h.slack.rateLimit('conversations.info', 1, { times: 5 });
    const logged = h.logs.length;
    const shared = await h.slack.shareLinks({ channel: 'C_FRESH', user: 'U_DORA', urls: [link(jobId(8))] });
    await handled(shared.message?.ts);
    await refusalLogged('U_DORA', 'cannot_check', logged);
    expect(h.slack.callsTo('chat.unfurl')).toEqual([]);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('leaves links that hold no job alone: no access check, no request, no call', async () => {
    // Someone the bot has never looked up: an access check would cost a users.info.
    h.slack.addUser({ id: 'U_CAROL', name: 'carol' });
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', user: 'U_CAROL', urls: ['https://apps.seekr.com/pricing'] });
    expect(shared.delivery).toBeDefined();
    await handled(shared.message?.ts);
    expect(h.slack.callsTo('chat.unfurl')).toEqual([]);
    expect(h.slack.callsTo('users.info')).toEqual([]);
    expect(h.sim.requestCount()).toBe(0);
  });

  it('Refresh re-reads the job and replaces the card under the link, saying who refreshed it', async () => {
    const url = link(jobId(5));
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [url] });
    const at = { channel: 'C_DATA_JOBS', ts: shared.message?.ts as string, url };
    await waitFor(() => h.slack.unfurlsOf(at.channel, at.ts), 'the first unfurl');
    h.sim.updateJob(jobId(5), (job) => {
      job.status = 'needs_review';
    });
    h.slack.addUser({ id: 'U_BOB', name: 'bob' });
    await clickInUnfurl(at, UNFURL_ACTIONS.refresh, 'U_BOB');
    const refreshed = await waitFor(() => {
      const text = visibleText(h.slack.unfurlsOf(at.channel, at.ts)?.[url] as { blocks: unknown[] });
      return text.includes('Needs review') ? text : undefined;
    }, 'the refreshed unfurl');
    expect(refreshed).toContain('refreshed by <@U_BOB>');
    expect(h.slack.callsTo('chat.unfurl')).toHaveLength(2);
    expect(checkUnfurls(h.slack.unfurlsOf(at.channel, at.ts))).toBeNull();
  });

  it('Subscribe this channel, from the card under a link, posts the living card', async () => {
    const url = link(jobId(6));
    const shared = await h.slack.shareLinks({ channel: 'C_DATA_JOBS', urls: [url] });
    const at = { channel: 'C_DATA_JOBS', ts: shared.message?.ts as string, url };
    await waitFor(() => h.slack.unfurlsOf(at.channel, at.ts), 'the unfurl');
    await clickInUnfurl(at, ACTIONS.subscribe);
    const card = await waitFor(
      () => h.slack.topLevel('C_DATA_JOBS').find((m) => m.user === h.slack.botUserId && /Linked job 6/.test(visibleText(m))),
      'the living card',
    );
    expect(visibleText(card)).toContain('Live: updated automatically');
    await waitFor(() => h.slack.responsesAll().find((r) => /Subscribed/.test(visibleText(r.body as object))), 'the answer to the clicker');
  });
});
