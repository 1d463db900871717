import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/**
 * How the browser tests and the screenshots use the page: as a person would, by roles and the text
 * on screen, through playwright's locators (which wait until what they name is there).
 */

export const VIEWPORT = { width: 1320, height: 900 };

export async function openPage(
  browser: Browser,
  url: string,
  options: { timezoneId?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? VIEWPORT,
    locale: 'en-US',
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const page = await context.newPage();
  // Generous: the page shares two cores with the rest of the suite; a locator returns as soon as it finds its sign.
  page.setDefaultTimeout(20_000);
  await page.goto(url);
  await page.getByRole('navigation', { name: 'Sidebar' }).waitFor();
  return { context, page };
}

export function sidebarItem(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Sidebar' }).getByRole('button', { name, exact: true });
}

export async function openChannel(page: Page, name: string): Promise<void> {
  await sidebarItem(page, name).click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
}

/** Types in the channel's message box and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: /^Message #/ });
  await box.fill(text);
  await box.press('Enter');
}

/** The channel's timeline (not the thread's). */
export function channelMessages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in #/ }).getByRole('listitem');
}

/** The message (or ephemeral) of the timeline that shows `text`, once it does. */
export async function messageWith(page: Page, text: string | RegExp): Promise<Locator> {
  const found = channelMessages(page).filter({ hasText: text }).last();
  await found.waitFor();
  return found;
}
