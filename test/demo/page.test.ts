import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { launchChromium, missingChromium } from '../../demo/browser.js';
import { channelMessages, messageWith, openChannel, openPage, send } from '../../demo/page-driver.js';
import { type Demo, jobUrl, NEVER, startDemo } from '../../demo/start-demo.js';
import { makeJobWithFiles, wordFor } from '../support/make-job.js';

/**
 * The demo page in headless Chromium, used as a person uses Slack: the message box, buttons, the
 * thread beside the channel, modals, the Home tab, link unfurls. Behind it the real bot (HTTP mode,
 * signed requests, SQLite), the fake Slack and the simulator on a clock the test moves: a job's
 * lifecycle advances only when a test says, and each poll pass runs when it says.
 */

const missing = missingChromium();
if (missing) console.warn(`demo page tests skipped: ${missing}`);

let channels = 0;

describe.skipIf(missing !== null)('the demo page in a real browser', { timeout: 60_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemo({ clock: 'manual', pollSchedule: NEVER }), launchChromium()]);
    // One tab for the file, as one person keeps Slack open; they are in Tokyo, so no date may come out in UTC.
    ({ context, page } = await openPage(browser, demo.url, { timezoneId: 'Asia/Tokyo' }));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.stop();
  });
  afterEach(async ({ task }) => {
    // A modal a test left open closes, as it would for a person who pressed Escape.
    for (const view of demo.slack.views()) if (view.open) demo.slack.closeView(view.id);
    if (task.result?.state !== 'fail') return;
    // What the page showed when a test failed (the quickest way to see why), then a fresh start for the next.
    const file = join(tmpdir(), `demo-page-test-${channels}.png`);
    await page.screenshot({ path: file });
    console.error(`the page when the test failed: ${file}`);
    await page.reload();
  });

  /** Each test works in a channel of its own, so what another test left behind is not on its screen. */
  async function inNewChannel(name: string): Promise<void> {
    demo.addChannel({ id: `C_TEST${++channels}`, name });
    await openChannel(page, name);
  }

  describe('slash commands', () => {
    beforeEach(() => inNewChannel(`help-${channels + 1}`));

    it('answers /datajob help only to the person, and Slack answers a command it does not know', async () => {
      await send(page, '/datajob help');
      const help = await messageWith(page, 'Watch SeekrFlow data jobs from Slack.');
      expect(await help.getByText('Only visible to you').isVisible()).toBe(true);
      // mrkdwn drawn, not shown: the command list is code, the heading bold.
      expect(await help.getByText('/datajob subscribe <job id> [all|failures|digest]', { exact: true }).isVisible()).toBe(true);
      expect(await help.getByText('*Watch SeekrFlow data jobs from Slack.*').count()).toBe(0);

      await send(page, '/datajobs list');
      const slackbot = await messageWith(page, 'is not a valid command');
      expect(await slackbot.getByText('Slackbot').isVisible()).toBe(true);

      await help.getByRole('button', { name: 'Dismiss message' }).click();
      await help.waitFor({ state: 'detached' });
    });
  });

  describe('a look-up card', () => {
    beforeEach(() => inNewChannel(`lookup-${channels + 1}`));

    it('shows the card only to the person, with dates in their time zone; Refresh replaces it, Share posts it', async () => {
      const job = demo.sim.createJob('happy', { overrides: { name: 'Look-up sample' } });
      await send(page, `/datajob ${job.id}`);
      const card = await messageWith(page, 'Look-up sample');
      expect(await card.getByText('Only visible to you').isVisible()).toBe(true);
      expect(await card.getByText(/✅ \d+ done/).isVisible()).toBe(true);
      expect(await card.getByText('*Files:*').count()).toBe(0);

      // "Created" is a <!date^…> token: shown in the viewer's zone (Tokyo), not in UTC as its fallback says.
      const created = Date.parse(job.created_at);
      const tokyo = new Date(created).toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'Asia/Tokyo' });
      expect(
        await card
          .getByText(new RegExp(`\\b${tokyo}`))
          .first()
          .isVisible(),
      ).toBe(true);
      expect(await card.getByText(/UTC/).count()).toBe(0);

      demo.sim.advanceTime(30_000);
      await card.getByRole('button', { name: 'Refresh' }).click();
      await card.getByText('Refreshed by @alice').waitFor();
      expect(await channelMessages(page).filter({ hasText: 'Look-up sample' }).count()).toBe(1);

      await card.getByRole('button', { name: 'Share in channel' }).click();
      const shared = await messageWith(page, 'Shared by @alice');
      expect(await shared.getByText('Look-up sample').isVisible()).toBe(true);
      expect(await shared.getByText('Only visible to you').count()).toBe(0);
    });
  });

  describe('a subscription', () => {
    beforeEach(() => inNewChannel(`living-${channels + 1}`));

    it('keeps one living card current and grows its thread while the job fails files', async () => {
      const job = demo.sim.createJob('file-failures', { overrides: { name: 'Failing sample' } });
      await send(page, `/datajob ${job.id}`);
      const lookup = await messageWith(page, 'Failing sample');
      await lookup.getByRole('button', { name: 'Subscribe this channel' }).click();
      await messageWith(page, /Subscribed #living-\d+ to Failing sample/);
      const living = await messageWith(page, 'Live: updated automatically');
      expect(await living.getByText('Only visible to you').count()).toBe(0);
      expect(await living.getByText(/replies|1 reply/).count()).toBe(0);

      // The lifecycle up to the first failed file, and one poll pass: the card changes in place, its thread starts.
      demo.sim.advanceUntil(job.id, (j) => j.ingestion_jobs.some((run) => run.records.some((r) => r.status === 'failed')));
      await demo.bot.pollNow();
      await living
        .getByText(/❌\s\d+ failed file/)
        .first()
        .waitFor();
      await living.getByRole('button', { name: '1 reply' }).waitFor();
      expect(await channelMessages(page).filter({ hasText: 'Live: updated automatically' }).count()).toBe(1);

      demo.sim.advanceUntil(job.id, 'needs_review');
      await demo.bot.pollNow();
      await living.getByText('Needs review').first().waitFor();
      await living.getByRole('button', { name: /replies/ }).click();
      const thread = page.getByRole('complementary', { name: 'Thread' });
      const replies = thread.getByRole('list', { name: 'Replies' }).getByRole('listitem');
      await replies
        .filter({ hasText: /\d+ files? failed to process/ })
        .first()
        .waitFor();
      await replies.filter({ hasText: 'The job needs review' }).waitFor();
      // The card heads the thread; the replies are the bot's, each once.
      expect(await thread.getByRole('list', { name: 'Thread parent' }).getByText('Live: updated automatically').isVisible()).toBe(true);
      expect(await replies.filter({ hasText: 'Live: updated automatically' }).count()).toBe(0);

      // Unsubscribe asks first (the card's Block Kit confirm); then the card says it is no longer updated.
      await living.getByRole('button', { name: 'Unsubscribe' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Unsubscribe this channel?' });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      await living.getByRole('button', { name: 'Unsubscribe' }).click();
      await confirm.getByRole('button', { name: 'Unsubscribe' }).click();
      await channelMessages(page).filter({ hasText: 'No longer updated: unsubscribed by @alice' }).waitFor();
    });
  });

  describe('acting on a job', () => {
    beforeEach(() => inNewChannel(`act-${channels + 1}`));

    it('starts a ready job’s alignment from its card, after Slack’s confirmation', async () => {
      const job = demo.sim.createJob({ files: 2, durations: { readyMs: 24 * 3_600_000 } }, { overrides: { name: 'Ready sample' } });
      demo.sim.advanceUntil(job.id, 'ready_to_start');
      await send(page, `/datajob ${job.id}`);
      const card = await messageWith(page, 'Ready sample');
      // Asked first: "Not now" does nothing.
      await card.getByRole('button', { name: 'Start alignment' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Start the alignment?' });
      expect(await confirm.getByText('Start the alignment of “Ready sample”?', { exact: false }).isVisible()).toBe(true);
      await confirm.getByRole('button', { name: 'Not now' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect(demo.sim.getJob(job.id)?.status).toBe('ready_to_start');

      await card.getByRole('button', { name: 'Start alignment' }).click();
      await confirm.getByRole('button', { name: 'Start alignment' }).click();
      await messageWith(page, /Alignment started: Ready sample/);
      expect(demo.sim.getJob(job.id)?.status).not.toBe('ready_to_start');
    });
  });

  describe('the failed-files modal', () => {
    beforeEach(() => inNewChannel(`failures-${channels + 1}`));

    it('opens from the card and pages through the causes', async () => {
      const causes = 14;
      const id = 'dj-5e1f0c2a-7d3b-4c8e-9a61-0f2b3c4d5e6f';
      demo.sim.putJob(
        makeJobWithFiles(
          Array.from({ length: causes }, (_, i) => ({
            state: 'failed' as const,
            name: `report-${wordFor(i)}.pdf`,
            error: `Cause ${wordFor(i)}: the parser gave up`,
            fix: `Fix ${wordFor(i)} and upload it again`,
          })),
          { id, name: 'Many causes', status: 'needs_review' },
        ),
      );
      await send(page, `/datajob ${id}`);
      const card = await messageWith(page, 'Many causes');
      await card.getByRole('button', { name: 'Show all failed files' }).click();
      const modal = page.getByRole('dialog', { name: 'Failed files' });
      await modal.getByText(/Page 1 of 2/).waitFor();
      expect(await modal.getByText('Cause a: the parser gave up').isVisible()).toBe(true);
      await modal.getByRole('button', { name: 'Next →' }).click();
      await modal.getByText(/Page 2 of 2/).waitFor();
      expect(await modal.getByText(`Cause ${wordFor(causes - 1)}: the parser gave up`).isVisible()).toBe(true);
      await modal.getByRole('button', { name: '← Previous' }).click();
      await modal.getByText(/Page 1 of 2/).waitFor();
      await modal.getByRole('button', { name: 'Close', exact: true }).click();
      await modal.waitFor({ state: 'detached' });
    });
  });

  describe('the App Home', () => {
    // A workspace of its own: the Home lists every subscription the person made, in any channel.
    let own: Demo;
    beforeAll(async () => {
      own = await startDemo({ clock: 'manual', pollSchedule: NEVER });
    });
    afterAll(() => own?.stop());

    it('lists the subscription, unsubscribes after its confirmation, and looks up a job in a modal', async () => {
      const { context, page } = await openPage(browser, own.url);
      onTestFinished(() => context.close());
      const job = own.sim.createJob('happy', { overrides: { name: 'Home sample' } });
      await send(page, `/datajob subscribe ${job.id}`);
      await messageWith(page, 'Live: updated automatically');

      await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'datajob-bot' }).click();
      const home = page.getByRole('tabpanel', { name: 'Home' });
      await home.getByText('Home sample').waitFor();
      await home.getByText('Live: its card is kept current').waitFor();

      // Unsubscribe asks first (a Block Kit confirm): Cancel leaves it, the confirm button unsubscribes.
      const unsubscribe = home.getByRole('button', { name: 'Unsubscribe' });
      await unsubscribe.click();
      const confirm = page.getByRole('alertdialog', { name: 'Unsubscribe the channel?' });
      await confirm.getByText('Its card stops updating').waitFor();
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect(await home.getByText('Live: its card is kept current').isVisible()).toBe(true);
      await unsubscribe.click();
      await confirm.getByRole('button', { name: 'Unsubscribe' }).click();
      await home.getByText(/Unsubscribed #data-jobs from/).waitFor();
      await unsubscribe.waitFor({ state: 'detached' });

      await home.getByRole('button', { name: 'Look up a job' }).click();
      const form = page.getByRole('dialog', { name: 'Look up a job' });
      const submit = form.getByRole('button', { name: /Look up|Show/ });
      await submit.click();
      await form.getByText('Please complete this required field.').waitFor();
      // The bot's `response_action: errors` shows under the input, as Slack shows it.
      await form.getByRole('textbox').fill('not a job!');
      await submit.click();
      await form.getByRole('alert').filter({ hasText: 'That is not a job id' }).waitFor();
      await form.getByRole('textbox').fill(job.id);
      await submit.click();
      const card = page.getByRole('dialog', { name: 'Data job' });
      await card.getByText('Home sample').waitFor();
      expect(await card.getByText(/✅ \d+ done/).isVisible()).toBe(true);
    });
  });

  describe('links and the message shortcut', () => {
    beforeEach(() => inNewChannel(`links-${channels + 1}`));

    it('unfurls a posted job link, and "Watch this job" subscribes the channel from a modal', async () => {
      const job = demo.sim.createJob('happy', { overrides: { name: 'Linked sample' } });
      await send(page, `is this one stuck? ${jobUrl(job.id)}`);
      const message = await messageWith(page, 'is this one stuck?');
      expect(await message.getByText('alice').first().isVisible()).toBe(true);
      const preview = message.getByRole('region', { name: `Preview of ${jobUrl(job.id)}` });
      await preview.getByText('Linked sample').waitFor();
      demo.sim.advanceTime(20_000);
      await preview.getByRole('button', { name: 'Refresh' }).click();
      await preview.getByText('Refreshed by @alice').waitFor();

      await message.hover();
      await message.getByRole('button', { name: 'More actions' }).click();
      await page.getByRole('menuitem', { name: /Watch this job/ }).click();
      const modal = page.getByRole('dialog', { name: 'Watch this job' });
      await modal.getByRole('radio', { name: /Failures/ }).check();
      await modal.getByRole('button', { name: 'Subscribe' }).click();
      await modal.getByText(/Subscribed #links-\d+ to Linked sample/).waitFor();
      await modal.getByRole('button', { name: 'Close', exact: true }).click();
      await messageWith(page, 'Subscribed by @alice (failures)');
    });
  });

  /** What the bot would send, sent with its token straight to the fake Slack's Web API. */
  async function postAsBot(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await fetch(`${demo.slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  describe('mrkdwn', () => {
    beforeEach(() => inNewChannel(`mrkdwn-${channels + 1}`));

    it("draws a message's mrkdwn as Slack does, verbatim or not", async () => {
      const text =
        '*Bold* _slanted_ ~gone~ `dj-1` a &gt; b, <https://example.com/x|a link> <@U_ALICE> <#C_DATA_JOBS> ' +
        ':white_check_mark: :satellite: :no_such_emoji:\n&gt; quoted';
      const posted = await postAsBot({
        channel: `C_TEST${channels}`,
        text: 'mrkdwn sample',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }],
      });
      expect(posted.ok).toBe(true);
      const message = await messageWith(page, 'slanted');
      const style = (name: string, property: 'fontWeight' | 'fontStyle' | 'fontFamily') =>
        message.getByText(name, { exact: true }).evaluate((el, p) => el.ownerDocument.defaultView?.getComputedStyle(el)[p], property);
      expect(Number(await style('Bold', 'fontWeight'))).toBeGreaterThanOrEqual(600);
      expect(await style('slanted', 'fontStyle')).toBe('italic');
      expect(await message.getByText('gone', { exact: true }).evaluate((el) => el.closest('del, s') !== null)).toBe(true);
      expect(await style('dj-1', 'fontFamily')).toMatch(/Monaco|monospace/);
      expect(await message.getByText(/a > b,/).isVisible()).toBe(true);
      expect(await message.getByRole('link', { name: 'a link' }).getAttribute('href')).toBe('https://example.com/x');
      expect(await message.getByText('@alice').isVisible()).toBe(true);
      expect(await message.getByText('#data-jobs').isVisible()).toBe(true);
      expect(await message.getByText('✅').isVisible()).toBe(true);
      // Slack's own name for 🛰️ (GitHub's :satellite: is 📡); a name Slack does not know stays text.
      expect(await message.getByText('🛰️').isVisible()).toBe(true);
      expect(await message.getByText(':no_such_emoji:').isVisible()).toBe(true);
      // A line that starts with an escaped > is a quote: the text, without its marker.
      expect(await message.getByText('quoted', { exact: true }).isVisible()).toBe(true);
      for (const raw of ['*Bold*', '_slanted_', '&gt;', '> quoted', '<@U_ALICE>', ':white_check_mark:'])
        expect(await message.getByText(raw).count()).toBe(0);
    });
  });

  describe("Slack's refusals", () => {
    beforeEach(() => inNewChannel(`refused-${channels + 1}`));

    it('shows what Slack answered a message it would reject, in the channel it was meant for', async () => {
      const answer = await postAsBot({
        channel: `C_TEST${channels}`,
        text: 'a card',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      });
      expect(answer).toMatchObject({ ok: false, error: 'invalid_blocks' });
      const refusal = await messageWith(page, 'Slack refused chat.postMessage');
      expect(await refusal.getByText('invalid_blocks', { exact: true }).isVisible()).toBe(true);
      expect(await refusal.getByText(/json-pointer:\/blocks\/0\/text/).isVisible()).toBe(true);
    });
  });
});
