import type { CredentialProblem, SendOutcome } from '../core/ports/notifier.js';
import type { DestinationProblem } from '../domain/subscription.js';

/**
 * Slack's error codes, and what each means to the core: the only place that knows them. See
 * docs/slack-platform.md for which errors are permanent, which mean the card is gone, and which
 * mean Slack refuses the content itself.
 */

/** What a Web API call came to, in Slack's own terms (what the low-level poster returns). */
export type SlackResult = { ok: true; ts: string } | { ok: false; error: string; retryAfterMs?: number; needed?: string };

const DESTINATION: Record<string, DestinationProblem> = {
  channel_not_found: 'not_found',
  is_archived: 'archived',
  not_in_channel: 'not_a_member',
  restricted_action: 'restricted',
  team_access_not_granted: 'restricted',
  ekm_access_denied: 'restricted',
};

const CREDENTIALS: Record<string, CredentialProblem> = {
  token_revoked: 'revoked',
  account_inactive: 'inactive',
  invalid_auth: 'invalid',
  not_authed: 'invalid',
  missing_scope: 'missing_scope',
};

/** The message to update is gone or frozen: post a fresh one. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Slack refuses this content itself: retrying the same bytes cannot help. Our bug; drop and log. */
const REJECTED = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_arguments',
  'invalid_metadata_format',
  'too_many_attachments',
]);

/** Failures after which Slack may nonetheless have taken the message (no answer, or a 5xx). */
const maybeDelivered = (error: string) =>
  error === 'request_failed' || error === 'unexpected_error' || error === 'no_ts_returned' || /^http_5\d\d$/.test(error);

/** A Slack answer as a neutral outcome. `canBeGone`: the call addressed an existing message (an update). */
export function toOutcome(result: SlackResult, options: { canBeGone?: boolean } = {}): SendOutcome {
  if (result.ok) return { kind: 'delivered', ref: result.ts };
  const { error } = result;
  const destination = DESTINATION[error];
  if (destination) return { kind: 'destination_gone', why: destination, detail: error };
  const credentials = CREDENTIALS[error];
  if (credentials) {
    return { kind: 'credentials_refused', why: credentials, detail: error, ...(result.needed ? { scope: result.needed } : {}) };
  }
  if (options.canBeGone && MESSAGE_GONE.has(error)) return { kind: 'message_gone', detail: error };
  if (REJECTED.has(error)) return { kind: 'rejected', detail: error };
  if (error === 'ratelimited') {
    return { kind: 'retry', afterMs: result.retryAfterMs ?? null, rateLimited: true, maybeDelivered: false, detail: error };
  }
  return { kind: 'retry', afterMs: null, rateLimited: false, maybeDelivered: maybeDelivered(error), detail: error };
}
