import type { SlackRejection } from '../../block-kit-rules.js';
import type { Workspace } from '../workspace.js';

/** A Web API answer body. Slack always answers 200 with `ok`, except for rate limits. */
export type ApiAnswer = { ok: boolean; [key: string]: unknown };

export type MethodContext = {
  ws: Workspace;
  scopes: ReadonlySet<string>;
  triggerTtlMs: number;
  /** `features.app_home.home_tab_enabled` of the app's manifest. */
  homeTabEnabled: boolean;
  /** Issues a single-use Socket Mode URL. */
  openSocketUrl: () => string;
};

export type Method = {
  /** Which token the method takes: the bot token (xoxb) or the app-level token (xapp). */
  token: 'bot' | 'app';
  /** The OAuth scope(s) the call needs, if any (may depend on the arguments); all are required. */
  scope?: (args: Record<string, unknown>, ctx: MethodContext) => string | readonly string[] | undefined;
  run: (args: Record<string, unknown>, ctx: MethodContext) => ApiAnswer;
};

export const fail = (error: string, extra: Record<string, unknown> = {}): ApiAnswer => ({ ok: false, error, ...extra });

/** A required argument left out: Slack's modern methods answer invalid_arguments with the field named. */
export const missing = (field: string): ApiAnswer =>
  fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] missing required field: ${field}`] } });

/** Slack puts validation details both in `errors` and, prefixed, in `response_metadata.messages`. */
export const rejected = (r: SlackRejection): ApiAnswer =>
  fail(r.error, r.errors ? { errors: r.errors, response_metadata: { messages: r.errors.map((e) => `[ERROR] ${e}`) } } : {});

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
/** Form bodies carry booleans as "true"/"1"; JSON bodies as booleans. */
export const flag = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isAnswer = (v: unknown): v is ApiAnswer => isRecord(v) && typeof v.ok === 'boolean';
export const USER_ID = /^[UW][A-Z0-9_]+$/;

/** Fields Slack takes as JSON; web-api sends them JSON-stringified inside form bodies. */
export const JSON_ARGS = ['blocks', 'attachments', 'view', 'metadata', 'unfurls'] as const;

/** Parses JSON-string arguments where they parse; leaves the rest for the method to reject. */
export function normaliseArgs(raw: Record<string, unknown>): Record<string, unknown> {
  const args = { ...raw };
  for (const key of JSON_ARGS) {
    const v = args[key];
    if (typeof v === 'string' && v !== '') {
      try {
        args[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method answers invalid_blocks_format / invalid_arguments as Slack does.
      }
    }
  }
  return args;
}
