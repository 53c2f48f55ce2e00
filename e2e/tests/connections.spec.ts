import { expect, type Locator, type Page, test } from '@playwright/test';
import { openSource, scheduleCard, screenshot, signIn } from '../support/app.ts';
import { FAKE, metaRequestsWith, sheetRows } from '../support/fakes.ts';

const connectionCard = (page: Page, label: string) => page.getByRole('article', { name: `${label} connection`, exact: true });
const sheetCard = (page: Page) => page.getByRole('article', { name: 'Google Sheet destination' });

/** Days since 1899-12-30: what the fake Sheet (USER_ENTERED) stores for an ISO date. */
const serialOf = (date: string) => Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000);

async function connectMeta(card: Locator, token: string): Promise<void> {
  await card.getByLabel('Ad account id', { exact: true }).fill(`act_${FAKE.metaAccountId}`);
  await card.getByLabel('Access token', { exact: true }).fill(token);
  await card.getByRole('button', { name: 'Save connection' }).click();
  await expect(card.getByText('Live', { exact: true })).toBeVisible();
}

/**
 * Waits until no Meta run of the signed-in user is queued or running: saving a first connection queues a
 * backfill of the last 30 days, which would otherwise run alongside the run under test.
 */
async function metaRunsSettled(page: Page): Promise<void> {
  await expect
    .poll(
      async () => {
        const answer = await page.request.get('/api/runs?service=meta&limit=100');
        const { data } = (await answer.json()) as { data: { items: Array<{ status: string; trigger: string }> } };
        return data.items.filter((run) => run.status === 'queued' || run.status === 'running').length;
      },
      { timeout: 30_000 },
    )
    .toBe(0);
}

async function runNowAndWait(page: Page, outcome: 'succeeded' | 'failed'): Promise<string> {
  const card = scheduleCard(page, 'Meta Ads');
  await card.getByRole('button', { name: 'Run now' }).click();
  const status = card.locator('.run-now-status');
  await expect(status.locator('code')).toHaveText(/job-\d+/);
  const jobId = (await status.locator('code').textContent()) ?? '';
  await expect(status.locator('.badge')).toHaveText(outcome, { timeout: 20_000 });
  return jobId;
}

test('connect Meta and a Google Sheet, test both, run now: live KPIs in the UI and one row per date in the Sheet', async ({
  page,
}) => {
  await signIn(page, 'connector');
  await openSource(page, 'meta');
  const state = page.locator('.page-head [data-state]');
  await expect(state).toHaveText('○ Not connected');

  const meta = connectionCard(page, 'Meta Ads');
  await expect(meta.getByText('Sample data', { exact: true })).toBeVisible();
  await connectMeta(meta, FAKE.metaToken);
  // The token went to the server and never comes back: the input is empty and the card says "saved".
  await expect(meta.getByText('· saved')).toBeVisible();
  await expect(meta.locator('dd.mono')).toHaveText(FAKE.metaAccountId);
  expect(await page.content()).not.toContain(FAKE.metaToken);
  await meta.getByRole('button', { name: 'Test connection' }).click();
  await expect(meta.getByRole('status').filter({ hasText: 'Works:' })).toBeVisible();
  await expect(meta.getByText('OK', { exact: true })).toBeVisible();
  await expect(state).toHaveText('… Connected');

  await page.getByRole('navigation', { name: 'Pages', exact: true }).getByRole('link', { name: 'Connections' }).click();
  const sheet = sheetCard(page);
  await expect(sheet.getByRole('link', { name: 'Connect with Google' })).toHaveCount(0);
  await sheet
    .getByLabel('Spreadsheet URL or id')
    .first()
    .fill(`https://docs.google.com/spreadsheets/d/${FAKE.spreadsheetId}/edit#gid=0`);
  await expect(sheet.getByRole('combobox', { name: 'Credential type' })).toHaveValue('oauth_refresh');
  await sheet.getByLabel('Refresh token', { exact: true }).fill(FAKE.sheetRefreshToken);
  await sheet.getByRole('button', { name: 'Save destination' }).click();
  await expect(sheet.getByRole('link', { name: 'Open the sheet' })).toHaveAttribute(
    'href',
    `https://docs.google.com/spreadsheets/d/${FAKE.spreadsheetId}/edit`,
  );
  await sheet.getByRole('button', { name: 'Test connection' }).click();
  await expect(sheet.getByRole('status').filter({ hasText: 'Works: Spreadsheet reachable' })).toBeVisible();
  await screenshot(page.locator('#connections'), 'connections-connected');

  await openSource(page, 'meta');
  await metaRunsSettled(page);
  const firstJob = await runNowAndWait(page, 'succeeded');
  await page.goto('/runs');
  await expect(page.locator(`#runs tr[data-job="${firstJob}"] td[data-label="Status"]`)).toHaveText(/succeeded/);
  await page.goto('/');
  await expect(page.getByRole('article', { name: 'Meta Ads', exact: true }).locator('[data-state]')).toHaveText('✓ Healthy');
  const kpi = page.getByRole('article', { name: 'Meta Ads KPIs' });
  await expect(kpi.getByText('Live data')).toBeVisible();
  await expect(kpi.getByText('Sample data', { exact: true })).toHaveCount(0);
  await expect(kpi.locator('dd').first()).toHaveText('123.45');
  const date = /For (\d{4}-\d{2}-\d{2})/.exec((await kpi.textContent()) ?? '')?.[1] ?? '';
  expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await screenshot(kpi, 'kpi-live');

  const afterFirst = await sheetRows('Meta');
  expect(afterFirst[0]).toEqual(['date', 'spend', 'impressions', 'clicks', 'conversions', 'currency', 'synced_at']);
  // One row per date, sorted, ending with the newest day; each run re-pulls the lookback days too.
  const dates = afterFirst.slice(1).map((row) => row[0]);
  expect(dates.at(-1)).toEqual(serialOf(date));
  expect(dates).toEqual([...new Set(dates)].sort((a, b) => Number(a) - Number(b)));
  expect(afterFirst.at(-1)?.slice(1, 6)).toEqual([123.45, 45678, 910, 12, 'USD']);
  expect(await sheetRows('GA4')).toEqual([]);

  // The same date again: the row is updated in place, never duplicated.
  await openSource(page, 'meta');
  await runNowAndWait(page, 'succeeded');
  const afterSecond = await sheetRows('Meta');
  expect(afterSecond.slice(1).map((row) => row[0])).toEqual(dates);
  await screenshot(page, 'connections-run-live');
});

test('a token the fake rejects: the run fails at once (no retry) and the card asks to reconnect', async ({ page }) => {
  await signIn(page, 'reauth');
  await openSource(page, 'meta');
  const meta = connectionCard(page, 'Meta Ads');
  await connectMeta(meta, FAKE.metaRejectedToken);
  await metaRunsSettled(page);
  // Only an enabled schedule is paused by a refused credential.
  expect((await page.request.put('/api/schedules/meta', { data: { enabled: true } })).ok()).toBe(true);
  await page.reload();
  const before = await metaRequestsWith(FAKE.metaRejectedToken);

  const jobId = await runNowAndWait(page, 'failed');
  // One attempt, one call: a retryable failure would have been queued again instead.
  expect((await metaRequestsWith(FAKE.metaRejectedToken)) - before).toBe(1);
  await expect(page.locator('.page-head [data-state]')).toHaveText('! Needs reconnect');

  // The refused credential paused the schedule at once; the banner says why and leads to the connection.
  await page.reload();
  const banner = page.getByRole('status', { name: 'meta schedule paused' });
  await expect(banner).toContainText('Paused');
  await banner.getByRole('button', { name: 'Reconnect' }).click();
  await expect(page.getByRole('heading', { name: 'Connection', level: 2 })).toBeFocused();

  await expect(meta.getByText('Needs reconnecting')).toBeVisible();
  const alert = meta.getByRole('alert').filter({ hasText: 'Reconnect needed' });
  await expect(alert).toContainText('Error validating access token');
  await expect(alert.getByRole('button', { name: 'Reconnect' })).toBeVisible();
  await screenshot(meta, 'connection-needs-reauth');

  // Reconnecting with a token the fake accepts clears it, and the next run succeeds.
  await alert.getByRole('button', { name: 'Reconnect' }).click();
  await meta.getByLabel('Access token', { exact: true }).fill(FAKE.metaToken);
  await meta.getByRole('button', { name: 'Save connection' }).click();
  await expect(meta.getByText('Needs reconnecting')).toHaveCount(0);
  // Saving a working credential resumed the schedule it had paused.
  await page.reload();
  await expect(scheduleCard(page, 'Meta Ads')).toBeVisible();
  await expect(banner).toHaveCount(0);
  await runNowAndWait(page, 'succeeded');

  // The failed run's own page: why it ran, its one attempt and the source's refusal.
  await page.goto('/runs');
  const row = page.locator(`#runs tr[data-job="${jobId}"]`);
  await expect(row.locator('td[data-label="Status"]')).toHaveText(/failed/);
  await expect(row.locator('td[data-label="Attempt"]')).toContainText('1');
  await row.getByRole('link', { name: jobId }).click();
  await expect(page.getByRole('heading', { name: `Run ${jobId}`, level: 1 })).toBeVisible();
  await expect(page.locator('.timeline')).toContainText('Error validating access token');
  await expect(page.locator('.timeline-step strong')).toHaveText(['Queued', 'Attempt 1 started', /^Failed/]);
  await screenshot(page, 'run-failed-desktop');

  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto('/connections');
  await screenshot(page.locator('#connections'), 'mobile-connections');
});

test('/connections shows the outcome of a provider redirect', async ({ page }) => {
  await signIn(page, 'connector');
  await page.goto('/connections?error=oauth_denied&target=ga4');
  const alert = page.locator('#connections').getByRole('alert').filter({ hasText: 'did not complete' });
  await expect(alert).toContainText('You did not allow access at Google');
  await expect(page).toHaveURL(/\/connections$/);
  await page.goto('/connections?connected=sheets');
  await expect(
    page.locator('#connections').getByRole('status').filter({ hasText: 'Your Google Sheet is connected' }),
  ).toBeVisible();
});
