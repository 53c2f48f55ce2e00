import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import { ARTIFACTS_DIR } from './paths.ts';
import { credentialsOf, type UserKey } from './users.ts';

export type SourceLabel = 'Meta Ads' | 'Google Analytics 4' | 'Shopify';

/** Opens `path` signed out, signs in on the sign-in page it shows, and waits for the page at `path`. */
export async function signIn(page: Page, user: UserKey, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('E-mail').fill(credentialsOf(user).email);
  await page.getByLabel('Password').fill(credentialsOf(user).password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeVisible();
  await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toBeVisible();
}

/** A source's page (`/sources/meta`), once its schedule card is shown. */
export async function openSource(page: Page, service: 'meta' | 'ga4' | 'shopify'): Promise<void> {
  await page.goto(`/sources/${service}`);
  await expect(page.locator(`article.schedule[data-service="${service}"]`)).toBeVisible();
}

export function scheduleCard(page: Page, label: SourceLabel): Locator {
  return page.locator('article.schedule').filter({ has: page.getByRole('heading', { name: label, exact: true }) });
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

/** axe-core over the whole page: no serious or critical violation, each one listed when there is. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const severe = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.impact} ${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  expect(severe).toEqual([]);
}
