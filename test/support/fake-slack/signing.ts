import { createHmac } from 'node:crypto';

/**
 * How Slack signs what it sends an app's Request URL: `X-Slack-Request-Timestamp`, and
 * `X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}` keyed with the signing secret.
 * Commands and interactions are form-encoded; Events API callbacks are JSON.
 */

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

/** POSTs a raw body to the bot, signed, and times the answer (Slack gives up after 3 s). */
export async function postSigned(
  url: string,
  signingSecret: string,
  rawBody: string,
  opts: SignOptions & { contentType?: 'application/x-www-form-urlencoded' | 'application/json' } = {},
): Promise<SlackHttpResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? signSlackRequest(signingSecret, timestamp, rawBody);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      // Bolt parses the body only when the type is exactly one of these, without a charset.
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
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

/** An interaction (block_actions, message_action, view_submission, …): one form field `payload=<JSON>`. */
export function postInteraction(url: string, signingSecret: string, payload: object, opts: SignOptions = {}): Promise<SlackHttpResponse> {
  return postSigned(url, signingSecret, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), opts);
}

/** An Events API request (event_callback, url_verification): a JSON body. */
export function postEvent(url: string, signingSecret: string, body: object, opts: SignOptions = {}): Promise<SlackHttpResponse> {
  return postSigned(url, signingSecret, JSON.stringify(body), { ...opts, contentType: 'application/json' });
}
