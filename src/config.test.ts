import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, describeConfig, loadConfig, secretsOf } from './config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-test-bot', SLACK_SIGNING_SECRET: 'signing-secret-value', SEEKRFLOW_API_KEY: 'sf-key-value' };

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.message]));
  }
  return {};
}

describe('loadConfig', () => {
  it('applies the documented defaults to a minimal HTTP-mode environment', () => {
    const c = loadConfig(base);
    expect(c.slack.mode).toBe('http');
    expect(c.slack.port).toBe(3000);
    expect(c.seekrflow.baseUrl).toBe('https://flow.seekr.com');
    expect(c.seekrflow.timeoutMs).toBe(10_000);
    expect(c.seekrflow.maxBodyMb).toBe(64);
    expect(c.slack.healthzDetails).toBe(false);
    expect(c.seekrflow.unfurlDomains).toEqual([]);
    expect(c.slack.homeRefreshSeconds).toBe(3);
    expect(c.poll).toEqual({ schedule: '* * * * *', concurrency: 8, stallAfterMinutes: 60, unreachableAfterMinutes: 10 });
    expect(c.storage).toEqual({
      dataDir: './data',
      databaseUrl: undefined,
      databaseSchema: undefined,
      retentionDays: 30,
      postgres: { statementTimeoutMs: 30_000, queryTimeoutMs: 40_000, keepAliveSeconds: 15 },
    });
    expect(c.logLevel).toBe('info');
    expect(Object.isFrozen(c) && Object.isFrozen(c.slack)).toBe(true);
  });

  it('selects Socket Mode when an app token is set, and then needs no signing secret', () => {
    const c = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-a', SEEKRFLOW_API_KEY: 'k', SLACK_APP_TOKEN: 'xapp-1-abc' });
    expect(c.slack.mode).toBe('socket');
  });

  it.each([
    [
      'SLACK_API_URL gets a trailing slash',
      { SLACK_API_URL: 'http://127.0.0.1:9/api' },
      (c: ReturnType<typeof loadConfig>) => c.slack.apiUrl,
      'http://127.0.0.1:9/api/',
    ],
    [
      'base URL loses trailing slashes',
      { SEEKRFLOW_BASE_URL: 'http://127.0.0.1:4010//' },
      (c: ReturnType<typeof loadConfig>) => c.seekrflow.baseUrl,
      'http://127.0.0.1:4010',
    ],
    ['/healthz details on', { HEALTHZ_DETAILS: 'TRUE' }, (c: ReturnType<typeof loadConfig>) => c.slack.healthzDetails, true],
    ['answer size cap in MB', { SEEKRFLOW_MAX_BODY_MB: '5' }, (c: ReturnType<typeof loadConfig>) => c.seekrflow.maxBodyMb, 5],
    [
      'blank optional values count as unset',
      { SEEKRFLOW_TEAM_ID: '  ' },
      (c: ReturnType<typeof loadConfig>) => c.seekrflow.teamId,
      undefined,
    ],
    [
      'six-field cron schedules are allowed',
      { POLL_SCHEDULE: '*/5 * * * * *' },
      (c: ReturnType<typeof loadConfig>) => c.poll.schedule,
      '*/5 * * * * *',
    ],
    [
      'PostgreSQL timeouts and keepalive',
      { DATABASE_STATEMENT_TIMEOUT_MS: '1000', DATABASE_QUERY_TIMEOUT_MS: '1500', DATABASE_KEEPALIVE_SECONDS: '5' },
      (c: ReturnType<typeof loadConfig>) => JSON.stringify(c.storage.postgres),
      '{"statementTimeoutMs":1000,"queryTimeoutMs":1500,"keepAliveSeconds":5}',
    ],
    [
      'PostgreSQL URL',
      { DATABASE_URL: 'postgres://u@h/db' },
      (c: ReturnType<typeof loadConfig>) => c.storage.databaseUrl,
      'postgres://u@h/db',
    ],
  ])('%s', (_name, extra, pick, expected) => {
    expect(pick(loadConfig({ ...base, ...extra }))).toBe(expected);
  });

  it('reads the unfurl domains as lower-case host names, each once', () => {
    const c = loadConfig({ ...base, SEEKRFLOW_UNFURL_DOMAINS: ' seekr.com, Apps.Seekr.com ,seekr.com,' });
    expect(c.seekrflow.unfurlDomains).toEqual(['seekr.com', 'apps.seekr.com']);
  });

  it('leaves actions off unless ACTION_USERGROUPS names groups; ACTION_OWNERS is a flag', () => {
    expect(loadConfig(base).actions).toEqual({ usergroups: [], owners: false });
    expect(loadConfig({ ...base, ACTION_USERGROUPS: ' S0DATA , S0ML,', ACTION_OWNERS: 'yes' }).actions).toEqual({
      usergroups: ['S0DATA', 'S0ML'],
      owners: true,
    });
  });

  it('names every bad variable of an empty environment in one error', () => {
    const problems = problemsOf({});
    expect(Object.keys(problems).sort()).toEqual(['SEEKRFLOW_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
    expect(problems.SLACK_BOT_TOKEN).toMatch(/required/);
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /xoxb-/],
    ['SLACK_APP_TOKEN', 'not-an-app-token', /xapp-/],
    ['SEEKRFLOW_API_KEY', 'Bearer abc', /without a "Bearer "/],
    ['PORT', '70000', /0 to 65535/],
    ['PORT', 'eighty', /whole number/],
    ['SEEKRFLOW_TIMEOUT_MS', '5', /100 to 120000/],
    ['SEEKRFLOW_BASE_URL', 'flow.seekr.com', /http\(s\) URL/],
    ['SLACK_API_URL', 'ftp://x', /http\(s\) URL/],
    ['SEEKRFLOW_JOB_URL_TEMPLATE', 'https://apps.seekr.com/jobs', /\{id\}/],
    ['HEALTHZ_DETAILS', 'maybe', /true or false/],
    ['SEEKRFLOW_MAX_BODY_MB', '0', /1 to 512/],
    ['SEEKRFLOW_MAX_BODY_MB', '1024', /1 to 512/],
    ['POLL_SCHEDULE', 'every minute', /cron expression/],
    ['POLL_CONCURRENCY', '0', /1 to 256/],
    ['STALL_AFTER_MINUTES', '-1', /0 to 10080/],
    ['UNREACHABLE_AFTER_MINUTES', '1.5', /whole number/],
    ['DATABASE_URL', 'mysql://x', /PostgreSQL URL/],
    ['LOG_LEVEL', 'loud', /one of fatal, error/],
    ['DATABASE_SCHEMA', 'bad-name;', /schema name/],
    ['SEEKRFLOW_UNFURL_DOMAINS', 'https://seekr.com/', /host names/],
    ['SEEKRFLOW_UNFURL_DOMAINS', 'seekr.com,-bad.com', /not -bad\.com/],
    ['SEEKRFLOW_UNFURL_DOMAINS', 'a.com,b.com,c.com,d.com,e.com,f.com', /at most 5/],
    ['HOME_REFRESH_SECONDS', '0', /1 to 60/],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0', /100 to 3600000/],
    ['DATABASE_QUERY_TIMEOUT_MS', '30s', /whole number/],
    ['DATABASE_KEEPALIVE_SECONDS', '0', /1 to 7200/],
    ['ACTION_USERGROUPS', 'S0DATA,@ml-team', /user group ids \(S…\).*not @ml-team/],
    ['ACTION_OWNERS', 'sometimes', /true or false/],
  ])('%s=%j is refused with what it expects', (variable, value, expected) => {
    const problems = problemsOf({ ...base, [variable]: value });
    expect(Object.keys(problems)).toEqual([variable]);
    expect(problems[variable]).toMatch(expected);
  });

  it('never puts a secret value in its error message', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxp-secret-user-token-123', SEEKRFLOW_API_KEY: 'Bearer secret-key-456', SLACK_SIGNING_SECRET: 's' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/secret-user-token-123|secret-key-456/);
    }
  });
});

describe('describeConfig', () => {
  it('redacts every secret', () => {
    const c = loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-1-secretapp', DATABASE_URL: 'postgres://bot:hunter22@db/x' });
    const shown = JSON.stringify(describeConfig(c));
    for (const secret of ['test-bot', 'signing-secret-value', 'sf-key-value', 'secretapp', 'hunter22']) expect(shown).not.toContain(secret);
    expect(shown).toContain('Socket Mode');
  });

  /** Credentials and secret parameters in every URL setting, and the text each must show instead. */
  const URL_SECRETS = {
    DATABASE_URL: [
      'postgres://bot:pg-s3cret%40x@db.internal:5432/datajob?sslmode=require&sslpassword=key-pass-77&application_name=bot',
      'postgres://bot:REDACTED@db.internal:5432/datajob?sslmode=require&sslpassword=REDACTED&application_name=bot',
    ],
    SLACK_API_URL: [
      'https://slack-proxy.internal/api/?token=xoxp-query-token-1&region=eu',
      'https://slack-proxy.internal/api/?token=REDACTED&region=eu',
    ],
    SEEKRFLOW_BASE_URL: [
      'https://svc:basic-pass-9@flow.internal/?api_key=sf-query-key-2',
      'https://svc:REDACTED@flow.internal/?api_key=REDACTED',
    ],
  };
  const HIDDEN = ['pg-s3cret', 'key-pass-77', 'xoxp-query-token-1', 'basic-pass-9', 'sf-query-key-2'];

  it('redacts credentials and secret query parameters in every URL setting', () => {
    const env = Object.fromEntries(Object.entries(URL_SECRETS).map(([k, [raw]]) => [k, raw as string]));
    const shown = describeConfig(loadConfig({ ...base, ...env }));
    for (const secret of HIDDEN) expect(JSON.stringify(shown)).not.toContain(secret);
    for (const [variable, [, redacted]] of Object.entries(URL_SECRETS)) expect(String(shown[variable])).toContain(redacted);
  });

  it('hands the scrubber every secret the URL settings carry, as written and decoded', () => {
    const env = Object.fromEntries(Object.entries(URL_SECRETS).map(([k, [raw]]) => [k, raw as string]));
    const secrets = secretsOf(loadConfig({ ...base, ...env }));
    for (const secret of ['pg-s3cret%40x', 'pg-s3cret@x', 'key-pass-77', 'xoxp-query-token-1', 'basic-pass-9', 'sf-query-key-2']) {
      expect(secrets).toContain(secret);
    }
    // A database user name is not a secret: scrubbing "postgres" would blank the word from every log.
    expect(secretsOf(loadConfig({ ...base, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }))).not.toContain('postgres');
  });
});

describe('configWarnings', () => {
  it.each([
    'https://flow.seekr.com',
    'http://127.0.0.1:4010',
    'http://127.5.6.7',
    'http://127.1:8080',
    'http://[::1]:4010',
    'http://localhost:4010',
    'http://LOCALHOST',
  ])('accepts %s for SEEKRFLOW_BASE_URL without a word', (url) => {
    expect(configWarnings(loadConfig({ ...base, SEEKRFLOW_BASE_URL: url }))).toEqual([]);
  });

  it.each([
    ['http://flow.seekr.com', 'flow.seekr.com'],
    ['http://10.0.0.5:8080', '10.0.0.5'],
    ['http://128.0.0.1', '128.0.0.1'],
    ['http://localhost.evil.example', 'localhost.evil.example'],
    ['http://127.0.0.1.evil.example', '127.0.0.1.evil.example'],
    ['http://[::2]', '[::2]'],
  ])('accepts %s for SEEKRFLOW_BASE_URL, with a warning that the key would travel in clear', (url, host) => {
    const config = loadConfig({ ...base, SEEKRFLOW_BASE_URL: url });
    expect(config.seekrflow.baseUrl).toBe(url);
    const warnings = configWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.variable).toBe('SEEKRFLOW_BASE_URL');
    expect(warnings[0]?.message).toContain(
      `plain http:// to ${host}, which is not this machine: the SeekrFlow API key would travel unencrypted`,
    );
  });

  it('warns when the bot would give up on PostgreSQL before PostgreSQL cancels the statement', () => {
    const pg = { ...base, DATABASE_URL: 'postgres://u@h/db', DATABASE_STATEMENT_TIMEOUT_MS: '5000' };
    expect(configWarnings(loadConfig({ ...pg, DATABASE_QUERY_TIMEOUT_MS: '6000' }))).toEqual([]);
    const warnings = configWarnings(loadConfig({ ...pg, DATABASE_QUERY_TIMEOUT_MS: '5000' }));
    expect(warnings.map((w) => w.variable)).toEqual(['DATABASE_QUERY_TIMEOUT_MS']);
    expect(warnings[0]?.message).toMatch(/not longer than DATABASE_STATEMENT_TIMEOUT_MS \(5000 ≤ 5000 ms\)/);
    // Without PostgreSQL the settings are unused: no word about them.
    expect(configWarnings(loadConfig({ ...base, DATABASE_QUERY_TIMEOUT_MS: '100' }))).toEqual([]);
  });

  it('warns about a plain-http SLACK_API_URL off this machine too (the bot token)', () => {
    const warnings = configWarnings(loadConfig({ ...base, SLACK_API_URL: 'http://slack-proxy.internal/api/' }));
    expect(warnings.map((w) => w.variable)).toEqual(['SLACK_API_URL']);
    expect(warnings[0]?.message).toMatch(/Slack bot token would travel unencrypted/);
  });
});

describe('flags', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-flag-test', SLACK_SIGNING_SECRET: 'flag-secret', SEEKRFLOW_API_KEY: 'flag-key' };
  it.each([
    ['true', true],
    ['YES', true],
    ['on', true],
    ['1', true],
    ['False', false],
    ['no', false],
    ['off', false],
    ['0', false],
  ])('read %s as %s, whichever flag it is', (value, expected) => {
    const config = loadConfig({ ...base, HEALTHZ_DETAILS: value, ALLOW_GUESTS: value, ALLOW_SHARED_CHANNELS: value });
    expect([config.slack.healthzDetails, config.access.allowGuests, config.access.allowSharedChannels]).toEqual([
      expected,
      expected,
      expected,
    ]);
  });
});
