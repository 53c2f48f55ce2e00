import { expect, test } from '@playwright/test';
import { screenshot, signIn } from '../support/app.ts';

const NEWCOMER = { email: 'newcomer@e2e.test', password: 'newcomer-password-1' };

test('an administrator creates a user, disables them (signing them out at once), and the audit log says so', async ({
  browser,
}) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, 'admin', '/admin');
  const users = admin.locator('section[aria-labelledby="users-title"]');
  await users.getByLabel('E-mail').fill(NEWCOMER.email);
  await users.getByLabel('Initial password').fill(NEWCOMER.password);
  await users.getByRole('button', { name: 'Create user' }).click();
  await expect(users.getByText(`Created ${NEWCOMER.email}.`)).toBeVisible();
  const row = users.locator(`tr[data-user="${NEWCOMER.email}"]`);
  await expect(row.locator('td[data-label="State"]')).toContainText('Active');

  // The new user signs in elsewhere and works.
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  await user.goto('/');
  await user.getByLabel('E-mail').fill(NEWCOMER.email);
  await user.getByLabel('Password').fill(NEWCOMER.password);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await expect(user.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();

  await row.getByRole('button', { name: `Disable ${NEWCOMER.email}` }).click();
  await expect(row.getByRole('status')).toHaveText('Disabled; sessions and tokens ended.');
  await expect(row.locator('td[data-label="State"]')).toContainText('Disabled');

  // Their session stopped working: the next page they open asks them to sign in, and signing in is refused.
  await user.goto('/runs');
  await expect(user.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await user.getByLabel('E-mail').fill(NEWCOMER.email);
  await user.getByLabel('Password').fill(NEWCOMER.password);
  await user.getByRole('button', { name: 'Sign in' }).click();
  await expect(user.getByRole('alert')).toBeVisible();
  await expect(user.getByRole('button', { name: 'Sign out', exact: true })).toHaveCount(0);

  // The last administrator cannot demote themselves; the refusal is shown in words on their row.
  const self = users.locator('tr[data-user="admin@e2e.test"]');
  await self.getByRole('button', { name: 'Make user' }).click();
  await expect(self.getByRole('alert')).toContainText('At least one enabled administrator must remain');

  const audit = admin.locator('section[aria-labelledby="audit-title"]');
  await expect(audit.locator('[data-action="user.create"]')).toContainText(`admin@e2e.test created ${NEWCOMER.email}`);
  await expect(audit.locator('[data-action="user.disable"]')).toContainText(`admin@e2e.test disabled ${NEWCOMER.email}`);
  const fleet = admin.locator('section[aria-labelledby="fleet-title"]');
  await expect(fleet.getByText('Instances alive', { exact: true })).toBeVisible();
  await screenshot(admin, 'admin-users-desktop');
  await userContext.close();
  await adminContext.close();
});
