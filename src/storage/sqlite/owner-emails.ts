import type Database from 'better-sqlite3';
import type { EmailResolution, OwnerEmailStore } from '../../core/ports/owners.js';
import { bindPort } from '../store-support.js';

interface OwnerEmailRow {
  email: string;
  slack_user_id: string | null;
  resolved_at: number | null;
  last_error: string | null;
  failed_at: number | null;
  failures: number;
  next_attempt_at: number;
}

const toEmailResolution = (r: OwnerEmailRow): EmailResolution => ({
  email: r.email,
  slackUserId: r.slack_user_id,
  resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at),
  lastError: r.last_error,
  failedAt: r.failed_at === null ? null : new Date(r.failed_at),
  failures: r.failures,
  nextAttemptAt: new Date(r.next_attempt_at),
});

const EMAIL_RESOLUTIONS = 'SELECT * FROM owner_emails WHERE email IN (SELECT value FROM json_each(?))';

async function emailResolutions(sql: Statements, emails: readonly string[]): Promise<EmailResolution[]> {
  if (emails.length === 0) return [];
  return sql.emailResolutions.all(JSON.stringify(emails)).map(toEmailResolution);
}

const SAVE_EMAIL_RESOLUTION = `INSERT INTO owner_emails (email, slack_user_id, resolved_at, last_error, failed_at, failures, next_attempt_at)
  VALUES (@email, @slack_user_id, @resolved_at, @last_error, @failed_at, @failures, @next_attempt_at)
  ON CONFLICT (email) DO UPDATE SET slack_user_id = excluded.slack_user_id, resolved_at = excluded.resolved_at,
    last_error = excluded.last_error, failed_at = excluded.failed_at, failures = excluded.failures,
    next_attempt_at = excluded.next_attempt_at`;

async function saveEmailResolution(sql: Statements, r: EmailResolution): Promise<void> {
  sql.saveEmailResolution.run({
    email: r.email,
    slack_user_id: r.slackUserId,
    resolved_at: r.resolvedAt?.getTime() ?? null,
    last_error: r.lastError,
    failed_at: r.failedAt?.getTime() ?? null,
    failures: r.failures,
    next_attempt_at: r.nextAttemptAt.getTime(),
  });
}

function prepare(db: Database.Database) {
  return {
    emailResolutions: db.prepare<[string], OwnerEmailRow>(EMAIL_RESOLUTIONS),
    saveEmailResolution: db.prepare<OwnerEmailRow>(SAVE_EMAIL_RESOLUTION),
  };
}

type Statements = ReturnType<typeof prepare>;

export function ownerEmailStore(db: Database.Database): OwnerEmailStore {
  return bindPort<Statements, OwnerEmailStore>(prepare(db), { emailResolutions, saveEmailResolution });
}
