import type { EmailResolution, OwnerEmailStore } from '../../core/ports/owners.js';
import { bindPort } from '../store-support.js';
import type { Connection } from './connection.js';

interface OwnerEmailRow {
  email: string;
  slack_user_id: string | null;
  resolved_at: Date | null;
  last_error: string | null;
  failed_at: Date | null;
  failures: number;
  next_attempt_at: Date;
}

const toEmailResolution = (r: OwnerEmailRow): EmailResolution => ({
  email: r.email,
  slackUserId: r.slack_user_id,
  resolvedAt: r.resolved_at,
  lastError: r.last_error,
  failedAt: r.failed_at,
  failures: r.failures,
  nextAttemptAt: r.next_attempt_at,
});

const EMAIL_RESOLUTIONS = 'SELECT * FROM owner_emails WHERE email = ANY($1::text[])';

async function emailResolutions(db: Connection, emails: readonly string[]): Promise<EmailResolution[]> {
  if (emails.length === 0) return [];
  const { rows } = await db.pool.query<OwnerEmailRow>(EMAIL_RESOLUTIONS, [emails]);
  return rows.map(toEmailResolution);
}

const SAVE_EMAIL_RESOLUTION = `INSERT INTO owner_emails (email, slack_user_id, resolved_at, last_error, failed_at, failures, next_attempt_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (email) DO UPDATE SET slack_user_id = EXCLUDED.slack_user_id, resolved_at = EXCLUDED.resolved_at,
    last_error = EXCLUDED.last_error, failed_at = EXCLUDED.failed_at, failures = EXCLUDED.failures,
    next_attempt_at = EXCLUDED.next_attempt_at`;

async function saveEmailResolution(db: Connection, r: EmailResolution): Promise<void> {
  await db.pool.query(SAVE_EMAIL_RESOLUTION, [r.email, r.slackUserId, r.resolvedAt, r.lastError, r.failedAt, r.failures, r.nextAttemptAt]);
}

export function ownerEmailStore(db: Connection): OwnerEmailStore {
  return bindPort<Connection, OwnerEmailStore>(db, { emailResolutions, saveEmailResolution });
}
