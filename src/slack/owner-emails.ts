import type { WebClient } from '@slack/web-api';
import type { EmailLookup } from '../core/owner-emails.js';
import type { Pacer } from './pacing.js';
import { pacedCall, slackFailure } from './poster.js';

/**
 * The owner mapping file's emails as Slack users (`users.lookupByEmail`, scopes `users:read` and
 * `users:read.email`), for the background resolution (core/owner-emails.ts). Each call waits its turn
 * at the process's pacer (tier 3), and a 429 holds the method there for everyone. The client does not
 * wait out rate limits itself (by default it would, retrying for up to half an hour per email) and
 * retries a failed request only twice, briefly: what is not resolved now is asked again later.
 */
export function slackEmailLookup(slack: {
  /** A `lookups` client (web-client.ts): it rejects 429s rather than waiting them out, and retries briefly. */
  client: WebClient;
  pacer?: Pacer;
  onCall?: (method: string, outcome: string) => void;
}): EmailLookup {
  const { client } = slack;
  return {
    async lookupByEmail(email) {
      try {
        const { user } = await pacedCall(
          slack.pacer,
          'users.lookupByEmail',
          undefined,
          () => client.users.lookupByEmail({ email }),
          slack.onCall,
        );
        return user?.id ? { kind: 'found', userId: user.id } : { kind: 'not_found' };
      } catch (error) {
        const failure = slackFailure(error);
        if (failure.error === 'users_not_found') return { kind: 'not_found' };
        if (failure.error === 'ratelimited') return { kind: 'rate_limited' };
        return { kind: 'failed', detail: failure.error };
      }
    },
  };
}
