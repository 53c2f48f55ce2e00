import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS_DIR } from './paths.ts';
import { USERS, type UserKey } from './users.ts';

export async function signIn(page: Page, user: UserKey): Promise<void> {
  await page.goto('/');
  await page.getByLabel('E-mail').fill(USERS[user].email);
  await page.getByLabel('Password').fill(USERS[user].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Schedules', level: 2 })).toBeVisible();
  await expect(scheduleCard(page, 'Meta Ads')).toBeVisible();
}

export function scheduleCard(page: Page, label: 'Meta Ads' | 'Google Analytics 4' | 'Shopify'): Locator {
  return page.getByRole('article', { name: label, exact: true });
}

/** A full-page shot of a page (from the top, so the sticky header sits where it belongs), or of one element. */
export async function screenshot(target: Page | Locator, name: string): Promise<void> {
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  if ('goto' in target) {
    await target.evaluate(() => window.scrollTo(0, 0));
    await target.screenshot({ path, fullPage: true });
  } else {
    await target.screenshot({ path });
  }
}
