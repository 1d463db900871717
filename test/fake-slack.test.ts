import { App, HTTPReceiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { type Logger, LogLevel, retryPolicies, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { blocksTextLength, checkHomeView, checkMessage, checkUnfurls, checkView } from './support/block-kit-rules.js';
import { DEFAULT_RATE_LIMITS, FakeClock, type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { clickButton, selectOverflowOption, sendBlockActions, sendSlashCommand, signSlackRequest } from './support/slack-requests.js';

/** The clients log Slack's [ERROR] details on purpose; the assertions check them instead. */
const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

const webClient = (fake: FakeSlack, extra: ConstructorParameters<typeof WebClient>[1] = {}) =>
  new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy, logger: silent, ...extra });

/** The error code and details a WebClient call failed with. */
async function slackError(call: Promise<unknown>): Promise<{ error?: string; errors?: string[]; code?: string }> {
  try {
    await call;
  } catch (e) {
    const err = e as { code?: string; data?: { error?: string; errors?: string[] } };
    return { code: err.code, error: err.data?.error, errors: err.data?.errors };
  }
  throw new Error('expected the call to fail');
}

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section' as const,
  text: { type: 'mrkdwn' as const, text },
  ...extra,
});
const plain = (text: string) => ({ type: 'plain_text' as const, text });
const button = (actionId: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: actionId,
  text: plain('Go'),
  ...extra,
});
const actions = (...elements: unknown[]) => ({ type: 'actions', elements });
const option = (value: string) => ({ text: plain(value), value });
const confirm = { title: plain('Sure?'), text: plain('Really.'), confirm: plain('Yes'), deny: plain('No') };

let fake: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = webClient(fake);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe('Web API basics', () => {
  it('answers auth.test with the bot identity, on 127.0.0.1', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: fake.botUserId, bot_id: fake.botId, team_id: fake.teamId });
  });

  it('rejects missing, wrong, revoked and wrong-type tokens like Slack', async () => {
    expect((await slackError(new WebClient(undefined, { slackApiUrl: fake.apiUrl, logger: silent }).auth.test())).error).toBe('not_authed');
    expect((await slackError(new WebClient('xoxb-nope', { slackApiUrl: fake.apiUrl, logger: silent }).auth.test())).error).toBe(
      'invalid_auth',
    );
    expect((await slackError(new WebClient(fake.appToken, { slackApiUrl: fake.apiUrl, logger: silent }).auth.test())).error).toBe(
      'not_allowed_token_type',
    );
    fake.setTokenState('token_revoked');
    expect((await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: 'hi' }))).error).toBe('token_revoked');
    fake.setTokenState('account_inactive');
    expect((await slackError(client.auth.test())).error).toBe('account_inactive');
    fake.setTokenState('ok');
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('answers unknown_method for methods it does not know', async () => {
    expect((await slackError(client.apiCall('chat.frobnicate', {}))).error).toBe('unknown_method');
  });

  it('accepts JSON bodies with the token in the Authorization header only', async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${fake.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    const ok = await post({ authorization: `Bearer ${fake.botToken}` }, { channel: 'C_GENERAL', text: 'json', blocks: [section('json')] });
    expect(ok).toMatchObject({ ok: true, channel: 'C_GENERAL' });
    expect(fake.topLevel('C_GENERAL')[0]?.blocks).toHaveLength(1);
    expect(await post({}, { token: fake.botToken, channel: 'C_GENERAL', text: 'json' })).toMatchObject({ ok: false, error: 'not_authed' });
  });

  it('records every call with parsed arguments and the answer, without the token', async () => {
    await client.chat.postMessage({ channel: 'C_GENERAL', text: 'hi', blocks: [section('hi')] });
    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.args).toMatchObject({ channel: 'C_GENERAL', text: 'hi', blocks: [section('hi')] });
    expect(call?.args).not.toHaveProperty('token');
    expect(call?.response).toMatchObject({ ok: true });
    expect(call?.status).toBe(200);
  });
});

describe('messages, threads and updates', () => {
  it('shows a button’s confirm dialog before a click: confirmed, the click is sent; denied, nothing is', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C_GENERAL',
      text: 'act',
      blocks: [actions(button('danger', { value: 'v', style: 'danger', confirm: { ...confirm, style: 'danger' } }), button('plain'))],
    });
    const at = { channel: 'C_GENERAL', ts: posted.ts as string };
    expect(clickButton(fake, { ...at, actionId: 'danger', answer: 'deny' })).toBeNull();
    expect(clickButton(fake, { ...at, actionId: 'danger' })).toMatchObject({ actions: [{ action_id: 'danger', value: 'v' }] });
    clickButton(fake, { ...at, actionId: 'plain' });
    expect(fake.dialogs).toEqual([
      { user: 'U_ALICE', actionId: 'danger', dialog: { ...confirm, style: 'danger' }, answer: 'deny' },
      { user: 'U_ALICE', actionId: 'danger', dialog: { ...confirm, style: 'danger' }, answer: 'confirm' },
    ]);
    // A confirm over Block Kit's limits never reaches a channel.
    const tooLong = { ...confirm, confirm: plain('c'.repeat(31)) };
    expect(
      (await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: 't', blocks: [actions(button('x', { confirm: tooLong }))] })))
        .error,
    ).toBe('invalid_blocks');
  });

  it('stores posts with unique increasing Slack timestamps', async () => {
    const a = await client.chat.postMessage({ channel: 'C_GENERAL', text: 'one' });
    const b = await client.chat.postMessage({ channel: '#general', text: 'two' });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(b.channel).toBe('C_GENERAL');
    expect(fake.messages('C_GENERAL').map((m) => m.text)).toEqual(['one', 'two']);
    expect(a.message).toMatchObject({ type: 'message', text: 'one', user: fake.botUserId, bot_id: fake.botId });
  });

  it('keeps threads, broadcasts and metadata, and fills in block ids as Slack does', async () => {
    const parent = await client.chat.postMessage({
      channel: 'C_DATA_JOBS',
      text: 'card',
      blocks: [section('card'), actions(button('refresh'))],
      metadata: { event_type: 'datajob_card', event_payload: { job: 'dj-1' } },
    });
    const ts = parent.ts as string;
    const quiet = await client.chat.postMessage({ channel: 'C_DATA_JOBS', thread_ts: ts, text: 'status changed' });
    await client.chat.postMessage({ channel: 'C_DATA_JOBS', thread_ts: ts, text: 'failed!', reply_broadcast: true });
    // A reply to a reply lands in the parent's thread.
    await client.chat.postMessage({ channel: 'C_DATA_JOBS', thread_ts: quiet.ts as string, text: 'nested' });

    expect(fake.topLevel('C_DATA_JOBS').map((m) => m.text)).toEqual(['card']);
    const thread = fake.thread('C_DATA_JOBS', ts);
    expect(thread.map((m) => [m.text, m.reply_broadcast ?? false, m.thread_ts])).toEqual([
      ['status changed', false, ts],
      ['failed!', true, ts],
      ['nested', false, ts],
    ]);
    const card = fake.message('C_DATA_JOBS', ts);
    expect(card).toMatchObject({ reply_count: 3, metadata: { event_type: 'datajob_card', event_payload: { job: 'dj-1' } } });
    expect(card?.blocks?.every((b) => typeof (b as { block_id?: unknown }).block_id === 'string')).toBe(true);

    expect((await slackError(client.chat.postMessage({ channel: 'C_DATA_JOBS', thread_ts: '1.000001', text: 'x' }))).error).toBe(
      'thread_not_found',
    );
  });

  it('updates a message in place: new text and blocks, omitted blocks kept, [] removes them', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C_GENERAL', text: 'v1', blocks: [section('v1')] });
    const res = await client.chat.update({ channel: 'C_GENERAL', ts: ts as string, text: 'v2', blocks: [section('v2')] });
    expect(res).toMatchObject({ ok: true, ts, text: 'v2' });
    expect(fake.message('C_GENERAL', ts as string)).toMatchObject({
      text: 'v2',
      blocks: [section('v2')],
      edited: { user: fake.botUserId },
    });
    await client.chat.update({ channel: 'C_GENERAL', ts: ts as string, text: 'v3' });
    expect(fake.message('C_GENERAL', ts as string)?.blocks).toMatchObject([section('v2')]);
    await client.chat.update({ channel: 'C_GENERAL', ts: ts as string, text: 'v4', blocks: [] });
    expect(fake.message('C_GENERAL', ts as string)?.blocks).toBeUndefined();
    expect(fake.topLevel('C_GENERAL')).toHaveLength(1);
  });

  it('refuses updates Slack refuses', async () => {
    const human = fake.addUserMessage('C_GENERAL', { user: 'U_BOB', text: 'hello' });
    const update = (ts: string) => client.chat.update({ channel: 'C_GENERAL', ts, text: 'x' });
    expect((await slackError(update('1700000000.000001'))).error).toBe('message_not_found');
    expect((await slackError(update(human.ts))).error).toBe('cant_update_message');
    const { ts } = await client.chat.postMessage({ channel: 'C_GENERAL', text: 'mine' });
    fake.failNext('chat.update', 'cant_update_message');
    expect((await slackError(update(ts as string))).error).toBe('cant_update_message');
    await expect(update(ts as string)).resolves.toMatchObject({ ok: true });
    const eph = await client.chat.postEphemeral({ channel: 'C_GENERAL', user: 'U_ALICE', text: 'only you' });
    expect((await slackError(update(eph.message_ts as string))).error).toBe('message_not_found');
    expect(fake.ephemerals({ user: 'U_ALICE' }).map((e) => e.text)).toEqual(['only you']);
  });

  it('deletes the bot’s messages only', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C_GENERAL', text: 'bye' });
    await client.chat.delete({ channel: 'C_GENERAL', ts: ts as string });
    expect(fake.messages('C_GENERAL')).toEqual([]);
    const human = fake.addUserMessage('C_GENERAL', { user: 'U_BOB', text: 'mine' });
    expect((await slackError(client.chat.delete({ channel: 'C_GENERAL', ts: human.ts }))).error).toBe('cant_delete_message');
  });
});

describe('channels', () => {
  const post = (channel: string) => client.chat.postMessage({ channel, text: 'hello' });

  it('posts where Slack lets the bot post and refuses elsewhere', async () => {
    await expect(post('C_RANDOM')).resolves.toMatchObject({ ok: true }); // public, not a member: chat:write.public
    await expect(post('C_PRIVATE')).resolves.toMatchObject({ ok: true });
    expect((await slackError(post('C_SECRET'))).error).toBe('channel_not_found');
    expect((await slackError(post('C_NOPE'))).error).toBe('channel_not_found');
    expect((await slackError(post('C_ARCHIVED'))).error).toBe('is_archived');
    fake.addChannel({ id: 'C_NEW', name: 'new', isPrivate: true, botIsMember: false });
    expect((await slackError(post('C_NEW'))).error).toBe('channel_not_found');
    fake.addChannel({ id: 'C_NEW', botIsMember: true });
    await expect(post('C_NEW')).resolves.toMatchObject({ ok: true });
  });

  it('answers not_in_channel on demand, or without chat:write.public', async () => {
    fake.failNext('chat.postMessage', 'not_in_channel', { channel: 'C_RANDOM' });
    await expect(post('C_GENERAL')).resolves.toMatchObject({ ok: true });
    expect((await slackError(post('C_RANDOM'))).error).toBe('not_in_channel');
    await expect(post('C_RANDOM')).resolves.toMatchObject({ ok: true });

    const strict = await startFakeSlack({ scopes: ['commands', 'chat:write'] });
    try {
      expect((await slackError(webClient(strict).chat.postMessage({ channel: 'C_RANDOM', text: 'x' }))).error).toBe('not_in_channel');
      expect((await slackError(webClient(strict).conversations.open({ users: 'U_ALICE' }))).error).toBe('missing_scope');
    } finally {
      await strict.close();
    }
  });

  it('opens a DM with a user and posts there', async () => {
    const opened = await client.conversations.open({ users: 'U_ALICE' });
    const id = opened.channel?.id as string;
    expect(id).toMatch(/^D/);
    await client.chat.postMessage({ channel: id, text: 'your subscription was paused' });
    expect(fake.messages(id).map((m) => m.text)).toEqual(['your subscription was paused']);
    expect(await client.conversations.open({ users: 'U_ALICE' })).toMatchObject({ already_open: true, channel: { id } });
    expect((await slackError(client.conversations.open({ users: fake.botUserId }))).error).toBe('cannot_dm_bot');
  });

  it('needs a read scope for conversations.info, which the manifest does not grant', async () => {
    const res = await slackError(client.conversations.info({ channel: 'C_GENERAL' }));
    expect(res.error).toBe('missing_scope');
    const reader = await startFakeSlack({ scopes: ['chat:write', 'channels:read', 'groups:read'] });
    try {
      const info = await webClient(reader).conversations.info({ channel: 'C_RANDOM' });
      expect(info.channel).toMatchObject({ id: 'C_RANDOM', name: 'random', is_member: false, is_private: false });
      expect((await slackError(webClient(reader).conversations.info({ channel: 'C_SECRET' }))).error).toBe('channel_not_found');
    } finally {
      await reader.close();
    }
  });
});

describe('Block Kit limits', () => {
  const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
  const cases: { name: string; blocks: unknown[]; error: string; pointer?: string; message?: string }[] = [
    {
      name: '51 blocks',
      blocks: many(51, () => ({ type: 'divider' })),
      error: 'invalid_blocks',
      pointer: '/blocks',
      message: 'must be less than 51 items',
    },
    { name: 'section text over 3,000', blocks: [section('x'.repeat(3001))], error: 'invalid_blocks', pointer: '/blocks/0/text/text' },
    { name: 'empty section text', blocks: [section('')], error: 'invalid_blocks', pointer: '/blocks/0/text/text' },
    { name: 'section without text or fields', blocks: [{ type: 'section' }], error: 'invalid_blocks', pointer: '/blocks/0' },
    {
      name: '11 fields',
      blocks: [{ type: 'section', fields: many(11, (i) => plain(`f${i}`)) }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/fields',
    },
    {
      name: 'field over 2,000',
      blocks: [{ type: 'section', fields: [plain('y'.repeat(2001))] }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/fields/0/text',
    },
    {
      name: 'header in mrkdwn',
      blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/text/type',
    },
    {
      name: 'header over 150',
      blocks: [{ type: 'header', text: plain('h'.repeat(151)) }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/text/text',
    },
    {
      name: 'block_id over 255',
      blocks: [section('a', { block_id: 'b'.repeat(256) })],
      error: 'invalid_blocks',
      pointer: '/blocks/0/block_id',
    },
    {
      name: 'duplicate block_id',
      blocks: [section('a', { block_id: 'same' }), section('b', { block_id: 'same' })],
      error: 'invalid_blocks',
      pointer: '/blocks/1/block_id',
    },
    {
      name: 'context with 11 elements',
      blocks: [{ type: 'context', elements: many(11, () => plain('c')) }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements',
    },
    { name: 'empty context', blocks: [{ type: 'context', elements: [] }], error: 'invalid_blocks', pointer: '/blocks/0/elements' },
    {
      name: 'actions with 26 elements',
      blocks: [actions(...many(26, (i) => button(`b${i}`)))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements',
    },
    {
      name: 'duplicate action_id',
      blocks: [actions(button('a'), button('a'))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/1/action_id',
    },
    {
      name: 'action_id over 255',
      blocks: [actions(button('a'.repeat(256)))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/action_id',
    },
    {
      name: 'button text over 75',
      blocks: [actions(button('a', { text: plain('t'.repeat(76)) }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/text/text',
    },
    {
      name: 'button text in mrkdwn',
      blocks: [actions(button('a', { text: { type: 'mrkdwn', text: '*go*' } }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/text/type',
    },
    {
      name: 'button value over 2,000',
      blocks: [actions(button('a', { value: 'v'.repeat(2001) }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/value',
    },
    {
      name: 'relative button url',
      blocks: [actions(button('a', { url: '/jobs/dj-1' }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/url',
    },
    {
      name: 'button url over 3,000',
      blocks: [actions(button('a', { url: `https://x.io/${'u'.repeat(3000)}` }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/url',
    },
    {
      name: 'button style secondary',
      blocks: [actions(button('a', { style: 'secondary' }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/style',
    },
    {
      name: 'confirm without deny',
      blocks: [actions(button('a', { confirm: { title: plain('t'), text: plain('t'), confirm: plain('y') } }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/confirm',
      message: 'missing required field: deny',
    },
    {
      name: 'confirm title over 100',
      blocks: [actions(button('a', { confirm: { ...confirm, title: plain('t'.repeat(101)) } }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/confirm/title/text',
    },
    {
      name: 'confirm text over 300',
      blocks: [actions(button('a', { confirm: { ...confirm, text: plain('t'.repeat(301)) } }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/confirm/text/text',
    },
    {
      name: 'confirm button over 30',
      blocks: [actions(button('a', { confirm: { ...confirm, deny: plain('d'.repeat(31)) } }))],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/confirm/deny/text',
    },
    {
      name: 'overflow with 6 options',
      blocks: [actions({ type: 'overflow', action_id: 'o', options: many(6, (i) => option(`o${i}`)) })],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/options',
    },
    {
      name: 'option value over 150',
      blocks: [actions({ type: 'overflow', action_id: 'o', options: [option('v'.repeat(151))] })],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/options/0/value',
    },
    {
      name: 'option text over 75',
      blocks: [actions({ type: 'overflow', action_id: 'o', options: [{ text: plain('t'.repeat(76)), value: 'v' }] })],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/options/0/text/text',
    },
    {
      name: 'unknown block property',
      blocks: [section('a', { colour: 'red' })],
      error: 'invalid_blocks',
      pointer: '/blocks/0',
      message: 'invalid additional property: colour',
    },
    {
      name: 'emoji on mrkdwn',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a', emoji: true } }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/text',
      message: 'invalid additional property: emoji',
    },
    {
      name: 'verbatim on plain_text',
      blocks: [{ type: 'section', text: { type: 'plain_text', text: 'a', verbatim: true } }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/text',
      message: 'invalid additional property: verbatim',
    },
    {
      name: 'unknown text type',
      blocks: [{ type: 'section', text: { type: 'markdown', text: 'a' } }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/text/type',
    },
    { name: 'unknown block type', blocks: [{ type: 'table' }], error: 'invalid_blocks', pointer: '/blocks/0/type' },
    {
      name: 'context element over 3,000',
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'c'.repeat(3001) }] }],
      error: 'invalid_blocks',
      pointer: '/blocks/0/elements/0/text',
    },
    {
      name: 'over 11,000 characters of block text',
      blocks: many(4, () => section('z'.repeat(3000))),
      error: 'msg_blocks_too_long',
    },
  ];

  it.each(cases)('rejects $name', async ({ blocks, error, pointer, message }) => {
    const res = await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: 'fallback', blocks: blocks as never }));
    expect(res.error).toBe(error);
    if (pointer) expect(res.errors?.some((e) => e.endsWith(`[json-pointer:${pointer}]`) && (!message || e.startsWith(message)))).toBe(true);
    expect(fake.messages('C_GENERAL')).toEqual([]);
  });

  it('reports the full Slack-style error string', () => {
    expect(checkMessage({ text: 't', blocks: [section('x'.repeat(3001))] })).toEqual({
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
  });

  it('counts lengths in code points, not UTF-16 units', async () => {
    const emoji = '😀'.repeat(3000); // 6,000 UTF-16 units
    await expect(client.chat.postMessage({ channel: 'C_GENERAL', text: 'ok', blocks: [section(emoji)] })).resolves.toMatchObject({
      ok: true,
    });
    expect(blocksTextLength([section(emoji)])).toBe(3000);
  });

  it('accepts a rich, valid card', async () => {
    const blocks = [
      { type: 'header', text: { ...plain('Job dj-1 :white_check_mark:'), emoji: true } },
      section('*Status* done', {
        accessory: { type: 'overflow', action_id: 'more', options: [option('a'), { ...option('b'), url: 'https://x.io' }] },
      }),
      { type: 'section', fields: many(10, (i) => ({ type: 'mrkdwn', text: `f${i}`, verbatim: false })) },
      { type: 'divider' },
      {
        type: 'context',
        elements: [
          { type: 'image', image_url: 'https://x.io/i.png', alt_text: 'icon' },
          { type: 'mrkdwn', text: 'fetched' },
        ],
      },
      actions(
        button('refresh', { style: 'primary', value: 'dj-1', confirm: { ...confirm, style: 'danger' } }),
        button('open', { url: 'https://flow.seekr.com/jobs/dj-1' }),
      ),
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_list',
            style: 'bullet',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'a.pdf', style: { code: true } }] }],
          },
        ],
      },
    ];
    await expect(client.chat.postMessage({ channel: 'C_GENERAL', text: 'Job dj-1: done', blocks })).resolves.toMatchObject({ ok: true });
  });

  it('answers msg_too_long, no_text and invalid_blocks_format', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: 'x'.repeat(40_001) }))).error).toBe('msg_too_long');
    expect((await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: '' }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: '', blocks: [] }))).error).toBe('no_text');
    // A form body whose blocks are not JSON: what a hand-built request could send.
    expect((await slackError(client.apiCall('chat.postMessage', { channel: 'C_GENERAL', text: 'x', blocks: '[{"type":' }))).error).toBe(
      'invalid_blocks_format',
    );
    expect(
      (await slackError(client.apiCall('chat.postMessage', { channel: 'C_GENERAL', text: 'x', blocks: '{"type":"divider"}' }))).error,
    ).toBe('invalid_blocks_format');
  });

  it('validates chat.update the same way', async () => {
    const { ts } = await client.chat.postMessage({ channel: 'C_GENERAL', text: 'v1' });
    const res = await slackError(
      client.chat.update({
        channel: 'C_GENERAL',
        ts: ts as string,
        text: 'v2',
        blocks: [{ type: 'header', text: plain('h'.repeat(151)) }],
      }),
    );
    expect(res.errors).toEqual(['must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
    expect(fake.message('C_GENERAL', ts as string)?.text).toBe('v1');
  });

  const modal = (extra: Record<string, unknown> = {}) => ({
    type: 'modal',
    title: plain('Failed files'),
    blocks: [section('a')],
    ...extra,
  });
  it.each([
    { name: 'title over 24', view: modal({ title: plain('t'.repeat(25)) }), pointer: '/view/title/text' },
    { name: 'submit over 24', view: modal({ submit: plain('s'.repeat(25)) }), pointer: '/view/submit/text' },
    { name: 'close over 24', view: modal({ close: plain('c'.repeat(25)) }), pointer: '/view/close/text' },
    { name: 'private_metadata over 3,000', view: modal({ private_metadata: 'm'.repeat(3001) }), pointer: '/view/private_metadata' },
    { name: 'callback_id over 255', view: modal({ callback_id: 'c'.repeat(256) }), pointer: '/view/callback_id' },
    { name: '101 blocks', view: modal({ blocks: many(101, () => ({ type: 'divider' })) }), pointer: '/view/blocks' },
    { name: 'a home tab', view: modal({ type: 'home' }), pointer: '/view/type' },
    { name: 'unknown property', view: modal({ size: 'large' }), pointer: '/view' },
  ])('rejects a modal with $name', ({ view, pointer }) => {
    const res = checkView(view);
    expect(res?.error).toBe('invalid_arguments');
    expect(res?.errors?.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
  });

  it('accepts 100 blocks in a modal but 50 in a message', () => {
    const blocks = many(100, () => ({ type: 'divider' }));
    expect(checkView(modal({ blocks }))).toBeNull();
    expect(checkMessage({ text: 't', blocks })?.error).toBe('invalid_blocks');
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After, which the WebClient honours before retrying', async () => {
    fake.rateLimit('chat.postMessage', 1);
    const started = Date.now();
    await expect(client.chat.postMessage({ channel: 'C_GENERAL', text: 'patient' })).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.callsTo('chat.postMessage').map((c) => [c.status, c.response.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
    expect(fake.messages('C_GENERAL')).toHaveLength(1);
  });

  it('lets a client that rejects rate-limited calls see retryAfter', async () => {
    fake.rateLimit('chat.update', 7);
    const impatient = webClient(fake, { rejectRateLimitedCalls: true });
    const err = (await impatient.chat.update({ channel: 'C_GENERAL', ts: '1.1', text: 'x' }).catch((e: unknown) => e)) as {
      code?: string;
      retryAfter?: number;
    };
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(7);
  });

  it('forgets the faults injected for one method when told, and only that method’s', async () => {
    fake.rateLimit('chat.update', 7, { times: 100 });
    fake.failNext('chat.update', 'internal_error', { times: 100 });
    fake.failNext('chat.postMessage', 'internal_error');
    const impatient = webClient(fake, { rejectRateLimitedCalls: true });
    await expect(impatient.chat.update({ channel: 'C_GENERAL', ts: '1.1', text: 'x' })).rejects.toMatchObject({ retryAfter: 7 });
    fake.clearFaults('chat.update');
    await expect(impatient.chat.update({ channel: 'C_GENERAL', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    await expect(impatient.chat.postMessage({ channel: 'C_GENERAL', text: 'x' })).rejects.toMatchObject({
      data: { error: 'internal_error' },
    });
  });

  it('enforces ~1 post per second per channel with a short burst, and chat.update ~50 a minute', async () => {
    const limited = await startFakeSlack({ enforceRateLimits: true });
    // Only `advance` refills the buckets: ten updates taking 200 ms on a busy machine refilled one too early.
    limited.clock.freeze();
    try {
      const impatient = webClient(limited, { rejectRateLimitedCalls: true });
      const post = (channel: string) => impatient.chat.postMessage({ channel, text: 'x' });
      for (let i = 0; i < 2; i++) await post('C_GENERAL');
      await expect(post('C_GENERAL')).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
      await expect(post('C_DATA_JOBS')).resolves.toMatchObject({ ok: true }); // another channel has its own budget
      limited.clock.advance(1000);
      await expect(post('C_GENERAL')).resolves.toMatchObject({ ok: true });

      const { ts } = await post('C_RANDOM');
      const update = () => impatient.chat.update({ channel: 'C_RANDOM', ts: ts as string, text: 'y' });
      for (let i = 0; i < 10; i++) await update();
      await expect(update()).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
      limited.clock.advance(1200);
      await expect(update()).resolves.toMatchObject({ ok: true });
    } finally {
      await limited.close();
    }
  });

  it('fails the next calls on demand, optionally only for one channel', async () => {
    fake.failNext('chat.postMessage', 'channel_not_found', { times: 2 });
    for (let i = 0; i < 2; i++)
      expect((await slackError(client.chat.postMessage({ channel: 'C_GENERAL', text: 'x' }))).error).toBe('channel_not_found');
    await expect(client.chat.postMessage({ channel: 'C_GENERAL', text: 'x' })).resolves.toMatchObject({ ok: true });
  });
});

describe('response_url', () => {
  /** What Bolt's respond() does: POST JSON, throw on non-2xx. */
  const respond = (url: string, body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
    }));

  it('posts ephemeral by default, in the channel on request, and replaces the last ephemeral', async () => {
    const url = fake.responseUrl({ channel: 'C_DATA_JOBS', user: 'U_ALICE' });
    expect(url.startsWith(`${fake.url}/response/`)).toBe(true);
    expect(await respond(url, { text: 'Fetching dj-1…' })).toEqual({ status: 200, text: 'ok' });
    expect(fake.ephemerals({ channel: 'C_DATA_JOBS', user: 'U_ALICE' }).map((e) => e.text)).toEqual(['Fetching dj-1…']);
    expect(fake.messages('C_DATA_JOBS')).toEqual([]);

    await respond(url, { replace_original: true, text: 'dj-1 is running', blocks: [section('running')] });
    const [eph] = fake.ephemerals({ channel: 'C_DATA_JOBS' });
    expect(eph).toMatchObject({ text: 'dj-1 is running', replaced: 1 });

    await respond(url, { response_type: 'in_channel', text: 'shared card' });
    expect(fake.topLevel('C_DATA_JOBS').map((m) => m.text)).toEqual(['shared card']);
    expect(fake.responses(url).map((r) => r.effect)).toEqual(['ephemeral', 'replaced', 'in_channel']);
  });

  it('replaces or deletes the channel message a button was clicked on', async () => {
    const { ts } = await client.chat.postMessage({
      channel: 'C_GENERAL',
      text: 'card',
      blocks: [section('card'), actions(button('refresh', { value: 'dj-1' }))],
    });
    const click = clickButton(fake, { channel: 'C_GENERAL', ts: ts as string, actionId: 'refresh' });
    const v2 = [section('card v2'), actions(button('refresh', { value: 'dj-1' }))];
    await respond(click.response_url as string, { replace_original: true, text: 'card v2', blocks: v2 });
    expect(fake.message('C_GENERAL', ts as string)).toMatchObject({ text: 'card v2', blocks: v2 });

    const again = clickButton(fake, { channel: 'C_GENERAL', ts: ts as string, actionId: 'refresh' }).response_url as string;
    expect(again).not.toBe(click.response_url);
    await respond(again, { delete_original: true });
    expect(fake.message('C_GENERAL', ts as string)).toBeUndefined();
  });

  it('allows five uses, then answers 404 used_url; expires after 30 minutes', async () => {
    const url = fake.responseUrl();
    for (let i = 0; i < 5; i++) expect((await respond(url, { text: `#${i}` })).status).toBe(200);
    const sixth = await respond(url, { text: '#6' });
    expect(sixth.status).toBe(404);
    expect(JSON.parse(sixth.text)).toMatchObject({ ok: false, error: 'used_url' });

    const late = fake.responseUrl();
    fake.clock.advance(30 * 60_000 + 1);
    const expired = await respond(late, { text: 'too late' });
    expect([expired.status, JSON.parse(expired.text).error]).toEqual([404, 'expired_url']);
  });

  it('rejects what chat.postMessage would reject, without using up the URL', async () => {
    const url = fake.responseUrl();
    const bad = await respond(url, { text: 'x', blocks: [section('x'.repeat(3001))] });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
    expect((await respond(url, {})).status).toBe(400);
    expect(fake.ephemerals()).toEqual([]);
    expect(fake.responses(url).map((r) => r.effect)).toEqual(['rejected', 'rejected']);
  });

  it('lets a test click a button on the ephemeral message a response_url posted', async () => {
    const url = fake.responseUrl({ channel: 'C_GENERAL', user: 'U_ALICE' });
    await respond(url, { text: 'card', blocks: [section('card'), actions(button('refresh', { value: 'dj-1' }))] });
    const click = clickButton(fake, { responseUrl: url, actionId: 'refresh' });
    expect(click).toMatchObject({
      type: 'block_actions',
      user: { id: 'U_ALICE' },
      channel: { id: 'C_GENERAL', name: 'general' },
      container: { type: 'message', channel_id: 'C_GENERAL', is_ephemeral: true },
      actions: [{ action_id: 'refresh', value: 'dj-1', type: 'button' }],
    });
    expect(click).not.toHaveProperty('message');
    await respond(click.response_url as string, { replace_original: true, text: 'refreshed' });
    expect(fake.ephemerals().map((e) => e.text)).toEqual(['refreshed']);
  });
});

describe('views and trigger ids', () => {
  const view = (title = 'Failed files') => ({
    type: 'modal' as const,
    title: plain(title),
    close: plain('Close'),
    blocks: [section('page 1')],
  });

  it('opens a modal with a fresh trigger id, once', async () => {
    const trigger = fake.triggerId('U_ALICE');
    const opened = await client.views.open({ trigger_id: trigger, view: view() });
    const id = opened.view?.id as string;
    expect(fake.view(id)).toMatchObject({ user: 'U_ALICE', open: true, title: plain('Failed files') });
    expect((await slackError(client.views.open({ trigger_id: trigger, view: view() }))).error).toBe('exchanged_trigger_id');
    expect((await slackError(client.views.open({ trigger_id: '1.2.abc', view: view() }))).error).toBe('invalid_trigger_id');
    const stale = fake.triggerId();
    fake.clock.advance(3001);
    expect((await slackError(client.views.open({ trigger_id: stale, view: view() }))).error).toBe('expired_trigger_id');
  });

  it('updates a view by id, checking the hash', async () => {
    const opened = await client.views.open({ trigger_id: fake.triggerId(), view: view() });
    const { id, hash } = opened.view as { id: string; hash: string };
    const updated = await client.views.update({ view_id: id, hash, view: { ...view(), blocks: [section('page 2')] } });
    expect(fake.view(id)?.blocks).toEqual([expect.objectContaining({ text: { type: 'mrkdwn', text: 'page 2' } })]);
    expect(updated.view?.hash).not.toBe(hash);
    expect((await slackError(client.views.update({ view_id: id, hash, view: view() }))).error).toBe('hash_conflict');
    expect((await slackError(client.views.update({ view_id: 'V_NOPE', view: view() }))).error).toBe('not_found');
    const bad = await slackError(client.views.update({ view_id: id, view: view('t'.repeat(25)) }));
    expect(bad.error).toBe('invalid_arguments');
    expect(bad.errors).toEqual(['must be less than 25 characters [json-pointer:/view/title/text]']);
    fake.closeView(id);
    expect((await slackError(client.views.update({ view_id: id, view: view() }))).error).toBe('not_found');
  });

  it('builds block_actions from a button in a modal', async () => {
    const opened = await client.views.open({
      trigger_id: fake.triggerId(),
      view: { ...view(), blocks: [section('page 1'), actions(button('next_page', { value: '2' }))] },
    });
    const click = clickButton(fake, { viewId: opened.view?.id as string, actionId: 'next_page' });
    expect(click).toMatchObject({
      container: { type: 'view', view_id: opened.view?.id },
      view: { id: opened.view?.id },
      actions: [{ value: '2' }],
    });
    expect(click).not.toHaveProperty('response_url');
    await expect(client.views.update({ view_id: opened.view?.id as string, view: view() })).resolves.toMatchObject({ ok: true });
  });
});

describe('Socket Mode with the real SocketModeClient', () => {
  let sm: SocketModeClient | undefined;
  afterEach(async () => {
    await sm?.disconnect();
    sm = undefined;
  });
  const connect = async (target: FakeSlack, opts: { clientPingTimeout?: number } = {}) => {
    sm = new SocketModeClient({ appToken: target.appToken, logger: silent, clientOptions: { slackApiUrl: target.apiUrl }, ...opts });
    return sm;
  };

  it('connects through apps.connections.open, says hello, and gets acks back', async () => {
    const client = await connect(fake);
    client.on('slash_commands', async ({ ack, body }) => {
      await ack({ text: `looking up ${body.text}` });
    });
    client.on('interactive', async ({ ack }) => {
      await ack();
    });
    await client.start();
    expect(fake.callsTo('apps.connections.open')[0]?.response.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket\?ticket=/);
    expect(fake.socket.connectionCount).toBe(1);

    const ack = await fake.socket.sendSlashCommand({ text: 'dj-1', channelId: 'C_DATA_JOBS' });
    expect(ack.payload).toEqual({ text: 'looking up dj-1' });
    expect(ack.ms).toBeLessThan(3000);
    // Slack shows an ack payload to the user as an ephemeral response.
    expect(fake.ephemerals({ channel: 'C_DATA_JOBS' }).map((e) => [e.text, e.via])).toEqual([['looking up dj-1', 'ack']]);
    expect(fake.socket.envelopes.at(-1)).toMatchObject({
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { command: '/datajob' },
    });

    const { ts } = await webClient(fake).chat.postMessage({
      channel: 'C_GENERAL',
      text: 'card',
      blocks: [actions(button('refresh'), { type: 'overflow', action_id: 'more', options: [option('unsubscribe')] })],
    });
    await expect(
      fake.socket.sendInteraction(clickButton(fake, { channel: 'C_GENERAL', ts: ts as string, actionId: 'refresh' })),
    ).resolves.toMatchObject({
      envelopeId: expect.any(String),
    });
    const overflow = selectOverflowOption(fake, { channel: 'C_GENERAL', ts: ts as string, actionId: 'more', value: 'unsubscribe' });
    expect(overflow.actions[0]).toMatchObject({ type: 'overflow', selected_option: { value: 'unsubscribe' } });
    await fake.socket.sendInteraction(overflow);
    expect(fake.socket.envelopes.at(-1)).toMatchObject({ type: 'interactive', accepts_response_payload: false });
  });

  it('serves a Bolt App in Socket Mode (whose socket client takes installerOptions.clientOptions)', async () => {
    const clientOptions = { slackApiUrl: fake.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy };
    // Bolt hands `clientOptions` to the Web API client only; without installerOptions.clientOptions
    // its SocketModeClient would call apps.connections.open on slack.com.
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logger: silent,
      clientOptions,
      installerOptions: { clientOptions },
    });
    app.command('/datajob', async ({ command, ack, respond }) => {
      await ack();
      await respond({ text: `card for ${command.text}` });
    });
    await app.start();
    try {
      const ack = await fake.socket.sendSlashCommand({ text: 'dj-7' });
      expect(ack.payload).toBeUndefined();
      await vi.waitFor(() => expect(fake.ephemerals().map((e) => [e.text, e.via])).toEqual([['card for dj-7', 'response_url']]));
    } finally {
      await app.stop();
    }
  });

  it('reports an envelope nobody acknowledges', async () => {
    const slow = await startFakeSlack({ ackTimeoutMs: 300 });
    try {
      const client = await connect(slow);
      client.on('slash_commands', () => {
        // Never acks: what the user would see as operation_timeout.
      });
      await client.start();
      await expect(slow.socket.sendSlashCommand({ text: 'dj-1' })).rejects.toThrow(/no ack in 0.3 s/);
      await client.disconnect();
      sm = undefined;
    } finally {
      await slow.close();
    }
  });

  it('refuses a wrong app token and reconnects after a disconnect message', async () => {
    const wrong = new SocketModeClient({ appToken: 'xapp-wrong', logger: silent, clientOptions: { slackApiUrl: fake.apiUrl } });
    await expect(wrong.start()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });

    const client = await connect(fake, { clientPingTimeout: 600 });
    await client.start();
    // Wait for the client's own "connected": disconnecting it mid-reconnect makes socket-mode 3.1
    // leave an unhandled rejection behind.
    const reconnected = new Promise((resolve) => client.once('connected', resolve));
    fake.socket.disconnect('refresh_requested');
    await reconnected;
    expect(fake.callsTo('apps.connections.open')).toHaveLength(3); // the refused one, the first, the reconnect
    expect(fake.socket.connectionCount).toBe(1);
  });
});

describe('signed requests against a real Bolt HTTPReceiver', () => {
  const SECRET = 'fake-signing-secret';
  let app: App;
  let botUrl: string;

  beforeAll(async () => {
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
    app = new App({
      receiver,
      token: fake.botToken,
      logger: silent,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy },
    });
    app.command('/datajob', async ({ command, ack, respond }) => {
      await ack();
      await respond({ text: `you asked for ${command.text}` });
    });
    app.action('refresh', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'refreshed' });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): { port: number } };
    botUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
  });

  it('signs as Slack does', () => {
    // Slack's documented example: secret, timestamp and body give this signature.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('delivers a signed slash command that Bolt accepts and answers through response_url', async () => {
    const responseUrl = fake.responseUrl({ channel: 'C_GENERAL', user: 'U_ALICE' });
    const res = await sendSlashCommand(botUrl, SECRET, { text: 'dj-42', responseUrl }, { fake });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    await vi.waitFor(() => expect(fake.responses(responseUrl).map((r) => r.body)).toEqual([{ text: 'you asked for dj-42' }]));
    expect(fake.callsTo('auth.test').length).toBeGreaterThanOrEqual(1);
  });

  it('rejects a forged or stale request with 401', async () => {
    const responseUrl = fake.responseUrl();
    expect((await sendSlashCommand(botUrl, SECRET, { text: 'x', responseUrl }, { signature: `v0=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await sendSlashCommand(botUrl, 'another-secret', { text: 'x', responseUrl })).status).toBe(401);
    expect(
      (await sendSlashCommand(botUrl, SECRET, { text: 'x', responseUrl }, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status,
    ).toBe(401);
    // A good request behind them is answered at the same response_url: had a refused one been served, it would have been by then.
    expect((await sendSlashCommand(botUrl, SECRET, { text: 'behind', responseUrl }, { fake })).status).toBe(200);
    await vi.waitFor(() => expect(fake.responses(responseUrl)).not.toEqual([]));
    expect(fake.responses(responseUrl).map((r) => r.body)).toEqual([{ text: 'you asked for behind' }]);
  });

  it('delivers a button click whose respond() replaces the clicked message', async () => {
    const { ts } = await client.chat.postMessage({
      channel: 'C_GENERAL',
      text: 'card',
      blocks: [actions(button('refresh', { value: 'dj-1' }))],
    });
    const payload = clickButton(fake, { channel: 'C_GENERAL', ts: ts as string, actionId: 'refresh', user: { id: 'U_BOB', name: 'bob' } });
    expect(payload).toMatchObject({
      channel: { id: 'C_GENERAL' },
      container: { message_ts: ts, is_ephemeral: false },
      message: { ts, text: 'card' },
    });
    const res = await sendBlockActions(botUrl, SECRET, payload);
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(fake.message('C_GENERAL', ts as string)?.text).toBe('refreshed'));
  });
});

describe('people and organisations', () => {
  const READ = [
    'chat:write',
    'im:write',
    'mpim:write',
    'users:read',
    'users:read.email',
    'usergroups:read',
    'channels:read',
    'groups:read',
  ];
  let org: FakeSlack;
  let reader: WebClient;
  beforeAll(async () => {
    org = await startFakeSlack({ scopes: READ, enterpriseId: 'E_FAKE' });
    reader = webClient(org);
  });
  afterAll(async () => {
    await org.close();
  });
  beforeEach(() => {
    org.reset({ channels: true, people: true });
  });

  it('knows U_ALICE and the bot from the start, as members of the fake team and its enterprise', async () => {
    const { user } = await reader.users.info({ user: 'U_ALICE' });
    expect(user).toMatchObject({
      id: 'U_ALICE',
      name: 'alice',
      team_id: 'T_FAKE',
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      deleted: false,
      profile: { email: 'alice@example.com' },
      enterprise_user: { enterprise_id: 'E_FAKE' },
    });
    expect(user).not.toHaveProperty('is_stranger');
    expect((await reader.users.info({ user: org.botUserId })).user).toMatchObject({ is_bot: true, profile: { bot_id: org.botId } });
    expect(await reader.auth.test()).toMatchObject({ enterprise_id: 'E_FAKE', team_id: 'T_FAKE' });
    expect(await client.auth.test()).not.toHaveProperty('enterprise_id');
  });

  it.each([
    { spec: { id: 'U_GUEST', name: 'guest', isRestricted: true }, expected: { is_restricted: true, is_ultra_restricted: false } },
    { spec: { id: 'U_SINGLE', name: 'single', isUltraRestricted: true }, expected: { is_ultra_restricted: true } },
    { spec: { id: 'U_GONE', name: 'gone', deleted: true }, expected: { deleted: true } },
    {
      spec: { id: 'W_GRID', name: 'grid', teamId: 'T_SIBLING' },
      expected: { team_id: 'T_SIBLING', enterprise_user: { enterprise_id: 'E_FAKE' } },
    },
    { spec: { id: 'U_EXT', name: 'ext', isStranger: true }, expected: { is_stranger: true, team_id: 'T_OTHER' } },
    {
      spec: { id: 'U_OTHERORG', name: 'o', teamId: 'T_ACME', enterpriseId: 'E_ACME' },
      expected: { enterprise_user: { enterprise_id: 'E_ACME' } },
    },
  ])('reports $spec.id as users.info does', async ({ spec, expected }) => {
    org.addUser(spec);
    expect((await reader.users.info({ user: spec.id })).user).toMatchObject({ id: spec.id, ...expected });
  });

  it('leaves out what does not apply: a stranger has no enterprise_user nor email', async () => {
    org.addUser({ id: 'U_EXT', name: 'ext', isStranger: true });
    const { user } = await reader.users.info({ user: 'U_EXT' });
    expect(user).not.toHaveProperty('enterprise_user');
    expect(user?.profile).not.toHaveProperty('email');
  });

  it('answers user_not_found, and needs users:read (and users:read.email for the email)', async () => {
    expect((await slackError(reader.users.info({ user: 'U_NOBODY' }))).error).toBe('user_not_found');
    expect((await slackError(client.users.info({ user: 'U_ALICE' }))).error).toBe('missing_scope');
    const noEmail = await startFakeSlack({ scopes: ['users:read'] });
    try {
      const { user } = await webClient(noEmail).users.info({ user: 'U_ALICE' });
      expect(user?.profile).not.toHaveProperty('email');
      const lookup = await slackError(webClient(noEmail).users.lookupByEmail({ email: 'alice@example.com' }));
      expect(lookup.error).toBe('missing_scope');
      expect(noEmail.callsTo('users.lookupByEmail')[0]?.response).toMatchObject({ needed: 'users:read.email' });
    } finally {
      await noEmail.close();
    }
  });

  it('finds members by email, not deactivated users nor strangers', async () => {
    org.addUser({ id: 'U_BOB', name: 'bob', email: 'Bob@Example.com' });
    org.addUser({ id: 'U_GONE', name: 'gone', deleted: true });
    org.addUser({ id: 'U_EXT', name: 'ext', isStranger: true, email: 'ext@acme.example' });
    expect((await reader.users.lookupByEmail({ email: 'bob@example.com' })).user).toMatchObject({ id: 'U_BOB' });
    for (const email of ['nobody@example.com', 'gone@example.com', 'ext@acme.example']) {
      expect((await slackError(reader.users.lookupByEmail({ email }))).error).toBe('users_not_found');
    }
  });

  it.each([
    { spec: {}, flags: { is_shared: false, is_ext_shared: false, is_org_shared: false, is_pending_ext_shared: false } },
    { spec: { isExtShared: true }, flags: { is_shared: true, is_ext_shared: true, is_org_shared: false } },
    { spec: { isOrgShared: true }, flags: { is_shared: true, is_ext_shared: false, is_org_shared: true } },
    { spec: { isPendingExtShared: true }, flags: { is_shared: false, is_pending_ext_shared: true } },
  ])('reports a channel shared as $spec', async ({ spec, flags }) => {
    org.addChannel({ id: 'C_SHARED', name: 'shared', ...spec });
    expect((await reader.conversations.info({ channel: 'C_SHARED' })).channel).toMatchObject(flags);
  });

  it('lists a user group’s members, refusing unknown and (unless asked) disabled groups', async () => {
    org.addUsergroup({ id: 'S_OPS', users: ['U_ALICE', 'U_BOB'] });
    org.addUsergroup({ id: 'S_OLD', users: ['U_ALICE'], disabled: true });
    expect((await reader.usergroups.users.list({ usergroup: 'S_OPS' })).users).toEqual(['U_ALICE', 'U_BOB']);
    expect((await slackError(reader.usergroups.users.list({ usergroup: 'S_NOPE' }))).error).toBe('no_such_subteam');
    expect((await slackError(reader.usergroups.users.list({ usergroup: 'S_OLD' }))).error).toBe('no_such_subteam');
    expect((await reader.usergroups.users.list({ usergroup: 'S_OLD', include_disabled: true })).users).toEqual(['U_ALICE']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S_OPS' }))).error).toBe('missing_scope');
  });

  it.each([
    { users: 'U_NOBODY', error: 'user_not_found' },
    { users: 'not-a-user', error: 'user_not_found' },
    { users: 'U_GONE', error: 'user_disabled' },
    { users: 'U_BOT', error: 'cannot_dm_bot' },
    { users: 'U_OTHERBOT', error: 'cannot_dm_bot' },
    { users: 'U_ALICE,U_NOBODY', error: 'user_not_found' },
  ])('refuses to open a DM with $users: $error', async ({ users, error }) => {
    org.addUser({ id: 'U_GONE', name: 'gone', deleted: true });
    org.addUser({ id: 'U_OTHERBOT', name: 'otherbot', isBot: true });
    expect((await slackError(reader.conversations.open({ users }))).error).toBe(error);
  });

  it('opens DMs with known people only, and posts to a user id only if the user exists', async () => {
    org.addUser({ id: 'U_BOB', name: 'bob' });
    expect(await reader.conversations.open({ users: 'U_BOB' })).toMatchObject({ ok: true });
    expect(await reader.conversations.open({ users: 'U_ALICE,U_BOB' })).toMatchObject({ ok: true });
    await reader.chat.postMessage({ channel: 'U_BOB', text: 'hello' });
    expect(org.directMessages('U_BOB').map((m) => m.text)).toEqual(['hello']);
    expect((await slackError(reader.chat.postMessage({ channel: 'U_NOBODY', text: 'x' }))).error).toBe('channel_not_found');
  });

  it('keeps people across reset unless asked', () => {
    org.addUser({ id: 'U_BOB', name: 'bob' });
    org.reset();
    expect(org.user('U_BOB')).toBeDefined();
    org.reset({ people: true });
    expect(org.user('U_BOB')).toBeUndefined();
    expect(org.user('U_ALICE')).toMatchObject({ teamId: 'T_FAKE', enterpriseId: 'E_FAKE' });
  });
});

describe('rate limits by tier', () => {
  const ALL = [
    'chat:write',
    'chat:write.public',
    'users:read',
    'users:read.email',
    'usergroups:read',
    'channels:read',
    'groups:read',
    'links:write',
  ];
  let limited: FakeSlack;
  let impatient: WebClient;
  beforeAll(async () => {
    limited = await startFakeSlack({ scopes: ALL, enforceRateLimits: true });
    impatient = webClient(limited, { rejectRateLimitedCalls: true });
  });
  afterAll(async () => {
    await limited.close();
  });
  beforeEach(() => {
    limited.reset();
    limited.enforceRateLimits(true);
    limited.addUsergroup({ id: 'S_OPS', users: ['U_ALICE'] });
    // Buckets refill with the fake's time only, whatever the machine's speed.
    limited.clock.freeze();
  });
  afterEach(() => {
    limited.clock.resume();
  });
  const retryAfter = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as { retryAfter?: number }).retryAfter;

  it('publishes the tiers as defaults', () => {
    const tier = (perMinute: number, burst: number) => ({ perMinute, burst });
    expect(DEFAULT_RATE_LIMITS.perChannel['chat.postMessage']).toEqual(tier(60, 2));
    expect(DEFAULT_RATE_LIMITS.methods['chat.postMessage']).toEqual(tier(300, 300));
    for (const m of ['chat.update', 'chat.unfurl', 'conversations.info', 'conversations.replies', 'views.update', 'users.lookupByEmail'])
      expect([m, DEFAULT_RATE_LIMITS.methods[m]]).toEqual([m, tier(50, 10)]);
    for (const m of ['users.info', 'views.publish', 'views.open', 'views.push'])
      expect([m, DEFAULT_RATE_LIMITS.methods[m]]).toEqual([m, tier(100, 20)]);
    expect(DEFAULT_RATE_LIMITS.methods['usergroups.users.list']).toEqual(tier(20, 5));
  });

  it.each([
    { method: 'users.info', burst: 20, retry: 1, call: () => impatient.users.info({ user: 'U_ALICE' }) },
    { method: 'conversations.info', burst: 10, retry: 2, call: () => impatient.conversations.info({ channel: 'C_GENERAL' }) },
    { method: 'users.lookupByEmail', burst: 10, retry: 2, call: () => impatient.users.lookupByEmail({ email: 'alice@example.com' }) },
    { method: 'usergroups.users.list', burst: 5, retry: 3, call: () => impatient.usergroups.users.list({ usergroup: 'S_OPS' }) },
  ])('lets $burst calls of $method through at once, then answers 429 with Retry-After $retry', async ({ burst, retry, call }) => {
    for (let i = 0; i < burst; i++) await call();
    expect(await retryAfter(call())).toBe(retry);
    limited.clock.advance(retry * 1000);
    await expect(call()).resolves.toMatchObject({ ok: true });
  });

  it('answers 429 as Slack does: status, whole-second Retry-After, ratelimited', async () => {
    const post = () =>
      fetch(`${limited.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${limited.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'C_GENERAL', text: 'x' }),
      });
    await post();
    await post();
    const res = await post();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('limits chat.postMessage per channel and under a workspace ceiling', async () => {
    limited.enforceRateLimits({ methods: { 'chat.postMessage': { perMinute: 60, burst: 3 } } });
    const post = (channel: string) => impatient.chat.postMessage({ channel, text: 'x' });
    for (const channel of ['C_GENERAL', 'C_DATA_JOBS', 'C_RANDOM']) await post(channel);
    // Each channel still has budget; the workspace has none.
    expect(await retryAfter(post('C_PRIVATE'))).toBe(1);
  });

  it('does not spend a channel’s budget on a call the workspace limit refused', async () => {
    limited.enforceRateLimits({ methods: { 'chat.postMessage': { perMinute: 6000, burst: 1 } } });
    const post = () => impatient.chat.postMessage({ channel: 'C_GENERAL', text: 'x' });
    await post();
    expect(await retryAfter(post())).toBe(1);
    limited.clock.advance(10);
    // The channel kept its second token: only the workspace bucket had to refill.
    await expect(post()).resolves.toMatchObject({ ok: true });
  });

  it('takes overrides per method, and false lifts a limit', async () => {
    limited.enforceRateLimits({ methods: { 'users.info': { perMinute: 6, burst: 1 }, 'conversations.info': false } });
    await impatient.users.info({ user: 'U_ALICE' });
    expect(await retryAfter(impatient.users.info({ user: 'U_ALICE' }))).toBe(10);
    for (let i = 0; i < 30; i++) await impatient.conversations.info({ channel: 'C_GENERAL' });
  });

  it('records which calls were limited and counts them per method', async () => {
    limited.rateLimit('users.info', 3);
    await retryAfter(impatient.users.info({ user: 'U_ALICE' }));
    await impatient.users.info({ user: 'U_ALICE' });
    for (let i = 0; i < 3; i++) await retryAfter(impatient.chat.postMessage({ channel: 'C_GENERAL', text: 'x' }));
    expect(limited.callsTo('users.info').map((c) => [c.status, c.rateLimited])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(limited.rateLimitStats()).toEqual({
      calls: 5,
      limited: 2,
      byMethod: { 'users.info': { calls: 2, limited: 1 }, 'chat.postMessage': { calls: 3, limited: 1 } },
    });
  });
});

describe('the fake clock', () => {
  it('freezes, moves only when advanced, and resumes without jumping', () => {
    // The wall clock is vitest's: it moves when the test says, so "without jumping" is exact.
    vi.useFakeTimers();
    try {
      const clock = new FakeClock();
      clock.freeze();
      const at = clock.now();
      vi.advanceTimersByTime(20);
      expect(clock.now()).toBe(at);
      clock.advance(1000);
      expect(clock.now()).toBe(at + 1000);
      const [a, b] = [clock.nextTs(), clock.nextTs()];
      expect(Number(b)).toBeGreaterThan(Number(a));
      clock.resume();
      expect(clock.now()).toBe(at + 1000);
      vi.advanceTimersByTime(20);
      expect(clock.now()).toBe(at + 1020);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Block Kit rules for forms, Home tabs and unfurls', () => {
  const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
  const input = (blockId: string, element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'input',
    block_id: blockId,
    label: plain('Label'),
    element,
    ...extra,
  });
  const radio = (actionId: string, extra: Record<string, unknown> = {}) => ({
    type: 'radio_buttons',
    action_id: actionId,
    options: [option('a'), { text: { type: 'mrkdwn', text: '*b*' }, value: 'b', description: plain('the second') }],
    ...extra,
  });
  const select = (actionId: string, extra: Record<string, unknown> = {}) => ({
    type: 'static_select',
    action_id: actionId,
    options: [option('x'), option('y')],
    ...extra,
  });
  const form = (blocks: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'modal',
    callback_id: 'note',
    title: plain('Note'),
    submit: plain('Save'),
    blocks,
    ...extra,
  });

  it('accepts a modal with radio buttons, a select and a text input', () => {
    const view = form([
      input('kind', radio('kind', { initial_option: option('a') })),
      input('target', select('target', { initial_option: option('y') }), { optional: true }),
      input('text', { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 500 }, { hint: plain('Say why') }),
    ]);
    expect(checkView(view)).toBeNull();
  });

  it.each([
    {
      name: 'radio buttons with 11 options',
      view: form([input('k', radio('k', { options: many(11, (i) => option(`o${i}`)) }))]),
      pointer: '/view/blocks/0/element/options',
    },
    {
      name: 'a radio initial_option not among the options',
      view: form([input('k', radio('k', { initial_option: option('zzz') }))]),
      pointer: '/view/blocks/0/element/initial_option',
    },
    {
      name: 'a select initial_option not among the options',
      view: form([input('k', select('k', { initial_option: option('zzz') }))]),
      pointer: '/view/blocks/0/element/initial_option',
    },
    {
      name: 'a label over 2,000',
      view: form([input('k', radio('k'), { label: plain('l'.repeat(2001)) })]),
      pointer: '/view/blocks/0/label/text',
    },
    {
      name: 'a label in mrkdwn',
      view: form([input('k', radio('k'), { label: { type: 'mrkdwn', text: 'l' } })]),
      pointer: '/view/blocks/0/label/type',
    },
    {
      name: 'duplicate input block_ids',
      view: form([input('k', radio('a')), input('k', select('b'))]),
      pointer: '/view/blocks/1/block_id',
    },
    { name: 'an input without submit', view: form([input('k', radio('k'))], { submit: undefined }), pointer: '/view' },
    { name: 'submit over 24', view: form([input('k', radio('k'))], { submit: plain('s'.repeat(25)) }), pointer: '/view/submit/text' },
    {
      name: 'an unsupported input element',
      view: form([input('k', { type: 'datepicker', action_id: 'd' })]),
      pointer: '/view/blocks/0/element/type',
    },
  ])('rejects a modal with $name', ({ view, pointer }) => {
    const res = checkView(view);
    expect(res?.error).toBe('invalid_arguments');
    expect(res?.errors?.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
  });

  const home = (extra: Record<string, unknown> = {}) => ({ type: 'home', blocks: [section('Your subscriptions')], ...extra });
  it('accepts a Home tab of 100 blocks with metadata and an external_id', () => {
    expect(
      checkHomeView(
        home({ blocks: many(100, () => ({ type: 'divider' })), private_metadata: 'm', callback_id: 'home', external_id: 'home-U_ALICE' }),
      ),
    ).toBeNull();
  });

  it.each([
    { name: '101 blocks', view: home({ blocks: many(101, () => ({ type: 'divider' })) }), pointer: '/view/blocks' },
    { name: 'a modal type', view: home({ type: 'modal' }), pointer: '/view/type' },
    { name: 'a title', view: home({ title: plain('Home') }), pointer: '/view' },
    { name: 'private_metadata over 3,000', view: home({ private_metadata: 'm'.repeat(3001) }), pointer: '/view/private_metadata' },
    { name: 'an empty external_id', view: home({ external_id: '' }), pointer: '/view/external_id' },
    { name: 'a bad block', view: home({ blocks: [section('')] }), pointer: '/view/blocks/0/text/text' },
  ])('rejects a Home tab with $name', ({ view, pointer }) => {
    const res = checkHomeView(view);
    expect(res?.error).toBe('invalid_arguments');
    expect(res?.errors?.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
  });

  it('checks unfurl blocks with the message rules, pointing into the URL', () => {
    const url = 'https://flow.seekr.com/jobs/dj-1';
    expect(checkUnfurls({ [url]: { blocks: [section('dj-1: running')] } })).toBeNull();
    expect(checkUnfurls(JSON.stringify({ [url]: { color: '#36a64f', text: 'legacy' } }))).toBeNull();
    expect(checkUnfurls({ [url]: { blocks: many(51, () => ({ type: 'divider' })) } })).toEqual({
      error: 'invalid_blocks',
      errors: ['must be less than 51 items [json-pointer:/unfurls/https:~1~1flow.seekr.com~1jobs~1dj-1/blocks]'],
    });
    for (const bad of ['not json', '[1]', { [url]: 'text' }, {}]) expect(checkUnfurls(bad)).toEqual({ error: 'invalid_unfurls_format' });
  });
});

const APP_SECRET = 'fake-app-signing-secret';

/** A real Bolt app over HTTP; the fake sends events and interactions to it through its Request URL. */
async function boltOverHttp(target: FakeSlack, setup: (app: App) => void): Promise<App> {
  const receiver = new HTTPReceiver({ signingSecret: APP_SECRET, logLevel: LogLevel.ERROR });
  const app = new App({
    receiver,
    token: target.botToken,
    logger: silent,
    clientOptions: { slackApiUrl: target.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy },
  });
  setup(app);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): { port: number } };
  target.setRequestUrl({ url: `http://127.0.0.1:${server.address().port}/slack/events`, signingSecret: APP_SECRET });
  return app;
}

/** A real Bolt app in Socket Mode, connected to the fake. */
async function boltOverSocket(target: FakeSlack, setup: (app: App) => void): Promise<App> {
  const clientOptions = { slackApiUrl: target.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy };
  const app = new App({
    token: target.botToken,
    appToken: target.appToken,
    socketMode: true,
    logger: silent,
    clientOptions,
    installerOptions: { clientOptions },
  });
  setup(app);
  await app.start();
  await target.socket.waitForConnection();
  return app;
}

describe('link unfurls and link_shared', () => {
  const JOB = 'https://flow.seekr.com/jobs/dj-1';
  const OTHER_JOB = 'https://flow.seekr.com/jobs/dj-2';
  const OFF_DOMAIN = 'https://example.org/elsewhere';
  const unfurl = (text: string) => ({ blocks: [section(text)] });
  let linked: FakeSlack;
  let bot: WebClient;
  let app: App;
  const seen: Record<string, unknown>[] = [];

  beforeAll(async () => {
    linked = await startFakeSlack({ scopes: ['chat:write', 'links:read', 'links:write'], unfurlDomains: ['seekr.com'] });
    bot = webClient(linked);
    app = await boltOverHttp(linked, (a) => {
      a.event('link_shared', async ({ event, client }) => {
        seen.push(event as unknown as Record<string, unknown>);
        // The bot under test unfurls links that ask for it; the others are left for the tests to answer.
        if (!event.links.some((l) => l.url.includes('auto'))) return;
        const unfurls = Object.fromEntries(event.links.map((l) => [l.url, unfurl(`card for ${l.url}`)]));
        await client.chat.unfurl({ channel: event.channel, ts: event.message_ts, unfurls });
      });
    });
  });
  afterAll(async () => {
    await app.stop();
    await linked.close();
  });
  beforeEach(() => {
    linked.reset();
    seen.length = 0;
  });

  it('passes Slack’s Request URL check only when the bot echoes the challenge', async () => {
    await expect(linked.verifyRequestUrl('chal-123')).resolves.toMatchObject({ ok: true, status: 200 });
    const elsewhere = await startFakeSlack();
    try {
      // An endpoint that answers 200 without the challenge does not pass.
      elsewhere.setRequestUrl({ url: `${elsewhere.apiUrl}auth.test`, signingSecret: APP_SECRET });
      await expect(elsewhere.verifyRequestUrl()).resolves.toMatchObject({ ok: false });
      elsewhere.setRequestUrl(undefined);
      await expect(elsewhere.verifyRequestUrl()).rejects.toThrow(/no Request URL/);
    } finally {
      await elsewhere.close();
    }
  });

  it('posts a person’s links and sends link_shared, which the bot answers with chat.unfurl', async () => {
    const url = 'https://flow.seekr.com/jobs/auto-7';
    const shared = await linked.shareLinks({ channel: 'C_GENERAL', user: 'U_ALICE', urls: [url] });
    expect(shared.message).toMatchObject({ user: 'U_ALICE', text: `<${url}>` });
    expect(shared.message).not.toHaveProperty('bot_id');
    expect(shared.delivery).toMatchObject({ via: 'http', status: 200 });
    expect(shared.payload).toMatchObject({
      type: 'event_callback',
      team_id: linked.teamId,
      api_app_id: linked.appId,
      event_id: expect.stringMatching(/^Ev/),
      event_time: expect.any(Number),
      event: {
        type: 'link_shared',
        channel: 'C_GENERAL',
        user: 'U_ALICE',
        message_ts: shared.message?.ts,
        unfurl_id: shared.unfurlId,
        source: 'conversations_history',
        links: [{ domain: 'seekr.com', url }],
      },
    });
    await vi.waitFor(() =>
      expect(linked.unfurlsOf('C_GENERAL', shared.message?.ts as string)).toEqual({ [url]: unfurl(`card for ${url}`) }),
    );
    expect(linked.callsTo('chat.unfurl')[0]?.args).toMatchObject({ channel: 'C_GENERAL', ts: shared.message?.ts });
  });

  type Shared = { ts: string; unfurlId: string; neverShared: string; mine: string };
  const cases: { name: string; error: string; args: (s: Shared) => Record<string, unknown> }[] = [
    { name: 'no unfurls', error: 'missing_unfurls', args: (s) => ({ channel: 'C_GENERAL', ts: s.ts }) },
    { name: 'no channel', error: 'missing_channel', args: (s) => ({ ts: s.ts, unfurls: { [JOB]: unfurl('x') } }) },
    { name: 'no ts', error: 'missing_ts', args: () => ({ channel: 'C_GENERAL', unfurls: { [JOB]: unfurl('x') } }) },
    {
      name: 'an unknown channel',
      error: 'cannot_find_channel',
      args: (s) => ({ channel: 'C_NOPE', ts: s.ts, unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'a channel the bot cannot see',
      error: 'cannot_find_channel',
      args: (s) => ({ channel: 'C_SECRET', ts: s.ts, unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'no such message',
      error: 'cannot_find_message',
      args: () => ({ channel: 'C_GENERAL', ts: '1.000001', unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'a URL not in the message',
      error: 'cannot_unfurl_message',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.ts, unfurls: { [OTHER_JOB]: unfurl('x') } }),
    },
    {
      name: 'the bot’s own message',
      error: 'cannot_unfurl_message',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.mine, unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'an unknown unfurl_id',
      error: 'cannot_unfurl_message',
      args: () => ({ unfurl_id: 'nope', source: 'conversations_history', unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'a link outside the unfurl domains',
      error: 'cannot_unfurl_url',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.ts, unfurls: { [OFF_DOMAIN]: unfurl('x') } }),
    },
    {
      name: 'a link never shared with the app',
      error: 'cannot_unfurl_url',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.neverShared, unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'unfurl_id without source',
      error: 'invalid_arguments',
      args: (s) => ({ unfurl_id: s.unfurlId, unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'a bad source',
      error: 'invalid_arguments',
      args: (s) => ({ unfurl_id: s.unfurlId, source: 'thread', unfurls: { [JOB]: unfurl('x') } }),
    },
    {
      name: 'unfurls that are not JSON',
      error: 'invalid_unfurls_format',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.ts, unfurls: 'nope' }),
    },
    { name: 'unfurls that are a list', error: 'invalid_unfurls_format', args: (s) => ({ channel: 'C_GENERAL', ts: s.ts, unfurls: '[1]' }) },
    {
      name: 'an unfurl that is not an object',
      error: 'invalid_unfurls_format',
      args: (s) => ({ channel: 'C_GENERAL', ts: s.ts, unfurls: { [JOB]: 'card' } }),
    },
    {
      name: '51 blocks in an unfurl',
      error: 'invalid_blocks',
      args: (s) => ({
        channel: 'C_GENERAL',
        ts: s.ts,
        unfurls: { [JOB]: { blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) } },
      }),
    },
  ];
  it.each(cases)('refuses $name: $error', async ({ error, args }) => {
    const shared = await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB], text: `see <${JOB}> and <${OFF_DOMAIN}|this>` });
    const neverShared = linked.addUserMessage('C_GENERAL', { user: 'U_ALICE', text: `<${JOB}>` }).ts;
    const mine = (await bot.chat.postMessage({ channel: 'C_GENERAL', text: `<${JOB}>` })).ts as string;
    const s = { ts: shared.message?.ts as string, unfurlId: shared.unfurlId as string, neverShared, mine };
    expect((await slackError(bot.apiCall('chat.unfurl', args(s)))).error).toBe(error);
    expect(linked.unfurlsOf('C_GENERAL', s.ts)).toBeUndefined();
  });

  it('needs links:write', async () => {
    const reader = await startFakeSlack({ scopes: ['chat:write'] });
    try {
      expect((await slackError(webClient(reader).chat.unfurl({ channel: 'C_GENERAL', ts: '1.1', unfurls: {} }))).error).toBe(
        'missing_scope',
      );
    } finally {
      await reader.close();
    }
  });

  it('replaces a URL’s unfurl when called again, keeping the others', async () => {
    const shared = await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB, OTHER_JOB] });
    const ts = shared.message?.ts as string;
    await bot.chat.unfurl({ channel: 'C_GENERAL', ts, unfurls: { [JOB]: unfurl('v1'), [OTHER_JOB]: unfurl('other') } });
    await bot.chat.unfurl({ channel: 'C_GENERAL', ts, unfurls: { [JOB]: unfurl('v2') } });
    expect(linked.unfurlsOf('C_GENERAL', ts)).toEqual({ [JOB]: unfurl('v2'), [OTHER_JOB]: unfurl('other') });
    // The same message by its unfurl_id.
    await bot.chat.unfurl({ unfurl_id: shared.unfurlId as string, source: 'conversations_history', unfurls: { [JOB]: unfurl('v3') } });
    expect(linked.unfurlsOf('C_GENERAL', ts)?.[JOB]).toEqual(unfurl('v3'));
  });

  it('unfurls links still in the composer, by unfurl_id or by the COMPOSER channel', async () => {
    const typed = await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB], source: 'composer' });
    expect(typed.message).toBeUndefined();
    expect(linked.messages('C_GENERAL')).toEqual([]);
    expect(typed.payload?.event).toMatchObject({
      channel: 'COMPOSER',
      message_ts: typed.unfurlId,
      unfurl_id: typed.unfurlId,
      source: 'composer',
    });
    await bot.chat.unfurl({ unfurl_id: typed.unfurlId as string, source: 'composer', unfurls: { [JOB]: unfurl('preview') } });
    expect(linked.unfurlsOf(typed.unfurlId as string)).toEqual({ [JOB]: unfurl('preview') });
    await bot.chat.unfurl({ channel: 'COMPOSER', ts: typed.unfurlId as string, unfurls: { [JOB]: unfurl('again') } });
    expect(linked.unfurlsOf(typed.unfurlId as string)).toEqual({ [JOB]: unfurl('again') });
    expect(
      (
        await slackError(
          bot.chat.unfurl({ unfurl_id: typed.unfurlId as string, source: 'conversations_history', unfurls: { [JOB]: unfurl('x') } }),
        )
      ).error,
    ).toBe('cannot_unfurl_message');
  });

  it('sends nothing for the bot’s own messages or links outside the unfurl domains; reports the domain matched', async () => {
    const mine = await bot.chat.postMessage({ channel: 'C_GENERAL', text: `<${JOB}>` });
    expect(await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB], messageTs: mine.ts as string })).toMatchObject({
      skipped: expect.stringMatching(/own messages/),
    });
    expect(await linked.shareLinks({ channel: 'C_GENERAL', urls: [OFF_DOMAIN] })).toMatchObject({
      skipped: expect.stringMatching(/unfurl domains/),
    });
    const mixed = await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB, OFF_DOMAIN] });
    expect(mixed.payload?.event.links).toEqual([{ domain: 'seekr.com', url: JOB }]);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await expect(linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB], text: 'no link here' })).rejects.toThrow(/does not contain/);
  });

  it('sends nothing without links:read, and tells a reply in a thread', async () => {
    const deaf = await startFakeSlack({ scopes: ['chat:write', 'links:write'] });
    try {
      expect(await deaf.shareLinks({ channel: 'C_GENERAL', urls: [JOB] })).toMatchObject({
        skipped: expect.stringMatching(/links:read/),
        message: expect.any(Object),
      });
    } finally {
      await deaf.close();
    }
    const parent = linked.addUserMessage('C_GENERAL', { user: 'U_ALICE', text: 'thread' });
    const reply = await linked.shareLinks({ channel: 'C_GENERAL', urls: [JOB], threadTs: parent.ts });
    expect(reply.payload?.event).toMatchObject({ thread_ts: parent.ts, message_ts: reply.message?.ts });
  });

  it('delivers link_shared over Socket Mode in an events_api envelope', async () => {
    const sock = await startFakeSlack({ scopes: ['chat:write', 'links:read', 'links:write'] });
    const socketApp = await boltOverSocket(sock, (a) => {
      a.event('link_shared', async ({ event, client }) => {
        await client.chat.unfurl({
          unfurl_id: event.unfurl_id as string,
          source: 'conversations_history',
          unfurls: { [JOB]: unfurl('over the socket') },
        });
      });
    });
    try {
      const shared = await sock.shareLinks({ channel: 'C_GENERAL', urls: [JOB] });
      expect(shared.delivery).toMatchObject({ via: 'socket', envelopeId: expect.any(String) });
      expect(sock.socket.envelopes.at(-1)).toMatchObject({
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: 0,
        payload: { type: 'event_callback' },
      });
      await vi.waitFor(() =>
        expect(sock.unfurlsOf('C_GENERAL', shared.message?.ts as string)).toEqual({ [JOB]: unfurl('over the socket') }),
      );
    } finally {
      await socketApp.stop();
      await sock.close();
    }
  });
});

describe('App Home', () => {
  const homeView = (text: string, extra: Record<string, unknown> = {}) => ({
    type: 'home' as const,
    callback_id: 'home',
    blocks: [section(text), actions(button('refresh_home', { value: 'all' }))],
    ...extra,
  });
  let homeFake: FakeSlack;
  let bot: WebClient;
  let app: App;
  beforeAll(async () => {
    homeFake = await startFakeSlack({ scopes: ['chat:write', 'im:write'] });
    bot = webClient(homeFake);
    app = await boltOverHttp(homeFake, (a) => {
      a.event('app_home_opened', async ({ event, client }) => {
        if (event.tab !== 'home') return;
        const seenBefore = event.view ? ' again' : '';
        await client.views.publish({ user_id: event.user, view: homeView(`Hello ${event.user}${seenBefore}`) });
      });
    });
  });
  afterAll(async () => {
    await app.stop();
    await homeFake.close();
  });
  beforeEach(() => {
    homeFake.reset({ people: true });
  });

  it('sends app_home_opened, and stores and counts what the bot publishes', async () => {
    const first = await homeFake.openHome({ user: 'U_ALICE' });
    expect(first.delivery).toMatchObject({ via: 'http', status: 200 });
    expect(first.payload.event).toMatchObject({ type: 'app_home_opened', user: 'U_ALICE', channel: 'D_ALICE', tab: 'home' });
    expect(first.payload.event).not.toHaveProperty('view');
    await vi.waitFor(() => expect(homeFake.homeView('U_ALICE')?.publishes).toBe(1));
    const published = homeFake.homeView('U_ALICE');
    expect(published).toMatchObject({
      type: 'home',
      user: 'U_ALICE',
      callback_id: 'home',
      blocks: [{ text: { text: 'Hello U_ALICE' } }, expect.anything()],
    });

    // Slack includes the view last published when the user comes back.
    const again = await homeFake.openHome({ user: 'U_ALICE' });
    expect(again.payload.event).toMatchObject({ view: { id: published?.id, type: 'home', hash: published?.hash } });
    expect(again.payload.event.view).not.toHaveProperty('publishes');
    await vi.waitFor(() => expect(homeFake.homeView('U_ALICE')?.publishes).toBe(2));
    expect(homeFake.homeView('U_ALICE')).toMatchObject({
      id: published?.id,
      blocks: [{ text: { text: 'Hello U_ALICE again' } }, expect.anything()],
    });
    expect(homeFake.homeView('U_ALICE')?.hash).not.toBe(published?.hash);

    // The App Home's channel is the bot's DM with the user, the one conversations.open returns.
    expect((await bot.conversations.open({ users: 'U_ALICE' })).channel?.id).toBe('D_ALICE');
    const messagesTab = await homeFake.openHome({ user: 'U_ALICE', tab: 'messages' });
    expect(messagesTab.payload.event).not.toHaveProperty('view');
    await expect(homeFake.openHome({ user: 'U_NOBODY' })).rejects.toThrow(/no user U_NOBODY/);
  });

  it('lets a test click a button on a user’s Home tab', async () => {
    await bot.views.publish({ user_id: 'U_ALICE', view: homeView('Home') });
    const click = clickButton(homeFake, { homeOf: 'U_ALICE', actionId: 'refresh_home' });
    const id = homeFake.homeView('U_ALICE')?.id;
    expect(click).toMatchObject({ container: { type: 'view', view_id: id }, view: { id, type: 'home' }, actions: [{ value: 'all' }] });
    expect(click).not.toHaveProperty('response_url');
    expect(() => clickButton(homeFake, { homeOf: 'U_ALICE', actionId: 'refresh_home', user: { id: 'U_BOB', name: 'bob' } })).toThrow(
      /only U_ALICE/,
    );
  });

  it('refuses what views.publish refuses', async () => {
    homeFake.addUser({ id: 'U_BOB', name: 'bob' });
    const { view } = await bot.views.publish({ user_id: 'U_ALICE', view: homeView('v1', { external_id: 'home-1' }) });
    await bot.views.publish({ user_id: 'U_ALICE', view: homeView('v2', { external_id: 'home-1' }), hash: view?.hash as string });
    const publish = (args: Record<string, unknown>) => slackError(bot.apiCall('views.publish', args));
    expect((await publish({ user_id: 'U_ALICE', view: homeView('v3'), hash: view?.hash })).error).toBe('hash_conflict');
    expect((await publish({ user_id: 'U_BOB', view: homeView('x'), hash: 'never.published' })).error).toBe('hash_conflict');
    expect((await publish({ view: homeView('x') })).error).toBe('invalid_arguments');
    expect((await publish({ user_id: 'U_NOBODY', view: homeView('x') })).error).toBe('user_not_found');
    expect((await publish({ user_id: 'U_BOB', view: homeView('x', { external_id: 'home-1' }) })).error).toBe('duplicate_external_id');
    const modal = await publish({ user_id: 'U_BOB', view: { type: 'modal', title: plain('t'), blocks: [] } });
    expect(modal).toMatchObject({
      error: 'invalid_arguments',
      errors: ['must be one of: home [json-pointer:/view/type]', 'invalid additional property: title [json-pointer:/view]'],
    });
    const huge = Array.from({ length: 100 }, () => section('h'.repeat(2600)));
    expect((await publish({ user_id: 'U_BOB', view: { type: 'home', blocks: huge } })).error).toBe('view_too_large');
    expect(homeFake.homeView('U_ALICE')).toMatchObject({ publishes: 2, blocks: [{ text: { text: 'v2' } }, expect.anything()] });
    expect(homeFake.homeView('U_BOB')).toBeUndefined();
  });

  it('answers not_enabled when the app has no Home tab', async () => {
    const noHome = await startFakeSlack({ homeTabEnabled: false });
    try {
      expect((await slackError(webClient(noHome).views.publish({ user_id: 'U_ALICE', view: homeView('x') }))).error).toBe('not_enabled');
    } finally {
      await noHome.close();
    }
  });

  it('delivers app_home_opened over Socket Mode', async () => {
    const sock = await startFakeSlack();
    const socketApp = await boltOverSocket(sock, (a) => {
      a.event('app_home_opened', async ({ event, client }) => {
        await client.views.publish({ user_id: event.user, view: homeView('from the socket') });
      });
    });
    try {
      const opened = await sock.openHome({ user: 'U_ALICE' });
      expect(opened.delivery).toMatchObject({ via: 'socket' });
      await vi.waitFor(() => expect(sock.homeView('U_ALICE')?.publishes).toBe(1));
      expect(sock.rateLimitStats().byMethod['views.publish']).toEqual({ calls: 1, limited: 0 });
    } finally {
      await socketApp.stop();
      await sock.close();
    }
  });
});

describe('message shortcuts and modal submissions', () => {
  const noteModal = (messageTs: string) => ({
    type: 'modal' as const,
    callback_id: 'note',
    private_metadata: messageTs,
    title: plain('Note on a job'),
    submit: plain('Save'),
    blocks: [
      {
        type: 'input',
        block_id: 'kind',
        label: plain('Kind'),
        element: { type: 'radio_buttons', action_id: 'kind', options: [option('info'), option('problem')], initial_option: option('info') },
      },
      {
        type: 'input',
        block_id: 'target',
        optional: true,
        label: plain('Who should look'),
        element: { type: 'static_select', action_id: 'target', options: [option('ops'), option('ml')] },
      },
      { type: 'input', block_id: 'text', label: plain('Note'), element: { type: 'plain_text_input', action_id: 'text', max_length: 20 } },
    ],
  });
  let forms: FakeSlack;
  let app: App;
  const submitted: { values: unknown; metadata: string; user: string }[] = [];
  const setup = (a: App) => {
    a.shortcut({ callback_id: 'note_on_message', type: 'message_action' }, async ({ ack, shortcut, client }) => {
      await ack();
      await client.views.open({ trigger_id: shortcut.trigger_id, view: noteModal(shortcut.message.ts) });
    });
    a.view('note', async ({ ack, view, body }) => {
      submitted.push({ values: view.state.values, metadata: view.private_metadata, user: body.user.id });
      const text = view.state.values.text?.text?.value;
      if (text === 'bad') return void (await ack({ response_action: 'errors', errors: { text: 'Say more than that' } }));
      if (text === 'stray') return void (await ack({ response_action: 'errors', errors: { nowhere: 'x' } }));
      if (text === 'next')
        return void (await ack({ response_action: 'update', view: { ...noteModal(view.private_metadata), title: plain('Step 2') } }));
      if (text === 'broken')
        return void (await ack({ response_action: 'update', view: { ...noteModal(''), title: plain('t'.repeat(25)) } }));
      if (text === 'all done') return void (await ack({ response_action: 'clear' }));
      await ack();
    });
  };
  beforeAll(async () => {
    forms = await startFakeSlack();
    app = await boltOverHttp(forms, setup);
  });
  afterAll(async () => {
    await app.stop();
    await forms.close();
  });
  beforeEach(() => {
    forms.reset();
    submitted.length = 0;
  });

  /** A person runs the shortcut on a message; resolves with the modal the bot opened. */
  const openNote = async (target = forms) => {
    const message = target.addUserMessage('C_DATA_JOBS', { user: 'U_ALICE', text: 'dj-1 looks stuck' });
    const run = await target.messageShortcut({ channel: 'C_DATA_JOBS', ts: message.ts, callbackId: 'note_on_message' });
    const view = await vi.waitFor(() => {
      const v = target.views().find((x) => x.callback_id === 'note' && x.open);
      if (!v) throw new Error('no modal yet');
      return v;
    });
    return { message, run, view };
  };

  it('sends a message_action for a message the fake holds, with a trigger_id the bot can open a modal with', async () => {
    const { message, run, view } = await openNote();
    expect(run.delivery).toMatchObject({ via: 'http', status: 200 });
    expect(run.payload).toMatchObject({
      type: 'message_action',
      callback_id: 'note_on_message',
      trigger_id: expect.any(String),
      response_url: expect.stringContaining('/response/'),
      user: { id: 'U_ALICE', name: 'alice', team_id: 'T_FAKE' },
      channel: { id: 'C_DATA_JOBS', name: 'data-jobs' },
      team: { id: 'T_FAKE', domain: 'fake-team' },
      message_ts: message.ts,
      message: { ts: message.ts, text: 'dj-1 looks stuck', user: 'U_ALICE' },
    });
    expect(view).toMatchObject({ user: 'U_ALICE', private_metadata: message.ts });
    await expect(forms.messageShortcut({ channel: 'C_DATA_JOBS', ts: '1.000001', callbackId: 'x' })).rejects.toThrow(/no message/);
  });

  it('submits chosen values as view.state.values; an empty ack closes the modal', async () => {
    const { view, message } = await openNote();
    const done = await forms.submitView({ viewId: view.id, values: { kind: 'problem', text: 'please check' } });
    expect(done.outcome).toEqual({ action: 'closed' });
    expect(done.payload).toMatchObject({ type: 'view_submission', user: { id: 'U_ALICE' }, view: { id: view.id, callback_id: 'note' } });
    expect(submitted).toEqual([
      {
        user: 'U_ALICE',
        metadata: message.ts,
        values: {
          kind: { kind: { type: 'radio_buttons', selected_option: option('problem') } },
          target: { target: { type: 'static_select', selected_option: null } },
          text: { text: { type: 'plain_text_input', value: 'please check' } },
        },
      },
    ]);
    expect(forms.view(view.id)).toMatchObject({ open: false });
  });

  it('keeps initial options the user did not change, and takes block_id/action_id keys', async () => {
    const { view } = await openNote();
    await forms.submitView({ viewId: view.id, values: { 'target/target': 'ml', text: 'x' } });
    expect(submitted[0]?.values).toMatchObject({
      kind: { kind: { selected_option: option('info') } },
      target: { target: { selected_option: option('ml') } },
    });
  });

  it('applies the bot’s answer as Slack does: errors, update, clear, or refusal', async () => {
    const { view } = await openNote();
    expect((await forms.submitView({ viewId: view.id, values: { text: 'bad' } })).outcome).toEqual({
      action: 'errors',
      errors: { text: 'Say more than that' },
    });
    expect(forms.view(view.id)).toMatchObject({ open: true, errors: { text: 'Say more than that' } });
    expect(forms.publicView(view.id)).not.toHaveProperty('errors');

    expect((await forms.submitView({ viewId: view.id, values: { text: 'stray' } })).outcome).toMatchObject({
      action: 'refused',
      reason: expect.stringMatching(/nowhere/),
    });
    expect((await forms.submitView({ viewId: view.id, values: { text: 'broken' } })).outcome).toMatchObject({
      action: 'refused',
      reason: expect.stringMatching(/title/),
    });

    const next = await forms.submitView({ viewId: view.id, values: { text: 'next' } });
    expect(next.outcome).toMatchObject({ action: 'updated', view: { id: view.id, title: plain('Step 2') } });
    expect(forms.view(view.id)).toMatchObject({ open: true, title: plain('Step 2') });
    expect(forms.view(view.id)).not.toHaveProperty('errors');

    expect((await forms.submitView({ viewId: view.id, values: { text: 'all done' } })).outcome).toEqual({ action: 'cleared' });
    expect(forms.view(view.id)?.open).toBe(false);
  });

  it.each<{ name: string; values: Record<string, string>; error: RegExp }>([
    { name: 'a required input left empty', values: {}, error: /text\/text .* is required/ },
    { name: 'an option the element does not have', values: { kind: 'urgent', text: 'x' }, error: /no option with value urgent/ },
    { name: 'an input the view does not have', values: { text: 'x', colour: 'red' }, error: /no input colour/ },
    { name: 'text over max_length', values: { text: 't'.repeat(21) }, error: /more than max_length 20/ },
  ])('refuses to build a submission Slack’s client would not send: $name', async ({ values, error }) => {
    const { view } = await openNote();
    await expect(forms.submitView({ viewId: view.id, values })).rejects.toThrow(error);
    expect(submitted).toEqual([]);
  });

  it('refuses to submit a closed view, or another user’s', async () => {
    const { view } = await openNote();
    await expect(forms.submitView({ viewId: view.id, values: { text: 'x' }, user: 'U_BOB' })).rejects.toThrow(/open for U_ALICE/);
    forms.closeView(view.id);
    await expect(forms.submitView({ viewId: view.id, values: { text: 'x' } })).rejects.toThrow(/closed/);
  });

  it('does the same over Socket Mode, where the answer comes in the ack', async () => {
    const sock = await startFakeSlack();
    const socketApp = await boltOverSocket(sock, setup);
    try {
      const { run, view } = await openNote(sock);
      expect(run.delivery).toMatchObject({ via: 'socket' });
      expect(sock.socket.envelopes.at(-1)).toMatchObject({ type: 'interactive', accepts_response_payload: false });
      const bad = await sock.submitView({ viewId: view.id, values: { text: 'bad' } });
      expect(bad.delivery).toMatchObject({ via: 'socket', payload: { response_action: 'errors' } });
      expect(bad.outcome).toMatchObject({ action: 'errors' });
      expect(sock.socket.envelopes.at(-1)).toMatchObject({ type: 'interactive', accepts_response_payload: true });
      expect((await sock.submitView({ viewId: view.id, values: { text: 'fine' } })).outcome).toEqual({ action: 'closed' });
    } finally {
      await socketApp.stop();
      await sock.close();
    }
  });
});
