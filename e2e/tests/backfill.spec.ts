import { expect, test } from '@playwright/test';
import { screenshot, signIn } from '../support/app.ts';

test('a backfill from the source page shows its progress and finishes; a reversed range is refused in words', async ({
  page,
}) => {
  await signIn(page, 'backfiller', '/sources/ga4');
  const form = page.getByRole('form', { name: 'Backfill Google Analytics 4' });
  const days = await page.evaluate(() => {
    const now = new Date();
    const at = (back: number) => {
      const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - back);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
    };
    return { from: at(91), to: at(2) };
  });

  await form.getByLabel('From').fill(days.to);
  await form.getByLabel('To').fill(days.from);
  await form.getByRole('button', { name: 'Backfill' }).click();
  await expect(form.getByRole('alert')).toContainText('from');

  await form.getByLabel('From').fill(days.from);
  await form.getByLabel('To').fill(days.to);
  await form.getByRole('button', { name: 'Backfill' }).click();
  await expect(form.getByRole('alert')).toHaveCount(0);
  // 90 days are worked in chunks; the bar counts the days done until all 90 are.
  const progress = form.getByRole('progressbar', { name: 'Google Analytics 4 backfill progress' });
  await expect(progress).toBeVisible({ timeout: 20_000 });
  await expect(progress).toHaveAttribute('max', '90');
  await expect(form.locator('.backfill-status .badge')).toHaveText('succeeded', { timeout: 30_000 });
  await expect(form.locator('.backfill-status')).toContainText('90 of 90 days');
  await expect(progress).toHaveAttribute('value', '90');
  await expect(form.getByRole('button', { name: 'Backfill' })).toBeEnabled();
  // Without a reload, the charts show the backfilled days. The 30 shown end yesterday in the source's zone
  // (here the schedule's, Asia/Kolkata, a day ahead of the Americas in their evening): every day up to the
  // last one asked for is stored, and only the one or two after it are missing.
  const chart = page.locator('.history figure.chart').first();
  await chart.getByText('Figures as a table').click();
  await expect(chart.locator('tbody tr')).toHaveCount(30);
  const rows = await chart
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => ({ date: tr.querySelector('td')?.textContent ?? '', missing: /missing/.test(tr.textContent ?? '') })),
    );
  const after = rows.filter((row) => row.date > days.to);
  expect(after.length).toBeGreaterThanOrEqual(1);
  expect(after.length).toBeLessThanOrEqual(2);
  expect(rows.filter((row) => row.missing).map((row) => row.date)).toEqual(after.map((row) => row.date));
  await screenshot(page, 'source-backfill-desktop');

  // The run history lists it as a backfill, with the days it fetched.
  await page.goto('/runs?service=ga4');
  await expect(page.locator('#runs td[data-label="Trigger"]').first()).toContainText(`backfilldays ${days.from} to ${days.to}`);
});
