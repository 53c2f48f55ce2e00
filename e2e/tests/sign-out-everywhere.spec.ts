import { expect, test } from '@playwright/test';
import { signIn } from '../support/app.ts';

test('sign out everywhere ends this session and the one on another device', async ({ browser }) => {
  const laptopContext = await browser.newContext();
  const laptop = await laptopContext.newPage();
  await signIn(laptop, 'everywhere', '/account');
  const phoneContext = await browser.newContext();
  const phone = await phoneContext.newPage();
  await signIn(phone, 'everywhere', '/runs');

  await laptop.getByRole('button', { name: 'Sign out everywhere…' }).click();
  await laptop.getByRole('button', { name: 'Sign out of every device' }).click();
  await expect(laptop.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await laptop.reload();
  await expect(laptop.getByRole('button', { name: 'Sign in' })).toBeVisible();

  await phone.reload();
  await expect(phone.getByRole('button', { name: 'Sign in' })).toBeVisible();
  const me = await phone.request.get('/api/auth/me');
  expect(me.status()).toBe(401);
  await phoneContext.close();
  await laptopContext.close();
});
