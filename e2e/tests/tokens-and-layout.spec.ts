import { expect, test } from '@playwright/test';
import { openSource, screenshot, signIn } from '../support/app.ts';

test('creates an API token shown once, which works as a bearer token, and revokes it', async ({ page }) => {
  await signIn(page, 'layout', '/tokens');
  const tokens = page.locator('#tokens');
  await expect(tokens.getByText('No API tokens yet.')).toBeVisible();
  await tokens.getByLabel('New token name').fill('reporting');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const secret = tokens.getByRole('textbox', { name: 'New API token' });
  await expect(secret).toBeVisible();
  const token = await secret.inputValue();
  expect(token.length).toBeGreaterThan(20);
  await expect(tokens.getByText('it will not be shown again')).toBeVisible();
  await screenshot(tokens, 'token-created');

  const asService = await page.request.get('/api/schedules', { headers: { authorization: `Bearer ${token}` } });
  expect(asService.status()).toBe(200);

  await tokens.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);
  await tokens.getByRole('button', { name: 'Revoke…' }).click();
  await tokens.getByRole('button', { name: 'Revoke “reporting”' }).click();
  await expect(tokens.getByText('revoked', { exact: true })).toBeVisible();
  const afterRevoke = await page.request.get('/api/schedules', { headers: { authorization: `Bearer ${token}` } });
  expect(afterRevoke.status()).toBe(401);
});

test('every page fits a 375 px wide screen without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto('/');
  await screenshot(page, 'mobile-sign-in');
  await signIn(page, 'layout');
  for (const path of ['/', '/sources/meta', '/runs', '/connections', '/notifications', '/tokens', '/account']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.locator('[role="status"] .spinner')).toHaveCount(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await openSource(page, 'meta');
  await screenshot(page.locator('article.schedule'), 'mobile-schedule-card');

  // On a phone the page links fold behind Menu; a chosen page closes it again.
  const menu = page.getByRole('button', { name: 'Menu' });
  const runsLink = page.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link', { name: 'Runs' });
  await expect(runsLink).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await screenshot(page, 'mobile-menu-open');
  await runsLink.click();
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  await expect(runsLink).toBeHidden();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
});

test('every control is labelled, and the first schedule toggle is reached and used from the keyboard', async ({ page }) => {
  await signIn(page, 'layout');
  await openSource(page, 'meta');
  const unlabeled = await page.evaluate(() => {
    const found: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>('input, select, button')) {
      const labelled =
        (element as HTMLInputElement).labels?.length ||
        element.getAttribute('aria-label') ||
        element.getAttribute('aria-labelledby') ||
        (element.tagName === 'BUTTON' && element.textContent?.trim());
      if (!labelled) found.push(element.outerHTML.slice(0, 80));
    }
    return found;
  });
  expect(unlabeled).toEqual([]);
  // Tab from the top (skip link, the page links, sign out) reaches the schedule's toggle, and Space flips it.
  const toggle = page.locator('article.schedule').getByRole('switch');
  for (let i = 0; i < 20 && !(await toggle.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(toggle).toBeFocused();
  await page.keyboard.press('Space');
  await expect(toggle).toBeChecked();
});
