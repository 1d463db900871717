import { type SlashCommandInput, slashCommandPayload } from './fake-slack/payloads.js';
import { postEvent, postInteraction, postSigned, type SignOptions, type SlackHttpResponse } from './fake-slack/signing.js';
import type { FakeSlack } from './fake-slack.js';

export { eventCallback, urlVerificationBody } from './fake-slack/events.js';
export { messageShortcutPayload, viewSubmissionPayload } from './fake-slack/interactions.js';
/**
 * What Slack sends a bot's HTTP endpoint, signed as Slack signs it: form-encoded commands and
 * interactions, JSON events, `X-Slack-Request-Timestamp`, and `X-Slack-Signature: v0=` + hex
 * HMAC-SHA256 of `v0:{ts}:{body}`. The payload builders are shared with the fake's Socket Mode side;
 * a fake with a Request URL (`setRequestUrl`) can also deliver events and interactions itself.
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
export { postSigned, type SignOptions, type SlackHttpResponse, signSlackRequest } from './fake-slack/signing.js';

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

/** Sends an interaction (block_actions, message_action, view_submission, …) as Slack does: one form field `payload=<JSON>`. */
export function sendBlockActions(
  botUrl: string,
  signingSecret: string,
  payload: object,
  opts: SignOptions = {},
): Promise<SlackHttpResponse> {
  return postInteraction(botUrl, signingSecret, payload, opts);
}

/** The same, under the name that fits shortcuts and view submissions. */
export const sendInteraction = sendBlockActions;

/** Sends an Events API body (`event_callback`, `url_verification`) as Slack does: JSON, signed. */
export function sendEvent(botUrl: string, signingSecret: string, body: object, opts: SignOptions = {}): Promise<SlackHttpResponse> {
  return postEvent(botUrl, signingSecret, body, opts);
}
