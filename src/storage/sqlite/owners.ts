import type Database from 'better-sqlite3';
import type { OwnerStore } from '../../core/ports/owners.js';
import type { OwnerLink } from '../../domain/people.js';
import { bindPort } from '../store-support.js';

interface OwnerLinkRow {
  slack_user_id: string;
  seekrflow_user_id: string;
  quiet: number;
}

const toOwnerLink = (r: OwnerLinkRow): OwnerLink => ({
  slackUserId: r.slack_user_id,
  seekrflowUserId: r.seekrflow_user_id,
  quiet: r.quiet === 1,
});

const LINK_OWNER = `INSERT INTO owner_links (slack_user_id, seekrflow_user_id, quiet, created_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (slack_user_id) DO UPDATE SET seekrflow_user_id = excluded.seekrflow_user_id, quiet = excluded.quiet`;

async function linkOwner(sql: Statements, link: OwnerLink, at: Date): Promise<void> {
  sql.linkOwner.run(link.slackUserId, link.seekrflowUserId, link.quiet ? 1 : 0, at.getTime());
}

const UNLINK_OWNER = 'DELETE FROM owner_links WHERE slack_user_id = ?';

async function unlinkOwner(sql: Statements, slackUserId: string): Promise<void> {
  sql.unlinkOwner.run(slackUserId);
}

const OWNER_LINK = 'SELECT * FROM owner_links WHERE slack_user_id = ?';

async function ownerLink(sql: Statements, slackUserId: string): Promise<OwnerLink | null> {
  const row = sql.ownerLink.get(slackUserId);
  return row ? toOwnerLink(row) : null;
}

const OWNERS_OF = 'SELECT * FROM owner_links WHERE seekrflow_user_id = ? ORDER BY slack_user_id';

async function ownersOf(sql: Statements, seekrflowUserId: string): Promise<OwnerLink[]> {
  return sql.ownersOf.all(seekrflowUserId).map(toOwnerLink);
}

function prepare(db: Database.Database) {
  return {
    linkOwner: db.prepare<[string, string, number, number]>(LINK_OWNER),
    unlinkOwner: db.prepare<[string]>(UNLINK_OWNER),
    ownerLink: db.prepare<[string], OwnerLinkRow>(OWNER_LINK),
    ownersOf: db.prepare<[string], OwnerLinkRow>(OWNERS_OF),
  };
}

type Statements = ReturnType<typeof prepare>;

export function ownerStore(db: Database.Database): OwnerStore {
  return bindPort<Statements, OwnerStore>(prepare(db), { linkOwner, unlinkOwner, ownerLink, ownersOf });
}
