import { expect, test } from '@playwright/test';
import { openSource, scheduleCard, screenshot, signIn } from '../support/app.ts';

function inLondon(iso: string): { weekday: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return { weekday: get('weekday'), time: `${get('hour')}:${get('minute')}` };
}

test("changes a schedule's time zone and preset; after a reload it is saved and its next run follows", async ({ page }) => {
  await signIn(page, 'alice');
  await openSource(page, 'meta');
  const card = scheduleCard(page, 'Meta Ads');
  const zone = card.getByRole('combobox', { name: 'Time zone' });
  // A schedule never saved proposes the browser's zone (the context runs in America/New_York).
  await expect(zone).toHaveValue('America/New_York');
  await expect(card.getByTestId('next-run')).toHaveText('Not scheduled (disabled)');
  const save = card.getByRole('button', { name: 'Save' });

  await card.getByRole('switch').check();
  await card.getByRole('combobox', { name: 'Frequency' }).selectOption('weekdays');
  await card.getByLabel('Time', { exact: true }).fill('07:30');
  await expect(card.getByRole('textbox', { name: 'Cron expression' })).toHaveValue('30 7 * * 1-5');
  await expect(card.getByText('At 07:30, Monday through Friday')).toBeVisible();
  await card.getByRole('searchbox', { name: 'Search time zones' }).fill('london');
  await zone.selectOption('Europe/London');
  await expect(card.locator('.next-runs li')).toHaveCount(5);
  const firstPreview = await card.locator('.next-runs time').first().getAttribute('datetime');
  await screenshot(card, 'schedule-edited');

  await save.click();
  await expect(card.getByText('Saved.')).toBeVisible();
  await expect(save).toBeDisabled();
  const nextRun = card.getByTestId('next-run').locator('time');
  await expect(nextRun).toHaveAttribute('datetime', firstPreview ?? '');

  await page.reload();
  const reloaded = scheduleCard(page, 'Meta Ads');
  await expect(reloaded.getByRole('textbox', { name: 'Cron expression' })).toHaveValue('30 7 * * 1-5');
  await expect(reloaded.getByRole('combobox', { name: 'Frequency' })).toHaveValue('weekdays');
  await expect(reloaded.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Europe/London');
  await expect(reloaded.getByRole('switch')).toBeChecked();
  await expect(reloaded.getByRole('button', { name: 'Save' })).toBeDisabled();
  const stored = await reloaded.getByTestId('next-run').locator('time').getAttribute('datetime');
  expect(stored).toBe(firstPreview);
  const local = inLondon(stored ?? '');
  expect(local.time).toBe('07:30');
  expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(local.weekday);
  await screenshot(page, 'schedule-saved');
});

test("an invalid or too frequent cron is caught as it is typed, with the server's minimum interval", async ({ page }) => {
  await signIn(page, 'alice');
  await openSource(page, 'shopify');
  const card = scheduleCard(page, 'Shopify');
  const cron = card.getByRole('textbox', { name: 'Cron expression' });
  const save = card.getByRole('button', { name: 'Save' });

  await cron.fill('61 * * * *');
  await expect(cron).toHaveAttribute('aria-invalid', 'true');
  await expect(card.getByRole('alert')).toContainText('Invalid cron expression');
  await expect(save).toBeDisabled();

  // Valid syntax, but every 10 seconds: the minimum interval comes from the server (schedules.limits),
  // so it is caught as it is typed, with the words the server would use on Save.
  await cron.fill('*/10 * * * * *');
  await expect(card.getByRole('alert')).toHaveText('Cron expression fires every 10s; the minimum interval is 60s');
  await expect(cron).toHaveAttribute('aria-invalid', 'true');
  await expect(save).toBeDisabled();
  await screenshot(card, 'invalid-cron');

  await page.reload();
  await expect(scheduleCard(page, 'Shopify').getByRole('textbox', { name: 'Cron expression' })).toHaveValue('0 2 * * *');
});
