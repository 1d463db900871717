import { createHmac } from 'node:crypto';
import { type SlashCommandInput, slashCommandPayload } from './fake-slack/payloads.js';
import type { FakeSlack } from './fake-slack.js';

/**
 * What Slack sends a bot's HTTP endpoint, signed as Slack signs it: form-encoded bodies,
 * `X-Slack-Request-Timestamp`, and `X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`.
 * The payload builders are shared with the fake's Socket Mode side.
 */
export {
  type ActionOptions,
  type ActionTarget,
  type BlockActionsPayload,
  clickButton,
  findAction,
  type SlackUser,
  type SlashCommandInput,
  selectOverflowOption,
  slashCommandPayload,
} from './fake-slack/payloads.js';

export type SignOptions = {
  /** Unix seconds; defaults to now. A value over 5 minutes old is what Slack calls stale. */
  timestamp?: number;
  /** Replaces the computed signature (to forge one). */
  signature?: string;
};

export type SlackHttpResponse = {
  status: number;
  /** The raw body the bot answered with (an ack body is what Slack would show the user). */
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  ms: number;
};

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{rawBody}`. */
export function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POSTs a raw form body to the bot, signed, and times the answer (Slack gives up after 3 s). */
export async function postSigned(url: string, signingSecret: string, rawBody: string, opts: SignOptions = {}): Promise<SlackHttpResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? signSlackRequest(signingSecret, timestamp, rawBody);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      // Bolt parses the body only when the type is exactly this, without a charset.
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    },
    body: rawBody,
  });
  const body = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = body === '' ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: res.status, body, ...(json !== undefined ? { json } : {}), ms };
}

/**
 * Sends `/datajob <text>` as Slack does. With `fake`, a missing trigger_id is issued by it, and the
 * bot's ack body (if any) is shown at the response_url the way Slack shows it.
 */
export async function sendSlashCommand(
  botUrl: string,
  signingSecret: string,
  input: SlashCommandInput,
  opts: SignOptions & { fake?: FakeSlack } = {},
): Promise<SlackHttpResponse> {
  const fields = slashCommandPayload({
    ...(opts.fake ? { teamId: opts.fake.teamId, teamDomain: opts.fake.teamDomain, apiAppId: opts.fake.appId } : {}),
    ...input,
    ...(input.triggerId === undefined && opts.fake ? { triggerId: opts.fake.triggerId(input.userId) } : {}),
  });
  const res = await postSigned(botUrl, signingSecret, new URLSearchParams(fields).toString(), opts);
  if (opts.fake && res.status === 200 && res.json !== undefined) opts.fake.applyAckResponse(input.responseUrl, res.json);
  return res;
}

/** Sends an interaction (block_actions, view_submission, …) as Slack does: one form field `payload=<JSON>`. */
export function sendBlockActions(
  botUrl: string,
  signingSecret: string,
  payload: object,
  opts: SignOptions = {},
): Promise<SlackHttpResponse> {
  return postSigned(botUrl, signingSecret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
}
