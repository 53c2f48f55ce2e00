import { expect, type Locator, type Page, test } from '@playwright/test';
import { screenshot } from '../support/app.ts';
import { USERS } from '../support/users.ts';

/** Presses Tab (or Shift+Tab) until `target` has the focus; fails when it is not reached in `max` presses. */
async function tabTo(page: Page, target: Locator, { max = 40, back = false } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  await expect(target).toBeFocused();
}

/** Whether the focused element draws a visible focus indicator (an outline or a box shadow). */
async function focusIsVisible(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return false;
    const style = getComputedStyle(element);
    return (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
  });
}

test('the daily path with the keyboard alone: sign in, change a schedule, run now, read the result', async ({ page }) => {
  await page.goto('/');
  await tabTo(page, page.getByLabel('E-mail'));
  await page.keyboard.type(USERS.keyboard.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(USERS.keyboard.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Pages', exact: true });
  await tabTo(page, nav.getByRole('link', { name: 'Google Analytics 4' }));
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Google Analytics 4', level: 1 })).toBeFocused();

  const card = page.locator('article.schedule');
  await tabTo(page, card.getByRole('switch'));
  await page.keyboard.press('Space');
  await expect(card.getByRole('switch')).toBeChecked();
  await tabTo(page, card.getByRole('textbox', { name: 'Cron expression' }));
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('15 6 * * *');
  await expect(card.getByText('At 06:15')).toBeVisible();
  await tabTo(page, card.getByRole('button', { name: 'Save' }));
  await page.keyboard.press('Enter');
  await expect(card.getByText('Saved.')).toBeVisible();

  await tabTo(page, card.getByRole('button', { name: 'Run now' }));
  expect(await focusIsVisible(page)).toBe(true);
  await page.keyboard.press('Enter');
  const status = card.locator('.run-now-status');
  await expect(status.locator('.badge')).toHaveText('succeeded', { timeout: 20_000 });
  const jobId = (await status.locator('code').textContent()) ?? '';

  await tabTo(page, nav.getByRole('link', { name: 'Runs' }), { back: true, max: 60 });
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeFocused();
  await tabTo(page, page.getByRole('link', { name: jobId }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: `Run ${jobId}`, level: 1 })).toBeVisible();
  await expect(page.locator('.run-detail .facts')).toContainText('succeeded');
  await expect(page.locator('.timeline-step strong').last()).toHaveText(/^Succeeded in/);
  await screenshot(page, 'keyboard-run-result');
});
