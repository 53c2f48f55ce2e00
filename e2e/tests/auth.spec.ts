import { expect, test } from '@playwright/test';
import { screenshot, signIn } from '../support/app.ts';
import { USERS } from '../support/users.ts';

test('a signed-out visitor sees the sign-in page, and a wrong password is refused clearly', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'KPI sync scheduler' })).toBeVisible();
  await screenshot(page, 'sign-in');
  await page.getByLabel('E-mail').fill(USERS.alice.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('E-mail or password is wrong');
  await screenshot(page, 'sign-in-error');
});

test('signs in, stays signed in across a reload, and signs out', async ({ page }) => {
  await signIn(page, 'alice');
  await expect(page.getByText(USERS.alice.email)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  await expect(page.getByRole('article', { name: /^(Meta Ads|Google Analytics 4|Shopify)$/ })).toHaveCount(3);

  await page.reload();
  await expect(page.getByText(USERS.alice.email)).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText(USERS.alice.email)).toHaveCount(0);
  // The session is gone on the server too, not just hidden.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  const me = await page.request.get('/api/auth/me');
  expect(me.status()).toBe(401);
});

test('a session that ends mid-use shows sign-in at the same URL, and signing in returns to that page', async ({ page }) => {
  await signIn(page, 'returner', '/runs?status=failed');
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  await expect(page.getByText('No runs match these filters.')).toBeVisible();

  // The server forgets the session (as when it expires): the next call answers 401.
  await page.context().clearCookies();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page).toHaveURL(/\/runs\?status=failed$/);

  await page.getByLabel('E-mail').fill(USERS.returner.email);
  await page.getByLabel('Password').fill(USERS.returner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runs', level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/runs\?status=failed$/);
  await expect(page.getByRole('combobox', { name: 'Status' })).toHaveValue('failed');
});

test('a bookmarked page opens directly, and an unknown one says it is not found', async ({ page }) => {
  await signIn(page, 'alice', '/sources/shopify');
  await expect(page.getByRole('heading', { name: 'Shopify', level: 1 })).toBeVisible();
  await page.goto('/sources/tiktok');
  await expect(page.getByRole('heading', { name: 'Not found', level: 1 })).toBeVisible();
  await page.goto('/runs/999999');
  await expect(page.getByText('Run 999999 does not exist, or is not yours.')).toBeVisible();
});
