import { readFile } from 'node:fs/promises';
import { OwnerMap, startOwnerEmails } from '../core/owner-emails.js';
import { ownerDirectory, parseOwnerMap } from '../core/owners.js';
import type { OwnerDirectory } from '../core/ports/owners.js';
import type { Logger } from '../logger.js';
import type { Lease } from '../scheduler/scheduler.js';
import { slackEmailLookup } from '../slack/owner-emails.js';
import type { Stoppable } from './lifecycle.js';
import { type BotParts, componentLogger } from './parts.js';

/**
 * Who is told directly about a SeekrFlow user's jobs: people linked with `/datajob me`, and the admin's
 * mapping file (OWNER_MAP_FILE), read once at start. Its emails are asked of Slack in the background,
 * by the replica that leads: start-up does not wait for them.
 */
export async function startOwners(parts: BotParts, lease: Lease): Promise<{ directory: OwnerDirectory } & Stoppable> {
  const { store, slack } = parts;
  const logger = componentLogger(parts, 'owners');
  const map = await loadOwnerMap(parts.config.ownerMapFile, logger);
  const emails = startOwnerEmails({
    map,
    store,
    lookup: slackEmailLookup({ client: slack.client('lookups', logger), pacer: slack.pacer, onCall: slack.onCall }),
    logger,
    leads: () => lease.lead(),
  });
  return { directory: ownerDirectory(store, map), stop: () => emails.stop() };
}

/** The mapping file, SeekrFlow user → Slack users; a line that cannot be used is logged (by number) and skipped. */
async function loadOwnerMap(file: string | undefined, logger: Logger): Promise<OwnerMap> {
  if (!file) return new OwnerMap([]);
  const { entries, problems } = parseOwnerMap(await readFile(file, 'utf8'));
  for (const problem of problems) logger.warn({ file, problem }, 'owner map line skipped');
  const map = new OwnerMap(entries);
  logger.info({ file, entries: entries.length, emails: map.emails().length }, 'owner map read');
  return map;
}
