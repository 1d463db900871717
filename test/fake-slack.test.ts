import { App, HTTPReceiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { type Logger, LogLevel, retryPolicies, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { blocksTextLength, checkMessage, checkView } from './support/block-kit-rules.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';
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

  it('enforces ~1 post per second per channel with a short burst, and chat.update ~50 a minute', async () => {
    const limited = await startFakeSlack({ enforceRateLimits: true });
    try {
      const impatient = webClient(limited, { rejectRateLimitedCalls: true });
      const post = (channel: string) => impatient.chat.postMessage({ channel, text: 'x' });
      for (let i = 0; i < 3; i++) await post('C_GENERAL');
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
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.responses(responseUrl)).toEqual([]);
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
