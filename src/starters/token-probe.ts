import type { Stoppable } from './lifecycle.js';
import { type BotParts, componentLogger } from './parts.js';

/**
 * While Slack refuses the token: one error line and one auth.test per TOKEN_PROBE_SECONDS; when Slack
 * accepts it again (a reinstall, a restored token), delivery resumes where it stopped.
 */
export function startTokenProbe(parts: BotParts, resumeDelivery: () => void): Stoppable {
  const { credentials, slack } = parts;
  const logger = componentLogger(parts, 'deliver');
  const probe = setInterval(async () => {
    const refused = credentials.refused;
    if (!refused) return;
    const checked = await slack.notifier.checkCredentials();
    if (checked.ok) {
      credentials.accept();
      logger.info({ since: refused.since.toISOString() }, 'Slack accepts our token again: delivery resumes');
      resumeDelivery();
    } else {
      logger.error(
        { why: checked.why, detail: checked.detail, since: refused.since.toISOString() },
        'Slack still refuses our token: deliveries wait',
      );
    }
  }, parts.config.delivery.tokenProbeSeconds * 1000);
  return { stop: async () => clearInterval(probe) };
}
