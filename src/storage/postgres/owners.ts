import type { OwnerStore } from '../../core/ports/owners.js';
import type { OwnerLink } from '../../domain/people.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

interface OwnerLinkRow {
  slack_user_id: string;
  seekrflow_user_id: string;
  quiet: boolean;
}

const toOwnerLink = (r: OwnerLinkRow): OwnerLink => ({
  slackUserId: r.slack_user_id,
  seekrflowUserId: r.seekrflow_user_id,
  quiet: r.quiet,
});

const LINK_OWNER = `INSERT INTO owner_links (slack_user_id, seekrflow_user_id, quiet, created_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (slack_user_id) DO UPDATE SET seekrflow_user_id = EXCLUDED.seekrflow_user_id, quiet = EXCLUDED.quiet`;

async function linkOwner(db: Connection, link: OwnerLink, at: Date): Promise<void> {
  await db.pool.query(LINK_OWNER, [link.slackUserId, link.seekrflowUserId, link.quiet, at]);
}

const UNLINK_OWNER = 'DELETE FROM owner_links WHERE slack_user_id = $1';

async function unlinkOwner(db: Connection, slackUserId: string): Promise<void> {
  await db.pool.query(UNLINK_OWNER, [slackUserId]);
}

const OWNER_LINK = 'SELECT * FROM owner_links WHERE slack_user_id = $1';

async function ownerLink(db: Connection, slackUserId: string): Promise<OwnerLink | null> {
  const { rows } = await db.pool.query<OwnerLinkRow>(OWNER_LINK, [slackUserId]);
  return rows[0] ? toOwnerLink(rows[0]) : null;
}

const OWNERS_OF = 'SELECT * FROM owner_links WHERE seekrflow_user_id = $1 ORDER BY slack_user_id';

async function ownersOf(db: Connection, seekrflowUserId: string): Promise<OwnerLink[]> {
  const { rows } = await db.pool.query<OwnerLinkRow>(OWNERS_OF, [seekrflowUserId]);
  return rows.map(toOwnerLink);
}

export function ownerStore(db: Connection): OwnerStore {
  return bindPort<Connection, OwnerStore>(db, { linkOwner, unlinkOwner, ownerLink, ownersOf });
}
