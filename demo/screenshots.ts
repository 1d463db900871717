/**
 * `npm run screenshots`: the pictures in docs/images/, taken from the demo page in headless
 * Chromium as the browser tests drive it: a look-up card, a living card with its thread, the
 * failed-files modal, an unfurl and the Home tab. The simulator's clock moves only when this says,
 * so each picture shows the job where it should be. Lato and a colour emoji font make them look
 * like Slack (Debian: fonts-lato, fonts-noto-color-emoji).
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import type { DataJob } from '../src/domain/data-job.js';
import { type FileSpec, makeJobWithFiles } from '../test/support/make-job.js';
import { launchChromium, missingChromium } from './browser.js';
import { messageWith, openChannel, openPage, send } from './page-driver.js';
import { jobUrl, NEVER, startDemo } from './start-demo.js';

const OUT = fileURLToPath(new URL('../docs/images/', import.meta.url));
const VIEWPORT = { width: 1320, height: 860 };
/** A message's blocks keep to 760 px; with the avatar and margins, this much of the pane shows it whole. */
const MESSAGE_WIDTH = 880;

function fontWarnings(): string[] {
  let fonts = '';
  try {
    fonts = execFileSync('fc-list', { encoding: 'utf8' });
  } catch {
    return ['fc-list is missing: cannot tell whether Lato and a colour emoji font are installed'];
  }
  const wanted = [
    ['Lato', 'fonts-lato'],
    ['Noto Color Emoji', 'fonts-noto-color-emoji'],
  ];
  return wanted
    .filter(([font]) => !fonts.includes(font as string))
    .map(([font, pkg]) => `${font} is not installed (apt-get install ${pkg})`);
}

/** Files whose failures have eleven causes, the modal's ten a page and one more, as a real upload might. */
function manyCausesJob(): DataJob {
  const failed = (name: string, error: string, fix: string): FileSpec => ({ state: 'failed', name, error, fix });
  const scans = Array.from({ length: 7 }, (_, i) =>
    failed(
      `claims-scan-${String(i + 1).padStart(3, '0')}.pdf`,
      `No extractable text found in claims-scan-${String(i + 1).padStart(3, '0')}.pdf: it holds only scanned images.`,
      'Export it again with OCR, then upload it.',
    ),
  );
  const specs: FileSpec[] = [
    ...scans,
    failed('board-minutes.docx', 'The document is password protected.', 'Ask its owner for an unprotected copy.'),
    failed('rates-2026.xlsx', 'Spreadsheets are not supported.', 'Save it as CSV or PDF and upload that.'),
    failed('town-hall.mp4', 'Unsupported file type: video/mp4.', 'Upload a transcript (PDF, DOCX or Markdown) instead.'),
    failed('policy-archive.pdf', 'The file is 212 MB; the maximum size for ingestion is 100 MB.', 'Split it into files under 100 MB.'),
    failed('vendor-contract.pdf', 'The file is damaged (unexpected end of PDF stream).', 'Download the original again and upload it.'),
    failed('empty-notes.md', 'The file is empty.', 'Remove it from the job, or upload the notes it should hold.'),
    failed('legacy-faq.doc', 'Word 97-2003 documents are not supported.', 'Save it as DOCX and upload that.'),
    failed('org-chart.png', 'Images are not ingested.', 'Describe the chart in a document and upload that.'),
    failed('glossary.txt', 'The text is not valid UTF-8 (byte 0x92 at offset 4,211).', 'Save it as UTF-8 and upload it again.'),
    failed('handbook.zip', 'Archives are not unpacked.', 'Upload the files inside it one by one.'),
    ...Array.from(
      { length: 18 },
      (_, i): FileSpec => ({ state: 'done', name: `handbook-chapter-${i + 1}.pdf`, bytes: 180_000 + i * 7_919 }),
    ),
  ];
  return makeJobWithFiles(specs, {
    id: 'dj-7c1d9e42-5b6a-4f0e-8d3c-2a1b0c9d8e7f',
    name: 'Claims handbook Q3 refresh',
    status: 'needs_review',
  });
}

/**
 * One picture: the whole window, or a part of it cut to `maxWidth` (a message's blocks keep to a
 * readable width, the pane they sit in is wider) and to `maxHeight`.
 */
async function shoot(page: Page, name: string, part?: Locator, limits: { maxWidth?: number; maxHeight?: number } = {}): Promise<void> {
  const path = `${OUT}${name}`;
  // Nothing hovered: no message toolbar in the picture.
  await page.mouse.move(0, VIEWPORT.height - 1);
  const box = part ? await part.boundingBox() : { x: 0, y: 0, ...VIEWPORT };
  if (!box) throw new Error(`${name}: nothing to take a picture of`);
  const clip = {
    x: box.x,
    y: box.y,
    width: Math.min(box.width, limits.maxWidth ?? box.width),
    height: Math.min(box.height, limits.maxHeight ?? box.height),
  };
  await page.screenshot({ path, clip, animations: 'disabled' });
  console.log(`  ${path} (${Math.round(clip.width)}×${Math.round(clip.height)})`);
}

async function main(): Promise<void> {
  const missing = missingChromium();
  if (missing) {
    console.error(`screenshots: ${missing}`);
    process.exit(1);
  }
  for (const warning of fontWarnings()) console.warn(`screenshots: ${warning}; the pictures will not look like Slack`);
  mkdirSync(OUT, { recursive: true });

  const [demo, browser] = await Promise.all([startDemo({ clock: 'manual', pollSchedule: NEVER, seed: 23 }), launchChromium()]);
  try {
    const { page } = await openPage(browser, demo.url, { viewport: VIEWPORT });
    // The page's links to Slack's Block Kit Builder are the demo's, not Slack's: not in the pictures.
    await page.addStyleTag({ content: '.modal-builder { display: none; }' });
    await openChannel(page, 'data-jobs');
    console.log('Writing:');

    // A look-up card: a job whose first files just failed, seen only by whoever asked.
    const lookup = demo.sim.createJob('file-failures');
    demo.sim.advanceUntil(lookup.id, (j) => j.ingestion_jobs.some((run) => run.records.some((r) => r.status === 'failed')));
    await send(page, `/datajob ${lookup.id}`);
    await shoot(page, 'lookup-card.png', await messageWith(page, 'Only visible to you'), { maxWidth: MESSAGE_WIDTH });
    await page.getByRole('button', { name: 'Dismiss message' }).click();

    // A living card and its thread: subscribed, then the job fails files and waits for review.
    const living = demo.sim.createJob('file-failures');
    await send(page, `/datajob subscribe ${living.id}`);
    const card = await messageWith(page, 'Live: updated automatically');
    demo.sim.advanceUntil(living.id, 'needs_review');
    await demo.bot.pollNow();
    await card.getByRole('button', { name: /replies/ }).click();
    await page.getByRole('complementary', { name: 'Thread' }).getByText('The job needs review').waitFor();
    for (const dismiss of await page.getByRole('button', { name: 'Dismiss message' }).all()) await dismiss.click();
    // The channel from the card's top, the thread at its latest replies.
    await card.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shoot(page, 'living-card-thread.png');
    await page.getByRole('button', { name: 'Close thread' }).click();

    // The failed-files modal, eleven causes on two pages.
    const many = manyCausesJob();
    demo.sim.putJob(many);
    await send(page, `/datajob ${many.id}`);
    const manyCard = await messageWith(page, 'Claims handbook Q3 refresh');
    await manyCard.getByRole('button', { name: 'Show all failed files' }).click();
    const modal = page.getByRole('dialog', { name: 'Failed files' });
    await modal.getByText(/Page 1 of 2/).waitFor();
    await shoot(page, 'failed-files-modal.png', modal);
    await modal.getByRole('button', { name: 'Close modal' }).click();
    await page.getByRole('button', { name: 'Dismiss message' }).click();

    // Acting from Slack: a ready job's Start alignment, and the confirmation Slack asks first.
    const ready = demo.sim.createJob({ files: 3, durations: { readyMs: 24 * 3_600_000 } }, { overrides: { name: 'Support FAQ refresh' } });
    demo.sim.advanceUntil(ready.id, 'ready_to_start');
    await send(page, `/datajob ${ready.id}`);
    const readyCard = await messageWith(page, 'Support FAQ refresh');
    await readyCard.getByRole('button', { name: 'Start alignment' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Start the alignment?' });
    await confirm.waitFor();
    await shoot(page, 'start-alignment.png');
    await confirm.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('button', { name: 'Dismiss message' }).click();

    // An unfurl: a person posts a link to a running job.
    const linked = demo.sim.createJob('alignment-fails');
    demo.sim.advanceUntil(linked.id, (j) => (j.alignment_job?.progress ?? 0) >= 30);
    await send(page, `Is this one close? ${jobUrl(linked.id)}`);
    const message = await messageWith(page, 'Is this one close?');
    await message
      .getByRole('region', { name: /^Preview of / })
      .getByRole('button', { name: 'Refresh' })
      .waitFor();
    await shoot(page, 'unfurl.png', message, { maxWidth: MESSAGE_WIDTH });

    // The Home tab: what alice subscribed, one ended by now.
    const done = demo.sim.createJob('happy');
    await send(page, `/datajob subscribe ${done.id}`);
    // Subscribed before the job moves on: its living card is in the channel.
    await messageWith(page, done.id);
    demo.sim.advanceUntil(done.id, 'completed');
    await demo.bot.pollNow();
    // The bot publishes a Home opened again within HOME_REFRESH_SECONDS once, not twice: a person
    // who finds it stale comes back to it a moment later.
    const home = page.getByRole('tabpanel', { name: 'Home' });
    for (let attempt = 1; ; attempt++) {
      await page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name: 'datajob-bot' }).click();
      const ended = await home
        .getByText(/Ended/)
        .first()
        .waitFor({ timeout: 2_000 })
        .then(() => true)
        .catch(() => false);
      if (ended) break;
      if (attempt === 5) throw new Error(`the Home never showed the ended subscription: ${await home.textContent()}`);
      await openChannel(page, 'data-jobs');
    }
    // The window down to the Home's last block.
    const content = await home
      .getByRole('button', { name: 'Look up a job' })
      .evaluate((el) => el.closest('.block-kit')?.getBoundingClientRect().bottom ?? 0);
    await shoot(page, 'home.png', page.locator('body'), { maxHeight: Math.ceil(content) + 24 });
  } finally {
    await browser.close();
    await demo.stop();
  }
}

await main();
