import type { ActionClaim, ActionClaimStore, ActionKey, ClaimResult } from '../../core/ports/actions.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

// The primary key decides across replicas: of two inserts at once, one inserts a row and the other waits, then none.
const CLAIM = `INSERT INTO action_claims (job_id, action, shown_state, user_id, channel_id, claimed_at)
  VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`;
const HOLDER = 'SELECT user_id, claimed_at FROM action_claims WHERE job_id = $1 AND action = $2 AND shown_state = $3';

async function claimAction(db: Connection, claim: ActionClaim): Promise<ClaimResult> {
  const key = [claim.jobId, claim.action, claim.shownState];
  const inserted = await db.pool.query(CLAIM, [...key, claim.userId, claim.channelId, claim.at]);
  if (inserted.rowCount === 1) return { claimed: true };
  const holder = await db.pool.query<{ user_id: string; claimed_at: Date }>(HOLDER, key);
  const row = holder.rows[0];
  // Released between the two statements: whoever released it was refused; this caller may claim again.
  if (!row) return claimAction(db, claim);
  return { claimed: false, by: row.user_id, at: row.claimed_at };
}

const RELEASE = 'DELETE FROM action_claims WHERE job_id = $1 AND action = $2 AND shown_state = $3';

async function releaseAction(db: Connection, key: ActionKey): Promise<void> {
  await db.pool.query(RELEASE, [key.jobId, key.action, key.shownState]);
}

export function actionClaimStore(db: Connection): ActionClaimStore {
  return bindPort<Connection, ActionClaimStore>(db, { claimAction, releaseAction });
}
