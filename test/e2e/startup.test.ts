import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isBotError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { startBot } from '../../src/main.js';
import { startBotProcess } from '../support/bot-process.js';
import { type Harness, startHarness } from '../support/harness.js';

describe.each(['http', 'socket'] as const)('start-up and health in %s mode', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode });
  });
  afterAll(() => h.stop());

  it('answers /healthz with only whether the bot is up', async () => {
    const res = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('fails fast with a clear message when Slack rejects the token', async () => {
    h.slack.setTokenState('token_revoked');
    try {
      const started = Date.now();
      const logger = createLogger({ level: 'silent', secrets: [] });
      const error = await startBot(loadConfig({ ...h.env, DATA_DIR: `${h.dataDir}-second` }), { logger }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isBotError(error, 'SLACK_AUTH_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/Slack rejected SLACK_BOT_TOKEN \(token_revoked\)/);
      expect((error as Error).message).not.toContain(h.env.SLACK_BOT_TOKEN);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      h.slack.setTokenState('ok');
      rmSync(`${h.dataDir}-second`, { recursive: true, force: true });
    }
  });
});

describe.each(['http', 'socket'] as const)('/healthz with HEALTHZ_DETAILS=true in %s mode', (mode) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode, env: { HEALTHZ_DETAILS: 'true' } });
  });
  afterAll(() => h.stop());

  it('adds the mode, the storage engine and the last pass', async () => {
    await h.bot.pollNow();
    const res = await fetch(`http://127.0.0.1:${h.bot.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, mode, storage: 'sqlite', lastPass: { jobs: 0 } });
  });
});

describe('a plain-http SeekrFlow base URL off this machine', () => {
  it('is accepted, and the bot says so in a warning when it starts', async () => {
    const h = await startHarness({ env: { SEEKRFLOW_BASE_URL: 'http://seekrflow.internal.example:8080' } });
    try {
      const warning = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'configuration warning');
      expect(warning).toMatchObject({ level: 40, variable: 'SEEKRFLOW_BASE_URL' });
      expect(warning?.warning).toMatch(/plain http:\/\/ to seekrflow\.internal\.example.*API key would travel unencrypted/);
    } finally {
      await h.stop();
    }
  });

  it('is not warned about on loopback', async () => {
    const h = await startHarness();
    try {
      expect(h.env.SEEKRFLOW_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(h.logs.join('\n')).not.toContain('configuration warning');
    } finally {
      await h.stop();
    }
  });
});

describe('the bot process', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('exits 1 naming each bad variable when the configuration is invalid', async () => {
    const error = await startBotProcess({ SLACK_BOT_TOKEN: 'nope', PORT: '0' }, { timeoutMs: 15_000 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/exited at start/);
    expect(error?.message).toMatch(/SLACK_BOT_TOKEN: expected a bot token starting with xoxb-/);
    expect(error?.message).toMatch(/SEEKRFLOW_API_KEY: required/);
    expect(error?.message).toMatch(/SLACK_SIGNING_SECRET: required in HTTP mode/);
  });

  it('refuses to start on a data directory another process holds (it would double-post)', async () => {
    // The in-process bot of the harness holds h.dataDir.
    const error = await startBotProcess({ ...h.env, PORT: '0' }, { timeoutMs: 15_000 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/exited at start/);
    expect(error?.message).toContain(
      `datajob-bot could not start: The data directory ${h.dataDir} is in use by another datajob-bot: stop that one, ` +
        'or give this one a DATA_DIR of its own (to run several, use PostgreSQL through DATABASE_URL).\n',
    );
  });
});

describe('start-up failures', () => {
  const start = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        PATH: process.env.PATH ?? '',
        SLACK_BOT_TOKEN: 'xoxb-start-failure-token',
        SLACK_SIGNING_SECRET: 'signing-start-secret',
        SEEKRFLOW_API_KEY: 'key-start-secret',
        PORT: '0',
        LOG_LEVEL: 'debug',
        ...env,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('name an unreachable PostgreSQL by its URL with the password and secret parameters redacted', () => {
    const result = start({
      DATABASE_URL: 'postgres://bot:pg-start-s3cret@127.0.0.1:1/datajob?application_name=bot&sslpassword=ssl-start-s3cret',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /datajob-bot could not start: Could not open the PostgreSQL database at postgres:\/\/bot:REDACTED@127\.0\.0\.1:1\/datajob\?application_name=bot&sslpassword=REDACTED \(.+\)\. Check DATABASE_URL/,
    );
    for (const secret of ['pg-start-s3cret', 'ssl-start-s3cret']) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  it('name an unreachable SLACK_API_URL with the token in its query redacted', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'datajob-bot-start-'));
    try {
      const result = start({ SLACK_API_URL: 'http://127.0.0.1:1/api/?token=xoxp-start-query-secret', DATA_DIR: dataDir });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/could not start: Could not reach Slack .*at http:\/\/127\.0\.0\.1:1\/api\/\?token=REDACTED\)/);
      expect(`${result.stdout}${result.stderr}`).not.toContain('xoxp-start-query-secret');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('datajob-bot check-config', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check-config'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });

  it('exits 1 in an empty environment, naming SLACK_BOT_TOKEN and SEEKRFLOW_API_KEY', () => {
    const result = run({});
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/SLACK_BOT_TOKEN: required/);
    expect(result.stderr).toMatch(/SEEKRFLOW_API_KEY: required/);
  });

  it('prints a warning for a plain-http SeekrFlow base URL that is not this machine, and still exits 0', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxb-check-config-secret',
      SLACK_SIGNING_SECRET: 'signing-check-secret',
      SEEKRFLOW_API_KEY: 'k-secret',
    };
    const result = run({ ...secrets, SEEKRFLOW_BASE_URL: 'http://flow.seekr.example' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /Warnings:\n {2}SEEKRFLOW_BASE_URL: uses plain http:\/\/ to flow\.seekr\.example, which is not this machine: the SeekrFlow API key would travel unencrypted/,
    );
    expect(run({ ...secrets, SEEKRFLOW_BASE_URL: 'http://127.0.0.1:4010' }).stdout).not.toMatch(/Warnings/);
  });

  it('redacts credentials and secret parameters of every URL setting', () => {
    const result = run({
      SLACK_BOT_TOKEN: 'xoxb-check-config-secret',
      SLACK_SIGNING_SECRET: 'signing-check-secret',
      SEEKRFLOW_API_KEY: 'key-check-secret',
      DATABASE_URL: 'postgres://bot:pg-check-s3cret@db.internal/datajob?sslpassword=ssl-check-s3cret',
      SLACK_API_URL: 'https://slack-proxy.internal/api/?token=xoxp-check-query',
      SEEKRFLOW_BASE_URL: 'https://svc:basic-check-pass@flow.internal/?api_key=sf-check-query',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/DATABASE_URL\s+postgres:\/\/bot:REDACTED@db\.internal\/datajob\?sslpassword=REDACTED/);
    expect(result.stdout).toMatch(/SLACK_API_URL\s+https:\/\/slack-proxy\.internal\/api\/\?token=REDACTED/);
    expect(result.stdout).toMatch(/SEEKRFLOW_BASE_URL\s+https:\/\/svc:REDACTED@flow\.internal\/\?api_key=REDACTED/);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(
      /pg-check-s3cret|ssl-check-s3cret|xoxp-check-query|basic-check-pass|sf-check-query/,
    );
  });

  it('prints the effective configuration with secrets redacted, and exits 0', () => {
    const result = run({
      SLACK_BOT_TOKEN: 'xoxb-check-config-secret',
      SLACK_SIGNING_SECRET: 'signing-check-secret',
      SEEKRFLOW_API_KEY: 'key-check-secret',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/SEEKRFLOW_BASE_URL\s+https:\/\/flow\.seekr\.com/);
    expect(result.stdout).not.toMatch(/check-config-secret|signing-check-secret|key-check-secret/);
  });
});
