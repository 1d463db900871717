import { checkMessage } from '../block-kit-rules.js';
import type { ResponseEffect, ResponseRecord } from './types.js';
import { type ResponseUrl, type Workspace, withSlackIds } from './workspace.js';

export type HttpAnswer = { status: number; body: string; contentType: string };

export type ResponseUrlLimits = { ttlMs: number; maxUses: number };

const okAnswer: HttpAnswer = { status: 200, body: 'ok', contentType: 'text/html' };
const errorAnswer = (status: number, error: string, errors?: string[]): HttpAnswer => ({
  status,
  body: JSON.stringify({ ok: false, error, ...(errors ? { errors } : {}) }),
  contentType: 'application/json; charset=utf-8',
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const flag = (v: unknown) => v === true || v === 'true';

/**
 * A post to a response_url, applied as Slack does: `delete_original`, `replace_original`, then
 * `response_type: in_channel` (a channel message from the app) or, by default, an ephemeral message
 * to the user who acted. "Original" is the message the interaction came from or, for a slash
 * command, the last message this URL posted.
 *
 * `via: 'ack'` is the body of an acknowledgement (HTTP response or Socket Mode ack payload), which
 * Slack shows the same way but which does not use up the URL.
 */
export function postToResponseUrl(
  ws: Workspace,
  idOrUrl: string,
  rawBody: string,
  limits: ResponseUrlLimits,
  via: 'response_url' | 'ack' = 'response_url',
): HttpAnswer {
  const rec = ws.responseUrl(idOrUrl);
  if (!rec) return errorAnswer(404, 'no_service');
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = rawBody;
  }
  const record = (answer: HttpAnswer, effect: ResponseEffect, extra: Partial<ResponseRecord> = {}): HttpAnswer => {
    if (via === 'response_url') {
      rec.records.push({
        id: rec.id,
        url: rec.url,
        at: ws.clock.now(),
        body,
        status: answer.status,
        answer: answer.body,
        effect,
        ...extra,
      });
    }
    return answer;
  };

  if (via === 'response_url') {
    if (ws.clock.now() - rec.createdAt > limits.ttlMs) return record(errorAnswer(404, 'expired_url'), 'rejected');
    if (rec.uses >= limits.maxUses) return record(errorAnswer(404, 'used_url'), 'rejected');
  }
  if (!isRecord(body)) return record(errorAnswer(400, 'invalid_payload'), 'rejected');

  const original = rec.origin ?? rec.lastPosted;
  const use = () => {
    if (via === 'response_url') rec.uses++;
  };

  if (flag(body.delete_original)) {
    const deleted = original ? deleteOriginal(ws, original) : undefined;
    if (!deleted) return record(errorAnswer(404, 'message_not_found'), 'rejected');
    use();
    return record(okAnswer, 'deleted', deleted);
  }

  const rejection = checkMessage({ text: body.text, blocks: body.blocks });
  if (rejection) return record(errorAnswer(400, rejection.error, rejection.errors), 'rejected');
  const text = typeof body.text === 'string' ? body.text : '';
  const blocks = parseBlocks(body.blocks);

  if (flag(body.replace_original) && original) {
    const replaced = replaceOriginal(ws, original, text, blocks);
    if (replaced) {
      use();
      return record(okAnswer, 'replaced', replaced);
    }
  }

  use();
  if (body.response_type === 'in_channel') {
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
    const msg = ws.addMessage(rec.channel, { text, blocks, thread_ts: threadTs });
    rec.lastPosted = { kind: 'message', channel: rec.channel, ts: msg.ts };
    return record(okAnswer, 'in_channel', { ts: msg.ts, channel: rec.channel });
  }
  const eph = ws.addEphemeral({
    channel: rec.channel,
    user: rec.user,
    text,
    ...(blocks ? { blocks } : {}),
    via,
    responseUrlId: rec.id,
  });
  rec.lastPosted = { kind: 'ephemeral', ts: eph.ts };
  return record(okAnswer, 'ephemeral', { ts: eph.ts, channel: rec.channel });
}

/** Blocks already passed checkMessage; a JSON string is what a form-style body would carry. */
function parseBlocks(v: unknown): unknown[] | undefined {
  let parsed = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(parsed) && parsed.length > 0 ? parsed : undefined;
}

function deleteOriginal(ws: Workspace, original: NonNullable<ResponseUrl['origin']>): Partial<ResponseRecord> | undefined {
  if (original.kind === 'message') {
    const msg = ws.message(original.channel, original.ts);
    if (!msg) return undefined;
    ws.deleteMessage(msg);
    return { ts: msg.ts, channel: msg.channel };
  }
  const eph = ws.ephemeral(original.ts);
  if (!eph || eph.deleted) return undefined;
  eph.deleted = true;
  return { ts: eph.ts, channel: eph.channel };
}

/** replace_original swaps the whole message: blocks left out are gone, unlike chat.update. */
function replaceOriginal(
  ws: Workspace,
  original: NonNullable<ResponseUrl['origin']>,
  text: string,
  blocks: unknown[] | undefined,
): Partial<ResponseRecord> | undefined {
  if (original.kind === 'message') {
    const msg = ws.message(original.channel, original.ts);
    if (!msg) return undefined;
    ws.editMessage(msg, { text, blocks: blocks ?? [] });
    return { ts: msg.ts, channel: msg.channel };
  }
  const eph = ws.ephemeral(original.ts);
  if (!eph || eph.deleted) return undefined;
  eph.text = text;
  if (blocks) eph.blocks = withSlackIds(blocks);
  else delete eph.blocks;
  eph.replaced++;
  return { ts: eph.ts, channel: eph.channel };
}
