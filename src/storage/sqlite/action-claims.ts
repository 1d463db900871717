import type Database from 'better-sqlite3';
import type { ActionClaim, ActionClaimStore, ActionKey, ClaimResult } from '../../core/ports/actions.js';
import { bindPort } from '../store-support.js';

// The primary key decides: of two inserts at once, one inserts a row and the other none.
const CLAIM = `INSERT INTO action_claims (job_id, action, shown_state, user_id, channel_id, claimed_at)
  VALUES (@jobId, @action, @shownState, @userId, @channelId, @at) ON CONFLICT DO NOTHING`;
const HOLDER = 'SELECT user_id, claimed_at FROM action_claims WHERE job_id = ? AND action = ? AND shown_state = ?';

async function claimAction(sql: Statements, claim: ActionClaim): Promise<ClaimResult> {
  const key = { jobId: claim.jobId, action: claim.action, shownState: claim.shownState };
  const inserted = sql.claim.run({ ...key, userId: claim.userId, channelId: claim.channelId, at: claim.at.getTime() }).changes === 1;
  if (inserted) return { claimed: true };
  const holder = sql.holder.get(claim.jobId, claim.action, claim.shownState);
  // Released between the two statements: whoever released it was refused; this caller may claim again.
  if (!holder) return claimAction(sql, claim);
  return { claimed: false, by: holder.user_id, at: new Date(holder.claimed_at) };
}

const RELEASE = 'DELETE FROM action_claims WHERE job_id = ? AND action = ? AND shown_state = ?';

async function releaseAction(sql: Statements, key: ActionKey): Promise<void> {
  sql.release.run(key.jobId, key.action, key.shownState);
}

function prepare(db: Database.Database) {
  return {
    claim: db.prepare<{ jobId: string; action: string; shownState: string; userId: string; channelId: string | null; at: number }>(CLAIM),
    holder: db.prepare<[string, string, string], { user_id: string; claimed_at: number }>(HOLDER),
    release: db.prepare<[string, string, string]>(RELEASE),
  };
}

type Statements = ReturnType<typeof prepare>;

export function actionClaimStore(db: Database.Database): ActionClaimStore {
  return bindPort<Statements, ActionClaimStore>(prepare(db), { claimAction, releaseAction });
}
